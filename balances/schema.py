"""Column schemas of the processed tables, declared once on ``@table`` and checked by pandera.

A loader declares each column's kind, whether it may be missing, and its
allowed values or range (:class:`Col`); the key columns every table of a level
carries (``ccode``, ``iso3``, ``year``, ...) are declared here once
(:data:`KEY_COLUMNS`). :func:`check` turns the declaration into a
``pandera`` schema, validates a built table lazily (every failure at once) and
reports the first failing row of each column in the project's error style
(:class:`balances.errors.RegistryError`: table, column, row, value, rule).

>>> import pandas as pd
>>> cols = {"share": Col("float", ge=0, le=1)}
>>> check(pd.DataFrame({"share": [0.2, None]}), cols, "table 't'")
>>> check(pd.DataFrame({"share": [0.2, 1.5]}), cols, "table 't'")
Traceback (most recent call last):
...
balances.errors.RegistryError: table 't': column 'share', row 1: value 1.5 breaks in_range(0, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from balances.errors import RegistryError, shown

Kind = Literal["int", "float", "str", "bool"]


@dataclass(frozen=True)
class Col:
    """One column's declaration: kind, nullability, and allowed values or range."""

    kind: Kind
    nullable: bool = True
    ge: float | None = None
    le: float | None = None
    isin: tuple[object, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("int", "float", "str", "bool"):
            raise RegistryError(f"column kind {self.kind!r}: expected int, float, str or bool")
        if self.ge is not None and self.le is not None and self.ge > self.le:
            raise RegistryError(f"column range [{self.ge}, {self.le}] is empty")


#: The key columns of every level, declared once (COW codes 2-999; years of the state system).
KEY_COLUMNS: dict[str, Col] = {
    "ccode": Col("int", nullable=False, ge=2, le=999),
    "ccode1": Col("int", nullable=False, ge=2, le=999),
    "ccode2": Col("int", nullable=False, ge=2, le=999),
    "iso3": Col("str", nullable=False),
    "iso3_1": Col("str", nullable=False),
    "iso3_2": Col("str", nullable=False),
    "year": Col("int", nullable=False, ge=1816, le=2030),
}

#: Shorthands for the declarations.
SHARE = Col("float", ge=0, le=1)
FLAG = Col("float", isin=(0.0, 1.0))
KAPPA = Col("float", ge=-1, le=1)
COUNT = Col("float", ge=0)
POSITIVE = Col("float", ge=1e-12)


def _dtype(kind: Kind, series: pd.Series) -> bool:
    if kind == "int":
        return pd.api.types.is_integer_dtype(series) or (
            pd.api.types.is_float_dtype(series) and bool((series.dropna() % 1 == 0).all())
        )
    if kind == "float":
        return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if kind == "bool":
        return pd.api.types.is_bool_dtype(series) or bool(series.dropna().isin([0, 1]).all())
    return pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)


def schema(columns: Mapping[str, Col]):  # noqa: ANN201 - pandera.DataFrameSchema (lazy import)
    """The ``pandera`` schema of a declaration (columns not declared are not checked)."""
    import pandera.pandas as pa

    out = {}
    for name, col in columns.items():
        checks = []
        if col.ge is not None and col.le is not None:
            checks.append(pa.Check.in_range(col.ge, col.le))
        elif col.ge is not None:
            checks.append(pa.Check.ge(col.ge))
        elif col.le is not None:
            checks.append(pa.Check.le(col.le))
        if col.isin is not None:
            checks.append(pa.Check.isin(list(col.isin)))
        out[name] = pa.Column(checks=checks, nullable=col.nullable, required=True)
    return pa.DataFrameSchema(out, strict=False, coerce=False)


def check(df: pd.DataFrame, columns: Mapping[str, Col], where: str) -> None:
    """Validate ``df`` against a declaration; raise one error naming every failing column.

    Kinds are checked first (a text cell in a numeric column, a fraction in a
    year), then pandera runs the value checks lazily, so one run reports every
    column that fails, each with its first failing row.
    """
    import pandera.pandas as pa

    problems = []
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RegistryError(f"{where}: declared columns missing from the table: {missing}")
    for name, col in columns.items():
        if not _dtype(col.kind, df[name]):
            problems.append(f"column {name!r}: expected {col.kind} values, got {df[name].dtype}")
    if problems:
        raise RegistryError(f"{where}: " + "; ".join(problems))
    try:
        # inplace: nothing is coerced, so pandera need not copy the table (1.6 s at 900k rows)
        schema(columns).validate(df, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for name, g in cases.groupby("column", sort=False):
            first = g.iloc[0]
            row = first["index"]
            case = first["failure_case"]
            case = case.item() if hasattr(case, "item") else case  # numpy scalar -> Python
            value = "missing" if pd.isna(case) else shown(case, 40)
            rule = "not nullable" if value == "missing" else first["check"]
            more = f" (and {len(g) - 1} more rows)" if len(g) > 1 else ""
            value_text = "a missing value" if value == "missing" else f"value {value}"
            problems.append(f"column {name!r}, row {row}: {value_text} breaks {rule}{more}")
        raise RegistryError(f"{where}: " + "; ".join(problems)) from None
