"""processed tables -> indicator values: the long panel (year, indicator, value, status).

:class:`Tables` serves processed tables and the user's own CSV tables by name;
:func:`compute_panel` evaluates every registered indicator for a triad;
:func:`coverage` turns the panel into an indicator x year status grid.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from balances.config import PANEL_END, PANEL_START, STUDY_START
from balances.countries import add_codes, is_known_iso3, to_iso3
from balances.data import load_table, tables
from balances.errors import BalancesWarning, DataError, ParameterError, shown
from balances.indicators.ops import Context, OpError
from balances.indicators.registry import (
    BUILTIN_DIR,
    YAML_SUFFIXES,
    Indicator,
    evaluate,
    indicator_dirs,
    load_registry,
)
from balances.io import check_unique, coerce
from balances.triad import Triad

STATUSES = ("present", "estimate", "missing")


def read_user_table(path: Path) -> pd.DataFrame:
    """Read and validate a user's tidy CSV table.

    Keys: ``iso3`` or ``ccode`` and ``year`` (state-year), ``iso3_1, iso3_2, year``
    (dyad-year) or ``year`` alone (system-year); every other column numeric.
    Errors name the file, line and column.
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA", "NaN"])
    except pd.errors.EmptyDataError:
        raise DataError(
            path,
            "the file is empty",
            fix="write a header line (iso3,year,...) and one row per value",
        ) from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot be read as CSV ({shown(str(exc), 200)})") from exc
    df.index = pd.RangeIndex(2, len(df) + 2)
    if "year" not in df.columns:
        raise DataError(
            path,
            f"no 'year' column (columns: {list(df.columns)})",
            column="year",
            fix="tidy tables need 'year' and 'iso3' or 'ccode' (or iso3_1, iso3_2)",
        )
    keys = _user_table_keys(df)
    numeric = [c for c in df.columns if c not in keys]
    df = coerce(
        df,
        {
            c: ("int" if c in ("year", "ccode") else "float")
            for c in numeric + (["ccode"] if keys == ["ccode"] else [])
        },
        path,
    )
    _check_finite(df, numeric, path)
    df = _check_codes(df, keys, path)
    _check_years(df, path)
    check_unique(df, [*(["iso3"] if keys == ["ccode"] else keys), "year"], path)
    df["year"] = df["year"].astype("int64")
    if "iso3" in df.columns and "ccode" not in df.columns:
        df = add_codes(df, from_col="iso3", kind="iso3")
    return df.reset_index(drop=True)


def _user_table_keys(df: pd.DataFrame) -> list[str]:
    """The key columns of a user table besides ``year``: a dyad, a state, or none (system)."""
    if {"iso3_1", "iso3_2"} <= set(df.columns):
        return ["iso3_1", "iso3_2"]
    if "iso3" in df.columns:
        return ["iso3"]
    if "ccode" in df.columns:
        return ["ccode"]
    return []


def _check_finite(df: pd.DataFrame, numeric: list[str], path: Path) -> None:
    """No infinite value in a value column: a missing value is an empty cell."""
    for col in numeric:
        infinite = np.isinf(df[col].to_numpy(dtype="float64", na_value=np.nan))
        if col != "year" and infinite.any():
            line = df.index[infinite.argmax()]
            raise DataError(
                path,
                f"infinite value {float(df.loc[line, col])}",
                row=int(line),
                column=col,
                fix="write a finite number, or leave the cell empty for a missing value",
            )


def _check_codes(df: pd.DataFrame, keys: list[str], path: Path) -> pd.DataFrame:
    """Known ISO3 codes, or known COW codes (then translated into an ``iso3`` column)."""
    for col in keys:
        if col.startswith("iso3"):
            bad = ~df[col].map(lambda c: isinstance(c, str) and is_known_iso3(c))
            if bad.any():
                line = bad.idxmax()
                raise DataError(
                    path,
                    f"unknown ISO3 code {shown(df.loc[line, col])}",
                    row=int(line),
                    column=col,
                    fix="use ISO 3166-1 alpha-3 codes such as RUS, CHN, USA",
                )
    if keys == ["ccode"]:
        known = to_iso3(df["ccode"], strict=False)
        bad = pd.Series([k is None for k in known], index=df.index)
        if bad.any():
            line = bad.idxmax()
            raise DataError(
                path,
                f"unknown COW code {shown(df.loc[line, 'ccode'])}",
                row=int(line),
                column="ccode",
            )
        df["iso3"] = known
    return df


