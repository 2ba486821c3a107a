"""IMF Direction of Trade Statistics (exports FOB, 1990-2020); official headline figures 2016-2024.

Two sources, never spliced:

* ``imf_dots``: IMF DOTS "Exports, FOB to Partner Countries", US$ millions,
  one spreadsheet per reporter as downloaded by Sam LeBlanc (vintage about
  January 2022, last year 2020), melted to long form by the data scout. Cells
  IMF marked ``e`` (estimated, mostly from partner records) have
  ``estimated_flag = 1``. Each reporter's sheet lists Australia twice with
  identical figures (:data:`DUPLICATED_PARTNERS`).
* ``trade_official_pages``: China-Russia, Russia-US and China-US headline totals
  for 2016-2024 typed from stored news pages that quote China's customs (GACC)
  or the US Census Bureau, one URL and a verbatim quote per row. Different
  reporters, valuation (CIF imports, Census basis) and vintages than DOTS.
"""

from __future__ import annotations

import pandas as pd

from balances.config import DYAD_STATES, PANEL_END, PANEL_START
from balances.countries import add_codes, name_to_iso3, to_ccode
from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import COUNT, Col
from balances.sources import table
from balances.sources._spine import add_dyad_codes
from balances.sources.raw import RawFiles

SOURCE = "imf_dots"
PAGES_SOURCE = "trade_official_pages"
DYADIC = "imf_dots_exports_dyadic_1990_2020.csv.gz"
FILE_MAP = "imf_dots_reporter_source_file_map.csv"
PAGES = "trade_2015_2024_from_stored_pages.csv"
WORLD = "World"

#: IMF country groups, regions and residual categories: not states.
#: Belgium-Luxembourg is the customs union's joint reporting, to 1996.
IMF_AGGREGATES = frozenset(
    {
        WORLD,
        "Advanced Economies",
        "Africa",
        "Africa not specified",
        "Asia not specified",
        "Belgium-Luxembourg",
        "Countries & Areas not specified",
        "Emerging Market and Developing Economies by Source of Export Earnings: Fuel",
        "Emerging Market and Developing Economies by Source of Export Earnings: Nonfuel",
        "Emerging and Developing Asia",
        "Emerging and Developing Economies",
        "Emerging and Developing Europe",
        "Euro Area",
        "Europe not specified",
        "European Union",
        "Middle East",
        "Middle East and Central Asia",
        "Middle East and Central Asia not specified",
        "Other Countries not included elsewhere",
        "South African Common Customs Area (SACCA)",
        "Special Categories",
        "Sub-Saharan Africa",
        "Western Hemisphere",
        "Western Hemisphere not specified",
    }
)
#: Territories and dependencies IMF reports separately, none a COW state
#: (the Holy See is not a COW system member; 327 is the pre-1870 Papal States).
IMF_TERRITORIES = frozenset(
    {
        "American Samoa",
        "Anguilla",
        "Aruba, Kingdom of the Netherlands",
        "Bermuda",
        "China, P.R.: Hong Kong",
        "China, P.R.: Macao",
        "Curaçao, Kingdom of the Netherlands",
        "Falkland Islands (Malvinas)",
        "Faroe Islands",
        "French Polynesia",
        "Gibraltar",
        "Greenland",
        "Guam",
        "Holy See",
        "Montserrat",
        "Netherlands Antilles",
        "New Caledonia",
        "Sint Maarten, Kingdom of the Netherlands",
        "West Bank and Gaza",
    }
)
#: States that broke up, with their last year. Later rows under these names are
#: reporters' residuals ("former USSR, not allocated"), not the successor: dropped.
DISSOLVED_LAST_YEAR: dict[str, int] = {"USSR": 1991, "Czechoslovakia": 1992, "Yugoslavia": 1992}
#: Partners every reporter's sheet lists twice, with identical rows.
DUPLICATED_PARTNERS = frozenset({"Australia"})

_DYADIC_COLUMNS = {
    "reporter": "str",
    "partner": "str",
    "year": "int",
    "exports_fob_usd_mn": "float",
    "estimated_flag": "int",
}
#: Measures of the pages file -> unit after conversion (US$ billions -> millions).
PAGE_MEASURES: dict[str, str] = {
    "total_trade": "US$ m",
    "exports_to_partner": "US$ m",
    "imports_from_partner": "US$ m",
    "balance": "US$ m",
    "total_trade_jan_nov": "US$ m",
    "partner_share_of_total_trade_pct": "%",
}
_SOURCE_FILE = "reporter's DOTS spreadsheet in SamLeBlanc/Direction-of-Trade-Map (data/DOTS/)"
OFFICIAL_FLAG = (
    "official headline figure (reporter's customs or Census statistics, own valuation and "
    "vintage, as quoted by a news page); not IMF DOTS: do not splice"
)


