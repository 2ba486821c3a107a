"""SIPRI Military Expenditure Database, April 2025 release (data 1949-2024).

Read from SIPRI's own workbook: the sheets "Constant (2023) US$", "Current US$"
and "Share of GDP" for countries, and the World row of "Regional totals".
SIPRI marks its estimates in blue font and highly uncertain figures in red
font (each sheet's header says so); both marks are kept as boolean columns.
In a value cell ``". ."`` (typed ``...``) means no data and ``xxx`` means the
state did not exist or was not independent: both are missing here, never 0.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.countries import add_codes, name_to_iso3
from balances.errors import DataError
from balances.schema import COUNT, Col
from balances.sources import table
from balances.sources.raw import RawFiles

if TYPE_CHECKING:
    import openpyxl

SOURCE = "sipri_milex"
WORKBOOK = "SIPRI-Milex-data-1949-2024_2.xlsx"


@dataclass(frozen=True)
class Measure:
    """One country sheet of the workbook and the columns it becomes."""

    sheet: str
    short: str
    value: str
    unit: str


#: The country sheets read, in the order of the table's columns.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "Constant (2023) US$",
        "const",
        "milex_const_usd_m",
        "US$ million at constant 2023 prices and exchange rates",
    ),
    Measure(
        "Current US$",
        "current",
        "milex_current_usd_m",
        "US$ million at current prices and exchange rates",
    ),
    Measure(
        "Share of GDP",
        "share_gdp",
        "milex_share_gdp",
        "fraction of GDP (0.035 = 3.5%; Kuwait 1991 exceeds 1)",
    ),
)
WORLD_SHEET = "Regional totals"
#: "Figures in blue are SIPRI estimates. Figures in red indicate highly
#: uncertain data." (header of every country sheet); on "Regional totals" red
#: means more than 10% of the total is estimated for countries lacking data.
ESTIMATE_RGB = "FF0000FF"
UNCERTAIN_RGB = "FFFF0000"
#: No data: the header says ". ."; the cells hold "...".
MISSING_TOKENS = frozenset({"...", ". .", ".."})
#: The state did not exist or was not independent.
NOT_INDEPENDENT = "xxx"
#: "Share of GDP" holds fractions; single values can exceed 1 (Kuwait 1991:
#: 1.17, the Gulf War), so only a median this high means the unit changed.
MAX_MEDIAN_SHARE = 0.5

#: Region and sub-region header rows between the countries: not states.
SIPRI_REGIONS = frozenset(
    {
        "Africa",
        "North Africa",
        "sub-Saharan Africa",
        "Americas",
        "Central America and the Caribbean",
        "North America",
        "South America",
        "Asia & Oceania",
        "Oceania",
        "South Asia",
        "East Asia",
        "South East Asia",
        "Central Asia",
        "Europe",
        "Central Europe",
        "Eastern Europe",
        "Western Europe",
        "Middle East",
    }
)
#: Entries that are not states, dropped on purpose: the EU's row is spending of
#: the European Defence Fund (footnote 103), funded by the member states.
NON_STATES = frozenset({"European Union"})
#: Entries whose successor shares their code under COW continuity
#: (balances.countries): USSR -> Russia (365), Yugoslavia -> Serbia (345),
#: North Yemen -> Yemen (ISO3 YEM). A predecessor's row is used only in years
#: where the successor's entry has no value in any of the three measures. In
#: this release that makes RUS 1987-1990 the USSR's figures (Russia's row
#: there holds only artefact zeros); 1991 has neither.
PREDECESSORS = frozenset({"USSR", "Yugoslavia", "Yemen, North"})
#: Countries SIPRI records as having no military (footnotes 37, 86, 43, 40):
#: their 0.0 is a true zero. Name -> (first year, last year) of the zero spell.
#: Every other 0.0 in the workbook is an artefact, not spending of zero, and
#: becomes NaN with the measure named in ``milex_zero_dropped``: the "Current
#: US$" sheet shows 0.0 where SIPRI has no usable exchange rate (Russia
#: 1987-1990 and 1992 around the rouble's redenomination, Czechoslovakia
#: 1956-1992, the GDR, Yugoslavia, North Korea, Taiwan 1976-87 ...) while the
#: constant-US$ or share-of-GDP sheet has a figure or "no data"; Mauritania's
#: 0.0 in 2007, 2010 and 2011 has no share of GDP and no footnote.
NO_MILITARY: dict[str, tuple[int, int]] = {
    "Costa Rica": (1949, 2024),  # no armed forces (fn 37; army abolished 1948)
    "Iceland": (1949, 2024),  # no standing army (fn 86)
    "Panama": (1990, 2024),  # defence forces disbanded 1990 (fn 43)
    "Haiti": (1995, 2011),  # forces disbanded 1994, ministry of defence back in 2012 (fn 40)
}


def _open(path: Path) -> openpyxl.Workbook:
    import openpyxl  # imported when a workbook is read, not with the table registry (0.3 s)

    try:
        return openpyxl.load_workbook(path, read_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataError(
            path,
            f"cannot be read as an xlsx workbook ({exc})",
            fix="re-download the SIPRI workbook",
        ) from exc


def _sheet(wb: openpyxl.Workbook, name: str, path: Path) -> Any:
    if name not in wb.sheetnames:
        raise DataError(
            path,
            f"sheet {name!r} not found; the workbook has {wb.sheetnames}",
            fix="the SIPRI layout changed: update the loader's sheet names",
        )
    return wb[name]


def _rgb(cell: object) -> str | None:
    color = getattr(getattr(cell, "font", None), "color", None)
    return color.rgb if color is not None and color.type == "rgb" else None


def _cell(sheet: str, col: int) -> str:
    """Column label for errors: sheet and Excel column letter, e.g. 'Current US$'!F."""
    from openpyxl.utils import get_column_letter

    return f"{sheet}!{get_column_letter(col + 1)}"


def _check_unique(df: pd.DataFrame, keys: list[str], path: Path, where: str) -> None:
    """Raise naming the Excel row of the first duplicated key (``df`` has a ``line`` column)."""
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        bad = df.loc[dup].iloc[0]
        values = {k: bad[k] for k in keys}
        raise DataError(
            path,
            f"{where}: duplicated key {values}",
            row=int(bad["line"]),
            column="Country",
            fix="remove the duplicate row or fix its name",
        )


def read_grid(path: Path, ws: Any, label: str, sheet: str) -> pd.DataFrame:
    """One sheet as long rows: name, notes, Excel row, column, year, value, font colour.

    The header row is the one whose first cell is ``label`` ("Country" or
    "Region"); year columns are its numeric cells. Values are numbers, or NaN
    for SIPRI's no-data and not-independent tokens and blank cells; any other
    text raises :class:`DataError` naming the row and the sheet's column.
    """
    rows = ws.iter_rows()
    header = next((cells for cells in rows if cells and cells[0].value == label), None)
    if header is None:
        raise DataError(
            path,
            f"sheet {sheet!r}: no header row starting with {label!r}",
            fix="the SIPRI layout changed: update the loader",
        )
    labels = [c.value for c in header]
    years = {
        i: int(v)
        for i, v in enumerate(labels)
        if isinstance(v, (int, float)) and float(v).is_integer()
    }
    if not years:
        raise DataError(
            path,
            f"sheet {sheet!r}: no year columns in the header row",
            row=header[0].row,
            fix="the SIPRI layout changed: update the loader",
        )
    j_notes = labels.index("Notes") if "Notes" in labels else None
    recs = []
    for cells in rows:
        first = cells[0].value if cells else None
        if not isinstance(first, str) or not first.strip():
            continue
        notes = cells[j_notes].value if j_notes is not None and j_notes < len(cells) else None
        for i, year in years.items():
            cell = cells[i] if i < len(cells) else None
            recs.append(
                (
                    first.strip(),
                    str(notes or "").strip(),
                    cells[0].row,
                    i,
                    year,
                    getattr(cell, "value", None),
                    _rgb(cell),
                )
            )
    grid = pd.DataFrame(recs, columns=["name", "notes", "line", "col", "year", "raw", "rgb"])
    raw = grid.pop("raw")
    is_num = raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    text = raw.map(lambda v: v.strip() if isinstance(v, str) else "")
    ok = is_num | text.isin(MISSING_TOKENS | {NOT_INDEPENDENT, ""})
    if not ok.all():
        bad = grid.loc[~ok].iloc[0]
        raise DataError(
            path,
            f"sheet {sheet!r}: non-numeric value {raw[~ok].iloc[0]!r} for "
            f"{bad['name']} {bad['year']}",
            row=int(bad["line"]),
            column=_cell(sheet, int(bad["col"])),
            fix="correct the cell, or use '...' (no data) or 'xxx' (not independent)",
        )
    grid["value"] = raw.where(is_num).astype("float64")
    return grid


def _read_measure(path: Path, ws: Any, m: Measure) -> pd.DataFrame:
    """One country sheet: values (zero artefacts removed) and flags by SIPRI name and year."""
    df = read_grid(path, ws, "Country", m.sheet)
    df = df[~df["name"].isin(SIPRI_REGIONS | NON_STATES)]
    _check_unique(df, ["name", "year"], path, f"sheet {m.sheet!r}")
    if m.short == "share_gdp" and df["value"].median() > MAX_MEDIAN_SHARE:
        median = df["value"].median()
        raise DataError(
            path,
            f"sheet {m.sheet!r}: median share of GDP {median:.3g} looks like "
            "per cent; the loader expects fractions (0.035 = 3.5%)",
            fix="if SIPRI switched to per cent, divide by 100 in the loader",
        )
    true_zero = pd.Series(False, index=df.index)
    for name, (first, last) in NO_MILITARY.items():
        true_zero |= df["name"].eq(name) & df["year"].between(first, last)
    artefact = df["value"].eq(0) & ~true_zero
    value = df["value"].mask(artefact)
    return pd.DataFrame(
        {
            "sipri_country": df["name"],
            "year": df["year"],
            f"_line_{m.short}": df["line"],
            f"_notes_{m.short}": df["notes"],
            m.value: value,
            f"milex_{m.short}_estimate": df["rgb"].eq(ESTIMATE_RGB) & value.notna(),
            f"milex_{m.short}_uncertain": df["rgb"].eq(UNCERTAIN_RGB) & value.notna(),
            f"_zero_{m.short}": artefact,
        }
    )


def read_milex(raw: RawFiles) -> pd.DataFrame:
    """The three country sheets joined: one row per SIPRI entry and year, before coding.

    Besides the table's value and flag columns it carries ``line``, the Excel
    row of the entry (for error messages).
    """
    path = raw.path(SOURCE, WORKBOOK)
    wb = _open(path)
    try:
        frames = [_read_measure(path, _sheet(wb, m.sheet, path), m) for m in MEASURES]
    finally:
        wb.close()
    df = frames[0]
    for f in frames[1:]:
        df = df.merge(f, on=["sipri_country", "year"], how="outer", validate="one_to_one")
    shorts = [m.short for m in MEASURES]
    df["line"] = df[[f"_line_{s}" for s in shorts]].bfill(axis=1).iloc[:, 0].astype(int)
    df["sipri_notes"] = df[[f"_notes_{s}" for s in shorts]].bfill(axis=1).iloc[:, 0].fillna("")
    flags = [c for c in df if c.endswith(("_estimate", "_uncertain")) or c.startswith("_zero_")]
    df[flags] = df[flags].fillna(False).astype(bool)
    zero = df[[f"_zero_{s}" for s in shorts]].to_numpy()
    df["milex_zero_dropped"] = [
        ";".join(s for s, z in zip(shorts, row, strict=True) if z) for row in zero
    ]
    return df.drop(columns=[c for c in df if c.startswith("_")])


_FLAGS = {
    "estimate": "is a SIPRI estimate (blue font)",
    "uncertain": "is highly uncertain (red font)",
}


def _milex_columns() -> dict[str, str]:
    """Descriptions of the milex table's columns: each measure, then its two flags."""
    cols = {"sipri_country": "SIPRI's name of the entry of the row ('USSR' for RUS 1987-1990)"}
    for m in MEASURES:
        cols[m.value] = f"military expenditure, {m.unit}"
        for flag, what in _FLAGS.items():
            cols[f"milex_{m.short}_{flag}"] = f"the {m.sheet!r} figure {what}; False if no figure"
    cols["milex_zero_dropped"] = (
        "measures (const;current;share_gdp) whose 0.0 in the workbook was set to NaN as an "
        "artefact (see NO_MILITARY for the true zeros kept); empty if none"
    )
    cols["sipri_notes"] = (
        "SIPRI's notes markers for the entry: † excludes military pensions, ‡ current spending "
        "only, § adopted budget not actual spending, ¶ excludes paramilitary forces, ‖ currency "
        "redenominated; a number is a footnote of the workbook's 'Footnotes' sheet"
    )
    return cols


