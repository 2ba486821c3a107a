"""The fixed vocabulary of operations an indicator's ``compute`` block may use.

An indicator is computed by evaluating a small expression tree declared in
YAML, for instance::

    compute:
      op: ratio
      num: {op: sum, table: milex, column: milex_const_usd_m, states: [focal1, focal2]}
      den: {op: value, table: milex, column: milex_const_usd_m, state: reference}

Each operation is a small function reached through :data:`OPS`; nothing in
the YAML is ever evaluated as Python. Every operation returns a float Series
indexed by year; a year a source does not cover is NaN, never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from balances.triad import GREAT_POWERS, Triad


class OpError(ValueError):
    """An operation's arguments are invalid (raised with the argument named)."""


@dataclass
class Context:
    """What an expression is evaluated against.

    Parameters
    ----------
    triad
        Focal pair and reference power.
    tables
        Callable returning a table (processed or user-supplied) by name.
    years
        The panel's years (index of every returned Series).
    """

    triad: Triad
    tables: Callable[[str], pd.DataFrame]
    years: pd.Index
    missing: list[str] = field(default_factory=list)

    def empty(self) -> pd.Series:
        return pd.Series(np.nan, index=self.years, dtype="float64")

    def align(self, s: pd.Series) -> pd.Series:
        return s.groupby(level=0).sum(min_count=1).reindex(self.years).astype("float64")


Op = Callable[[Mapping[str, Any], Context], pd.Series]
#: Argument names each operation accepts (required, optional); checked at load time.
SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
OPS: dict[str, Op] = {}


def op(name: str, required: set[str], optional: set[str] = frozenset()) -> Callable[[Op], Op]:
    """Register an operation under ``name`` with its argument names."""

    def register(fn: Op) -> Op:
        OPS[name] = fn
        SIGNATURES[name] = (frozenset(required), frozenset(optional))
        return fn

    return register


def _states(args: Mapping[str, Any], ctx: Context, key: str = "states") -> list[str] | None:
    """Resolve a list of roles/ISO3 codes, or a group name, to ISO3 codes (None = all states)."""
    who = args[key]
    if who == "all":
        return None
    if who == "great_powers":
        return list(GREAT_POWERS)
    if who == "triad":
        return list(ctx.triad.members)
    if isinstance(who, str):
        return [ctx.triad.resolve(who)]
    return [ctx.triad.resolve(w) for w in who]


def _table(args: Mapping[str, Any], ctx: Context) -> pd.DataFrame:
    df = ctx.tables(args["table"])
    col = args.get("column")
    if col is not None and col not in df.columns:
        raise OpError(f"table {args['table']!r} has no column {col!r}; columns: {list(df.columns)}")
    return df


def _filter(df: pd.DataFrame, where: Mapping[str, Any] | None, table: str) -> pd.DataFrame:
    if not where:
        return df
    for col, val in where.items():
        if col not in df.columns:
            raise OpError(f"'where' names column {col!r} absent from table {table!r}")
        df = df[df[col].isin(val if isinstance(val, list) else [val])]
    return df


def _state_rows(df: pd.DataFrame, states: list[str] | None) -> pd.DataFrame:
    if states is None:
        return df
    return df[df["iso3"].isin(states)]