def _check_years(df: pd.DataFrame, path: Path) -> None:
    """Every year inside the panel."""
    years = df["year"]
    out_of_range = years.isna() | ~years.between(PANEL_START, PANEL_END)
    if out_of_range.any():
        line = out_of_range.idxmax()
        raise DataError(
            path,
            f"year {years.loc[line]} outside the panel {PANEL_START}-{PANEL_END}",
            row=int(line),
            column="year",
        )


class Tables:
    """Processed tables plus user tables (CSV files in the indicator directories), by name."""

    def __init__(self, user_dir: str | os.PathLike[str] | None = None) -> None:
        self.dirs = indicator_dirs(user_dir)
        self.user: dict[str, Path] = {}
        for d in self.dirs[1:]:
            for path in sorted(Path(d).glob("*.csv")):
                self.user[path.stem] = path
            ignored = [
                p.name
                for p in sorted(Path(d).iterdir())
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix not in (".csv", *YAML_SUFFIXES)
                and not p.stem.upper().startswith(("README", "LICENSE"))
            ]
            if ignored:
                warnings.warn(
                    f"{d}: ignored {', '.join(ignored)}; an indicator directory holds "
                    "tables as .csv and indicators as .yml or .yaml",
                    BalancesWarning,
                    stacklevel=2,
                )
        clash = set(self.user) & set(tables())
        if clash:
            raise DataError(
                self.user[sorted(clash)[0]],
                "a user table has the name of a processed table",
                fix="rename the CSV file",
            )

    @functools.cache  # noqa: B019 - one instance per session; tables are small
    def __call__(self, name: str) -> pd.DataFrame:
        if name in self.user:
            return read_user_table(self.user[name])
        df = load_table(name)
        if "iso3" in df.columns and "ccode" in df.columns and "year" in df.columns:
            # Germany and Yemen have two COW codes in 1990: keep one row per state-year.
            df = df.sort_values(["iso3", "year", "ccode"]).drop_duplicates(
                ["iso3", "year"], keep="first"
            )
        return df

    def columns(self) -> dict[str, list[str]]:
        """Table name -> column names, for registry validation."""
        cols = {name: list(prov["columns"]) for name, prov in tables().items()}
        for name in self.user:
            cols[name] = list(self(name).columns)
        return cols

    def registry(self) -> dict[str, Indicator]:
        """The validated indicator registry over these tables."""
        return load_registry(self.columns(), self.dirs)


def years_index(start: int = STUDY_START, end: int = PANEL_END) -> pd.Index:
    if start > end:
        raise ParameterError("start", start, f"a year not after end={end}")
    return pd.Index(range(start, end + 1), name="year")