@table(
    "milex",
    level="state_year",
    sources=(SOURCE,),
    description=(
        "SIPRI military expenditure by state-year, April 2025 release (1949-2024), read from "
        "SIPRI's workbook. One row per state-year with a figure in at least one measure "
        "('. .' no data and 'xxx' not independent are left out or NaN, never 0). Blue (estimate) "
        "and red (highly uncertain) font are kept as flags. A 0.0 is a true zero only for the "
        "states SIPRI records as having no military (Costa Rica, Iceland, Panama from 1990, Haiti "
        "1995-2011); every other 0.0 (e.g. Russia current US$ 1987-1990 and 1992, an "
        "exchange-rate artefact) is NaN and named in milex_zero_dropped. COW continuity: the "
        "USSR entry fills RUS (365) only in years where SIPRI's Russia entry has no value "
        "(1987-1990); North Yemen likewise fills YEM (COW 678 before 1990; Yugoslavia, for SRB "
        "345, has only artefact zeros). SIPRI has no figure for Russia or the USSR in 1991. "
        "Germany before 1990 is the FRG (COW 260); the GDR is DDR (265); Czechoslovakia CSK "
        "(315). Rows whose only figures were artefact zeros are left out. The European Union's row "
        "(European Defence Fund) and region rows are dropped; world totals are in milex_world."
    ),
    columns=_milex_columns(),
    schema={
        "milex_const_usd_m": COUNT,
        "milex_current_usd_m": COUNT,
        # a fraction of GDP that can exceed 1: Kuwait 1991, 1.17 (the Gulf War's cost)
        "milex_share_gdp": Col("float", ge=0, le=2),
        **dict.fromkeys(
            (
                "milex_const_estimate",
                "milex_const_uncertain",
                "milex_current_estimate",
                "milex_current_uncertain",
                "milex_share_gdp_estimate",
                "milex_share_gdp_uncertain",
            ),
            Col("bool", nullable=False),
        ),
        "milex_zero_dropped": Col("str"),
    },
)
def milex(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, WORKBOOK)
    df = read_milex(raw)
    names = df["sipri_country"].unique()
    iso = dict(zip(names, name_to_iso3(names), strict=True))
    unknown = [n for n in names if iso[n] is None]
    if unknown:
        line = int(df.loc[df["sipri_country"] == unknown[0], "line"].iloc[0])
        raise DataError(
            path,
            f"unknown country {unknown[0]!r}",
            row=line,
            column="Country",
            fix="add it to balances.countries.NAME_FIXES, or to SIPRI_REGIONS / "
            "NON_STATES in balances/sources/sipri_milex.py if it is not a state",
        )
    df = df[df[[m.value for m in MEASURES]].notna().any(axis=1)]
    df = df.assign(iso3=df["sipri_country"].map(iso))
    key = pd.MultiIndex.from_frame(df[["iso3", "year"]])
    predecessor = df["sipri_country"].isin(PREDECESSORS).to_numpy()
    df = df[~(predecessor & key.isin(key[~predecessor]))]
    _check_unique(df, ["iso3", "year"], path, "two SIPRI entries give the same state-year")
    df = df[df["year"].between(PANEL_START, PANEL_END)].drop(columns="line")
    return add_codes(df, from_col="iso3", kind="iso3")