@op("value", {"table", "column"}, {"state", "dyad", "where"})
def _value(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """A column's value for one state, one directed dyad, or a system-level table."""
    df = _filter(_table(args, ctx), args.get("where"), args["table"])
    if "state" in args:
        iso = ctx.triad.resolve(args["state"])
        df = df[df["iso3"] == iso]
        if df.empty:
            ctx.missing.append(f"{args['table']} has no rows for {iso}")
    elif "dyad" in args:
        a, b = (ctx.triad.resolve(x) for x in args["dyad"])
        rows = df[(df["iso3_1"] == a) & (df["iso3_2"] == b)]
        if rows.empty:
            ctx.missing.append(_missing_dyad(df, args, a, b))
        df = rows
    return ctx.align(df.set_index("year")[args["column"]])


def _missing_dyad(df: pd.DataFrame, args: Mapping[str, Any], a: str, b: str) -> str:
    """Why a directed dyad has no rows, naming the reversed dyad when that one is there."""
    if ((df["iso3_1"] == b) & (df["iso3_2"] == a)).any():
        return (
            f"{args['table']} has rows for the dyad {b}-{a} but none for {a}-{b}: dyad rows "
            f"are directed (iso3_1 -> iso3_2), so add rows {a},{b} or write "
            f"dyad: [{args['dyad'][1]}, {args['dyad'][0]}]"
        )
    return (
        f"{args['table']} has no rows for the dyad {a}-{b} "
        "(dyad tables keep only config.DYAD_STATES)"
    )


@op("sum", {"table", "column", "states"}, {"where", "min_count"})
def _sum(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Sum of a column over states; NaN unless ``min_count`` states (default: all named) report."""
    states = _states(args, ctx)
    df = _state_rows(_filter(_table(args, ctx), args.get("where"), args["table"]), states)
    need = args.get("min_count", 1 if states is None else len(states))
    return df.groupby("year")[args["column"]].sum(min_count=need).reindex(ctx.years)


@op("share", {"table", "column", "state", "among"}, {"where"})
def _share(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """A state's share of the total over a group (``all``, ``great_powers``, a list)."""
    num = _value({k: v for k, v in args.items() if k != "among"}, ctx)
    den = _sum(
        {
            "table": args["table"],
            "column": args["column"],
            "states": args["among"],
            "where": args.get("where"),
        },
        ctx,
    )
    return num / den.replace(0, np.nan)


@op("concentration", {"table", "column", "among"})
def _concentration(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Ray-Singer concentration (normalised Herfindahl) of a capability among a group.

    0 when capabilities are equal, 1 when one state holds all; years where any
    member lacks a value are NaN.
    """
    states = _states(args, ctx, "among")
    df = _state_rows(_table(args, ctx), states)
    wide = df.pivot_table(index="year", columns="iso3", values=args["column"], aggfunc="sum")
    n = wide.shape[1] if states is None else len(states)
    shares = wide.div(wide.sum(axis=1, min_count=n), axis=0)
    hhi = (shares**2).sum(axis=1, min_count=n)
    out = np.sqrt((hhi - 1 / n) / (1 - 1 / n))
    return out.reindex(ctx.years)


@op("count", {"table"}, {"where", "states", "dyad", "year_column"})
def _count(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Number of events (rows) per year; 0 inside the table's year coverage, NaN outside."""
    df = _filter(_table(args, ctx), args.get("where"), args["table"])
    full = ctx.tables(args["table"])
    ycol = args.get("year_column", "year")
    if "states" in args:
        df = _state_rows(df, _states(args, ctx))
    if "dyad" in args:
        a, b = (ctx.triad.resolve(x) for x in args["dyad"])
        df = df[(df["iso3_1"] == a) & (df["iso3_2"] == b)]
    counts = df.groupby(ycol).size().reindex(ctx.years).astype("float64")
    covered = ctx.years.to_series().between(full[ycol].min(), full[ycol].max())
    return counts.fillna(0).where(covered.to_numpy())


@op("active", {"table", "start_column", "end_column"}, {"where", "first_year", "last_year"})
def _active(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Number of spells (rows with a start and an end year) active in each year.

    The years the table speaks for are ``first_year``-``last_year`` (default:
    the panel); outside them the count is NaN.
    """
    df = _filter(_table(args, ctx), args.get("where"), args["table"])
    for key in ("start_column", "end_column"):
        if args[key] not in df.columns:
            raise OpError(f"table {args['table']!r} has no column {args[key]!r}")
    years = ctx.years.to_numpy()
    start = df[args["start_column"]].to_numpy(dtype=float)[:, None]
    end = df[args["end_column"]].fillna(np.inf).to_numpy(dtype=float)[:, None]
    counts = ((start <= years) & (years <= end)).sum(axis=0).astype(float)
    lo, hi = args.get("first_year", years.min()), args.get("last_year", years.max())
    return pd.Series(np.where((years >= lo) & (years <= hi), counts, np.nan), index=ctx.years)


def _sub(args: Mapping[str, Any], key: str, ctx: Context) -> pd.Series:
    return evaluate(args[key], ctx)


@op("ratio", {"num", "den"})
def _ratio(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    den = _sub(args, "den", ctx)
    return _sub(args, "num", ctx) / den.replace(0, np.nan)


@op("difference", {"a", "b"})
def _difference(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    return _sub(args, "a", ctx) - _sub(args, "b", ctx)


@op("mean_of", {"args"})
def _mean_of(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Mean of several expressions, NaN where any is NaN."""
    parts = pd.concat([evaluate(a, ctx) for a in args["args"]], axis=1)
    return parts.mean(axis=1, skipna=False)


@op("sum_of", {"args"})
def _sum_of(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    parts = pd.concat([evaluate(a, ctx) for a in args["args"]], axis=1)
    return parts.sum(axis=1, min_count=parts.shape[1])


@op("log", {"x"})
def _log(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    x = _sub(args, "x", ctx)
    return np.log(x.where(x > 0))


@op("growth", {"x"}, {"periods"})
def _growth(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Relative change over ``periods`` years (0.05 = +5 %)."""
    x = _sub(args, "x", ctx)
    return x.pct_change(periods=int(args.get("periods", 1)), fill_method=None)


@op("rolling_mean", {"x", "window"}, {"min_periods"})
def _rolling_mean(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    x = _sub(args, "x", ctx)
    w = int(args["window"])
    return x.rolling(w, min_periods=int(args.get("min_periods", w))).mean()


@op("rolling_sum", {"x", "window"}, {"min_periods"})
def _rolling_sum(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    x = _sub(args, "x", ctx)
    w = int(args["window"])
    return x.rolling(w, min_periods=int(args.get("min_periods", w))).sum()


@op("lag", {"x"}, {"periods"})
def _lag(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    return _sub(args, "x", ctx).shift(int(args.get("periods", 1)))


@op("indicator", {"x"}, {"above", "below"})
def _indicator(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """1 where ``x`` is above/below a threshold, 0 where not, NaN where ``x`` is."""
    x = _sub(args, "x", ctx)
    out = pd.Series(1.0, index=x.index)
    if "above" in args:
        out = out.where(x > float(args["above"]), 0.0)
    if "below" in args:
        out = out.where(x < float(args["below"]), 0.0)
    return out.where(x.notna())


@op("scale", {"x", "by"})
def _scale(args: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Multiply by a constant (unit changes, e.g. 100 for percent)."""
    return _sub(args, "x", ctx) * float(args["by"])


def evaluate(node: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Evaluate an expression tree to a float Series indexed by year."""
    try:
        return OPS[node["op"]](node, ctx).astype("float64")
    except OpError:
        raise
    except KeyError as exc:
        raise OpError(f"operation {node['op']!r}: {exc}") from exc


#: Arguments holding sub-expressions (checked recursively at load time).
NESTED = {"num", "den", "a", "b", "x"}
NESTED_LISTS = {"args"}
#: Arguments holding table names (checked against available tables at load time).
TABLE_ARGS = {"table"}