def compute_panel(
    triad: Triad | None = None,
    *,
    start: int = STUDY_START,
    end: int = PANEL_END,
    source: Tables | None = None,
    lenses: Iterable[str] | None = None,
    ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Evaluate indicators for a triad over years.

    Returns
    -------
    pandas.DataFrame
        Long panel with columns ``year, indicator, lens, value, status, note``;
        ``status`` is ``present``, ``estimate`` (the source flags the value as
        an estimate) or ``missing`` (with the reason in ``note``).
    """
    triad = triad or Triad()
    source = source or Tables()
    registry = source.registry()
    wanted = list(registry) if ids is None else list(ids)
    unknown = [i for i in wanted if i not in registry]
    if unknown:
        raise ParameterError("indicator", unknown, f"ids from {sorted(registry)}")
    lens_set = set(lenses) if lenses is not None else None
    years = years_index(start, end)
    frames = []
    for iid in wanted:
        ind = registry[iid]
        if lens_set is not None and ind.lens not in lens_set:
            continue
        why = _undefined_for(ind, triad)
        if why:
            frames.append(_frame(years, iid, ind.lens, np.nan, "missing", why))
            continue
        frames.append(_indicator_frame(ind, iid, Context(triad, source, years), (start, end)))
    if not frames:
        return pd.DataFrame(columns=["year", "indicator", "lens", "value", "status", "note"])
    return pd.concat(frames, ignore_index=True)


def _frame(
    years: pd.Index, iid: str, lens: str, value: Any, status: Any, note: Any
) -> pd.DataFrame:
    """One indicator's rows of the panel."""
    return pd.DataFrame(
        {
            "year": years,
            "indicator": iid,
            "lens": lens,
            "value": value,
            "status": status,
            "note": note,
        }
    )


def _undefined_for(ind: Indicator, triad: Triad) -> str:
    """Why an indicator is not defined for this triad (empty if it is)."""
    if ind.reference_only and ind.reference_only != triad.reference:
        return (
            f"defined only with {ind.reference_only} as the reference "
            "(its source records that state's forces or alliance only)"
        )
    if ind.only_for and not _matches(ind.only_for, triad):
        return f"defined only for the {ind.only_for} triad (its source covers no other)"
    return ""


def _indicator_frame(ind: Indicator, iid: str, ctx: Context, span: tuple[int, int]) -> pd.DataFrame:
    """An indicator's values, their status (present, estimate, missing) and notes."""
    years = ctx.years
    try:
        values = evaluate(ind.compute, ctx)
        est = evaluate(ind.estimate, ctx) if ind.estimate is not None else None
    except OpError as exc:
        raise ParameterError(
            "indicator", iid, f"a computable indicator ({ind.origin}: {exc})"
        ) from exc
    values = values.replace([np.inf, -np.inf], np.nan)
    status = np.where(values.isna(), "missing", "present")
    if est is not None:
        status = np.where((est.fillna(0) > 0) & values.notna(), "estimate", status)
    note = "; ".join(dict.fromkeys(ctx.missing)) if ctx.missing else "outside the sources' coverage"
    frame = _frame(
        years,
        iid,
        ind.lens,
        values.to_numpy(),
        status,
        np.where(values.isna(), note, _present_note(ind, values, years)),
    )
    if values.isna().all() and _is_users(ind):
        warnings.warn(
            f"indicator {iid!r} ({ind.origin}) has no value in {span[0]}-{span[1]}: {note}",
            BalancesWarning,
            stacklevel=3,  # the caller of compute_panel
        )
    return frame


def _is_users(ind: Indicator) -> bool:
    """Whether an indicator comes from a user's directory or a plugin, not the package."""
    return bool(ind.origin) and Path(ind.origin).resolve().parent != BUILTIN_DIR


def _present_note(ind: Indicator, values: pd.Series, years: pd.Index) -> str:
    """The note on present values: empty, unless the series has a single value.

    A series with one distinct value (one year of data, or a constant) has no
    spread to normalise: min-max and rank put it at 50 and z-score at 50 too,
    so it holds every year's score at the midpoint for its weight. For a
    user's own indicator (where a one-year example is the usual cause) that is
    said in the note of each of its values and warned about.
    """
    present = values.dropna()
    if not _is_users(ind) or len(years) < 2 or present.empty or present.nunique() > 1:
        return ""
    n = len(present)
    note = (
        f"one value ({present.iloc[0]:.6g}) in {n} year{'s' if n > 1 else ''} of "
        f"{years[0]}-{years[-1]}: normalised over the panel it scores 50 (the midpoint) "
        "and does not move the score from year to year"
    )
    warnings.warn(f"indicator {ind.id!r} ({ind.origin}) has {note}", BalancesWarning, stacklevel=3)
    return note


def _matches(only_for: str, triad: Triad) -> bool:
    a, b, ref = only_for.split(",")
    return {a, b} == {triad.focal1, triad.focal2} and ref == triad.reference


def coverage(panel: pd.DataFrame) -> pd.DataFrame:
    """Indicator x year grid of statuses (``present``, ``estimate``, ``missing``, ``imputed``)."""
    return panel.pivot(index="indicator", columns="year", values="status")


def wide(panel: pd.DataFrame) -> pd.DataFrame:
    """Year x indicator matrix of values (NaN where missing)."""
    return panel.pivot(index="year", columns="indicator", values="value")