def _place(names: pd.Series, column: str, path: object, drop: frozenset[str]) -> pd.Series:
    """ISO3 of each IMF name (``None`` for the names in ``drop``); unknown names raise."""
    uniq = sorted(set(names) - drop)
    iso = dict(zip(uniq, name_to_iso3(uniq), strict=True))
    for name in uniq:
        if iso[name] is None or to_ccode([iso[name]], strict=False)[0] is None:
            raise DataError(
                path,
                f"unknown country {name!r}",
                row=int((names == name).idxmax()),
                column=column,
                fix="add it to balances.countries.NAME_FIXES, or to IMF_AGGREGATES / "
                "IMF_TERRITORIES in balances/sources/imf_dots.py if not a state",
            )
    return names.map(iso)


def read_dots(raw: RawFiles) -> pd.DataFrame:
    """The DOTS export matrix, checked, with ISO3 codes and each reporter's spreadsheet.

    Returns
    -------
    pandas.DataFrame
        Columns of the file plus ``iso3_1`` (reporter), ``iso3_2`` (partner;
        ``None`` for aggregates and territories, and for a dissolved state's
        residual rows, see :data:`DISSOLVED_LAST_YEAR`) and ``source_file``.
    """
    path = raw.path(SOURCE, DYADIC)
    df = read_csv(path, _DYADIC_COLUMNS)
    twice = df["partner"].isin(DUPLICATED_PARTNERS) & df.duplicated(keep="first")
    df = df[~twice]
    check_unique(df, ["reporter", "partner", "year"], path)
    map_path = raw.path(SOURCE, FILE_MAP)
    files = read_csv(map_path, {"reporter": "str", "source_file": "str"})
    check_unique(files, ["reporter"], map_path)
    unmapped = ~df["reporter"].isin(files["reporter"])
    if unmapped.any():
        line = int(unmapped.idxmax())
        raise DataError(
            map_path,
            f"reporter {df.loc[line, 'reporter']!r} (line {line} of "
            f"{DYADIC}) has no spreadsheet in the file map",
            column="reporter",
        )
    df["source_file"] = df["reporter"].map(files.set_index("reporter")["source_file"])
    not_states = IMF_AGGREGATES | IMF_TERRITORIES
    df["iso3_1"] = _place(df["reporter"], "reporter", path, not_states)
    df["iso3_2"] = _place(df["partner"], "partner", path, not_states)
    for side, col in (("1", "reporter"), ("2", "partner")):
        last = df[col].map(DISSOLVED_LAST_YEAR)
        df.loc[last.notna() & (df["year"] > last), f"iso3_{side}"] = None
    return df


@table(
    "imf_dots_dyad",
    level="dyad_year",
    sources=(SOURCE,),
    description=(
        "IMF Direction of Trade Statistics, merchandise exports FOB reported by state 1 to "
        "partner 2, directed dyad-years among config.DYAD_STATES, 1990-2020 (IMF vintage of about "
        "January 2022). Both orders are present: row (2, 1) is state 2's own report, so state 1's "
        "imports from 2 are best read (mirror) from there. The USSR reporter and partner rows of "
        "1990-1991 are Russia (365); later 'USSR' partner rows are unallocated residuals and left "
        "out. No row where the reporter gave no figure. Not to be spliced with trade_official "
        "(official headline totals 2016-2024, other reporters and valuation)."
    ),
    columns={
        "exports_fob_usd_m": "exports of 1 to 2, FOB, US$ millions, as reported by 1 (IMF DOTS)",
        "estimated": "1 if IMF marks the figure as an estimate ('e': mostly from partner data)",
        "source_file": _SOURCE_FILE,
    },
    schema={"exports_fob_usd_m": COUNT},
)
def imf_dots_dyad(raw: RawFiles) -> pd.DataFrame:
    df = read_dots(raw)
    df = df[
        df["iso3_1"].isin(DYAD_STATES)
        & df["iso3_2"].isin(DYAD_STATES)
        & df["year"].between(PANEL_START, PANEL_END)
    ]
    check_unique(df, ["iso3_1", "iso3_2", "year"], raw.path(SOURCE, DYADIC))
    df = df.rename(
        columns={"exports_fob_usd_mn": "exports_fob_usd_m", "estimated_flag": "estimated"}
    )
    return add_dyad_codes(df)[
        [
            "ccode1",
            "ccode2",
            "iso3_1",
            "iso3_2",
            "year",
            "exports_fob_usd_m",
            "estimated",
            "source_file",
        ]
    ]