@table(
    "milex_world",
    level="system_year",
    sources=(SOURCE,),
    description=(
        "SIPRI's world military expenditure, constant 2023 US$, 1988-2024, from the 'World' row "
        "of the workbook's 'Regional totals' sheet (SIPRI: no meaningful world total before 1988 "
        "for lack of USSR data; 1991 is '. .', too uncertain, so NaN). SIPRI's totals include "
        "estimates for countries with missing data and omit a few (listed in the sheet). "
        "The sheet's single current-price figure (2024) is not carried: no other year has one."
    ),
    columns={
        "milex_world_const_usd_m": (
            "world military expenditure, US$ million at constant 2023 prices "
            "(SIPRI publishes US$ billion; multiplied by 1000)"
        ),
        "milex_world_uncertain": "red font: more than 10% of the total is estimates for countries "
        "with missing data",
    },
    schema={"milex_world_const_usd_m": COUNT},
)
def milex_world(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, WORKBOOK)
    wb = _open(path)
    try:
        grid = read_grid(path, _sheet(wb, WORLD_SHEET, path), "Region", WORLD_SHEET)
    finally:
        wb.close()
    world = grid[grid["name"] == "World"]
    if world.empty:
        raise DataError(
            path,
            f"sheet {WORLD_SHEET!r}: no 'World' row",
            column="Region",
            fix="the SIPRI layout changed: update the loader",
        )
    return pd.DataFrame(
        {
            "year": world["year"].to_numpy(),
            "milex_world_const_usd_m": world["value"].to_numpy() * 1000.0,
            "milex_world_uncertain": (
                world["rgb"].eq(UNCERTAIN_RGB) & world["value"].notna()
            ).to_numpy(),
        }
    )
