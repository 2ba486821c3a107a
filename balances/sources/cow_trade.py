"""Correlates of War Trade v4.0 (Barbieri, Keshk & Pollins), dyadic and national, 1870-2014.

Read from peacesciencer's copies (``cow_trade_ndy``, ``cow_trade_sy``, converted
from ``.rda`` to CSV unchanged). peacesciencer kept only the flows of the dyadic
file (``flow1``, ``flow2`` and COW's smoothed ``smoothflow1``, ``smoothflow2``),
set COW's -9 to missing, dropped dyad-years with all four flows missing and
rounded flows to whole millions; COW's own flags (spike, source and
Belgium-Luxembourg flags) are not in the package, so none are carried.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.config import DYAD_STATES, PANEL_END, PANEL_START
from balances.countries import add_codes, to_iso3
from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import COUNT
from balances.sources import table
from balances.sources.raw import RawFiles

SOURCE = "cow_trade_v4"
DYADIC = "cow_trade_ndy__converted_from_cow_trade_ndy.csv.gz"
NATIONAL = "cow_trade_sy__converted_from_cow_trade_sy.csv"
#: Columns of the national file where some values were stored as single-precision
#: floats upstream, so that 342.03 reads back as 342.0299987792969 (about 900
#: values from 1946 on; others are exact doubles such as 2345185.753472).
FLOAT32_COLUMNS = ("imports", "exports")
#: The national file gives West Germany's totals for 1960-1989 under 255
#: (Germany) and leaves its 260 rows empty; COW's state list has West Germany
#: as 260 until 1990, so the figures are moved to 260. (In the packaged dyadic
#: file West Germany has no rows in these years except with Belgium and
#: Luxembourg: its bilateral trade 1960-1989 is missing.)
NATIONAL_FRG_AS_255 = (1960, 1989)
#: A float32 needs at most 9 significant digits to round-trip; a value that is
#: exactly a float32 but prints with more digits as a double is float32 noise.
FLOAT32_DIGITS = 9

_FLOWS = ("flow1", "flow2", "smoothflow1", "smoothflow2")
_DYADIC_COLUMNS = {
    "ccode1": "int",
    "ccode2": "int",
    "year": "int",
    **dict.fromkeys(_FLOWS, "float"),
}
_NATIONAL_COLUMNS = {"ccode": "int", "year": "int", "imports": "float", "exports": "float"}


def _known_ccodes(df: pd.DataFrame, columns: tuple[str, ...], path: object) -> dict[int, str]:
    """ISO3 of every COW code in ``columns``; an unknown code raises naming its line."""
    codes = pd.unique(pd.concat([df[c] for c in columns]).dropna().astype(int))
    iso = dict(zip(codes, to_iso3(codes, strict=False), strict=True))
    for col in columns:
        bad = df[col].map(iso).isna()
        if bad.any():
            line = int(bad.idxmax())
            raise DataError(
                path,
                f"unknown COW state code {int(df.loc[line, col])}",
                row=line,
                column=col,
                fix="add the state to balances.countries",
            )
    return iso


def read_dyadic(raw: RawFiles) -> pd.DataFrame:
    """COW dyadic trade as packaged, 1946-2014: non-directed rows with ``ccode1 < ccode2``.

    ``iso3_1`` and ``iso3_2`` are added; an unknown COW code raises. Years
    before 1946 (with states such as Austria-Hungary, COW 300) are left out.
    """
    path = raw.path(SOURCE, DYADIC)
    df = read_csv(path, _DYADIC_COLUMNS)
    order = df["ccode1"] >= df["ccode2"]
    if order.any():
        raise DataError(
            path,
            "ccode1 must be below ccode2 in this non-directed file",
            row=int(order.idxmax()),
            column="ccode1",
            fix="the packaging changed: check which flow is whose imports",
        )
    check_unique(df, ["ccode1", "ccode2", "year"], path)
    df = df[df["year"].between(PANEL_START, PANEL_END)]
    iso = _known_ccodes(df, ("ccode1", "ccode2"), path)
    return df.assign(iso3_1=df["ccode1"].map(iso), iso3_2=df["ccode2"].map(iso))


@table(
    "cow_trade_dyad",
    level="dyad_year",
    sources=(SOURCE,),
    description=(
        "COW Trade v4.0 bilateral trade, directed dyad-years among config.DYAD_STATES, "
        "1946-2014 (COW's non-directed file, each dyad-year given in both orders with the flows "
        "swapped). Current US$ millions, rounded to whole millions by peacesciencer. A dyad-year "
        "is absent where COW has no flow in either direction (all four flows -9); NaN where one "
        "direction is missing. Germany is 260 (West Germany) to 1990 and 255 from 1990, as COW "
        "codes it. COW's flags are not in the packaged file."
    ),
    columns={
        "flow1": "imports of state 1 from state 2, current US$ millions (COW)",
        "flow2": (
            "imports of state 2 from state 1 (= exports of 1 to 2, importer-reported), "
            "current US$ millions"
        ),
        "smoothflow1": (
            "COW's smoothed flow1 (interpolations and corrections of sudden drops), "
            "current US$ millions"
        ),
        "smoothflow2": "COW's smoothed flow2, current US$ millions",
    },
    schema={
        **dict.fromkeys(
            (
                "flow1",
                "flow2",
                "smoothflow1",
                "smoothflow2",
            ),
            COUNT,
        )
    },
)
def cow_trade_dyad(raw: RawFiles) -> pd.DataFrame:
    df = read_dyadic(raw)
    df = df[df["iso3_1"].isin(DYAD_STATES) & df["iso3_2"].isin(DYAD_STATES)]
    swap = {
        "ccode1": "ccode2",
        "ccode2": "ccode1",
        "iso3_1": "iso3_2",
        "iso3_2": "iso3_1",
        "flow1": "flow2",
        "flow2": "flow1",
        "smoothflow1": "smoothflow2",
        "smoothflow2": "smoothflow1",
    }
    return pd.concat([df, df.rename(columns=swap)], ignore_index=True)


@table(
    "cow_trade_state",
    level="state_year",
    sources=(SOURCE,),
    description=(
        "COW Trade v4.0 national totals, all states, 1946-2014: total imports and exports in "
        "current US$ millions (COW national file, via peacesciencer; float32 noise such as "
        "342.0299987792969 for 342.03 removed, see undo_float32; West Germany's 1960-1989 totals, "
        "filed under 255, moved to 260). NaN where COW has no figure (-9)."
    ),
    columns={
        "imports": "total imports, current US$ millions (COW)",
        "exports": "total exports, current US$ millions (COW)",
    },
    schema={
        **dict.fromkeys(
            (
                "imports",
                "exports",
            ),
            COUNT,
        )
    },
)
def cow_trade_state(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, NATIONAL)
    df = read_csv(path, _NATIONAL_COLUMNS)
    check_unique(df, ["ccode", "year"], path)
    df = df[df["year"].between(PANEL_START, PANEL_END)]
    frg = (df["ccode"] == 260) & df["year"].between(*NATIONAL_FRG_AS_255)
    if df.loc[frg, ["imports", "exports"]].notna().any().any():
        raise DataError(
            path,
            "West Germany (260) has figures in 1960-1989",
            fix="the 255 -> 260 fix (NATIONAL_FRG_AS_255) is not needed: remove it",
        )
    df = df[~frg]
    df.loc[(df["ccode"] == 255) & df["year"].between(*NATIONAL_FRG_AS_255), "ccode"] = 260
    _known_ccodes(df, ("ccode",), path)
    for col in FLOAT32_COLUMNS:
        df[col] = undo_float32(df[col])
    return add_codes(df, from_col="ccode", kind="ccode")


def undo_float32(values: pd.Series) -> pd.Series:
    """Replace float32 noise by the shortest decimal that round-trips through float32.

    Only values that are exactly a float32 and need more than
    :data:`FLOAT32_DIGITS` significant digits as a double are changed.

    Examples
    --------
    >>> undo_float32(pd.Series([342.0299987792969, 2345185.753472, 2818426.75])).tolist()
    [342.03, 2345185.753472, 2818426.75]
    """
    single = values.to_numpy(dtype=np.float32)
    digits = values.astype(str).str.replace(r"[-.]|e.*$", "", regex=True).str.lstrip("0").str.len()
    noisy = (single.astype(np.float64) == values.to_numpy()) & (digits > FLOAT32_DIGITS)
    short = pd.Series(single.astype(str).astype(np.float64), index=values.index)
    return values.where(~noisy, short)