@table(
    "imf_dots_state",
    level="state_year",
    sources=(SOURCE,),
    description=(
        "IMF Direction of Trade Statistics, each reporting state's total merchandise exports FOB "
        "to the world, 1990-2020, US$ millions: the reporter's published 'World' partner row, not "
        "a sum of partners (it includes partners not specified and territories). All reporters "
        "that are states (COW codes); the USSR's 1990-1991 rows are Russia (365). No row where a "
        "state did not report."
    ),
    columns={
        "exports_world_fob_usd_m": "exports to the world, FOB, US$ millions (IMF DOTS 'World' row)",
        "estimated": "1 if IMF marks the figure as an estimate ('e')",
        "source_file": _SOURCE_FILE,
    },
    schema={"exports_world_fob_usd_m": COUNT},
)
def imf_dots_state(raw: RawFiles) -> pd.DataFrame:
    df = read_dots(raw)
    df = df[
        (df["partner"] == WORLD) & df["iso3_1"].notna() & df["year"].between(PANEL_START, PANEL_END)
    ]
    df = df.rename(
        columns={
            "iso3_1": "iso3",
            "exports_fob_usd_mn": "exports_world_fob_usd_m",
            "estimated_flag": "estimated",
        }
    )
    check_unique(df, ["iso3", "year"], raw.path(SOURCE, DYADIC))
    df = add_codes(df, from_col="iso3", kind="iso3")
    return df[["ccode", "iso3", "year", "exports_world_fob_usd_m", "estimated", "source_file"]]


#: A hand-compiled row needs its year, figure, page URL and quote.
_FILLED = "every row needs its year, figure, page URL and quote"
_FILLED_INT = Col("int", nullable=False, fix=_FILLED)
_FILLED_FLOAT = Col("float", nullable=False, fix=_FILLED)
_FILLED_STR = Col("str", nullable=False, fix=_FILLED)


@table(
    "trade_official",
    level="event",
    keys=("iso3_1", "iso3_2", "year", "measure"),
    sources=(PAGES_SOURCE,),
    schema={
        "measure": Col("str", nullable=False, isin=tuple(sorted(PAGE_MEASURES))),
        "value": Col("float", nullable=False),  # a balance can be negative
        "unit": Col("str", nullable=False, isin=tuple(sorted(set(PAGE_MEASURES.values())))),
        "page_url": Col("str", nullable=False),
    },
    description=(
        "Official headline bilateral trade figures for China-Russia, Russia-US and China-US, "
        "2016-2024, typed from stored news pages quoting China's General Administration of "
        "Customs or the US Census Bureau (one URL and quote per row). State 1 is the reporter "
        "whose statistics are quoted, 2 the partner. A compiled lead table: secondary reports, "
        "rounded figures, mixed vintages (first release vs revised), and a few Russian-side "
        "figures under reporter China (see reporting_source). These are NOT IMF DOTS (other "
        "reporters, CIF imports, Census basis): never splice them onto imf_dots_dyad."
    ),
    columns={
        "ccode1": "COW code of the reporter",
        "ccode2": "COW code of the partner",
        "measure": (
            "total_trade (exports + imports), exports_to_partner, imports_from_partner, "
            "balance (exports - imports), partner_share_of_total_trade_pct, "
            "total_trade_jan_nov (partial year)"
        ),
        "value": "the figure: US$ millions (converted from the billions quoted) or percent",
        "unit": "'US$ m' or '%'",
        "reporting_source": "agency and outlet, as noted by the compiler",
        "page_url": "URL of the stored page quoting the figure",
        "page_quote": "verbatim quote (or note) from the page",
        "evidence": "kind of page and caveats noted by the compiler",
        "status": (
            "'compiled': typed from a stored page with a quote; not checked against the "
            "primary release"
        ),
        "flag": "always the same warning: official headline figure, not IMF DOTS, do not splice",
    },
)
def trade_official(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(PAGES_SOURCE, PAGES)
    df = read_csv(
        path,
        {
            "year": _FILLED_INT,
            "reporter": "str",
            "partner": "str",
            "measure": Col("str", nullable=False, isin=tuple(sorted(PAGE_MEASURES))),
            "value_usd_bn": _FILLED_FLOAT,
            "reporting_source": "str",
            "page_url": _FILLED_STR,
            "page_quote_or_note": _FILLED_STR,
            "evidence": "str",
        },
    )
    df["iso3_1"] = _place(df["reporter"], "reporter", path, frozenset())
    df["iso3_2"] = _place(df["partner"], "partner", path, frozenset())
    check_unique(df, ["iso3_1", "iso3_2", "year", "measure"], path)
    df["unit"] = df["measure"].map(PAGE_MEASURES)
    df["value"] = df["value_usd_bn"].where(df["unit"] == "%", df["value_usd_bn"] * 1000)
    df = df.rename(columns={"page_quote_or_note": "page_quote"})
    df = add_dyad_codes(df).assign(status="compiled", flag=OFFICIAL_FLAG)
    return df[
        [
            "ccode1",
            "ccode2",
            "iso3_1",
            "iso3_2",
            "year",
            "measure",
            "value",
            "unit",
            "reporting_source",
            "page_url",
            "page_quote",
            "evidence",
            "status",
            "flag",
        ]
    ]
