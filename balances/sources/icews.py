"""ICEWS directed dyad-year event counts by CAMEO quad class, 2002-2014 (netify's "icews" slice).

Boschee et al.'s ICEWS events aggregated to directed country-dyad-years by
Dorff and Minhas for the R package netify; read from the scout's CSV of the
nine core columns of ``icews.rda``.
"""

from __future__ import annotations

import pandas as pd

from balances.config import DYAD_STATES
from balances.countries import is_known_iso3
from balances.io import check_known, check_unique, read_csv
from balances.schema import COUNT
from balances.sources import table
from balances.sources._spine import add_dyad_codes
from balances.sources.raw import RawFiles

SOURCE = "icews_netify"
FILE = "icews__core_columns__converted_from_icews_rda.csv.gz"

#: Quad-class columns of the file -> columns of the table.
QUADS: dict[str, str] = {
    "verbCoop": "verb_coop",
    "matlCoop": "matl_coop",
    "verbConf": "verb_conf",
    "matlConf": "matl_conf",
}
_COLUMNS = {
    "i": "str",
    "j": "str",
    "i_iso3c": "str",
    "j_iso3c": "str",
    "year": "int",
    **dict.fromkeys(QUADS, "int"),
}


def read_icews(raw: RawFiles) -> pd.DataFrame:
    """The whole file (152 countries, 2002-2014), ISO3 codes checked, keys unique."""
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    codes = pd.unique(pd.concat([df["i_iso3c"], df["j_iso3c"]]).dropna())
    known = [c for c in codes if is_known_iso3(c)]
    for col in ("i_iso3c", "j_iso3c"):
        check_known(df, col, known, path, what="ISO3 code")
    check_unique(df, ["i_iso3c", "j_iso3c", "year"], path)
    return df


@table(
    "icews_dyad",
    level="dyad_year",
    sources=(SOURCE,),
    description=(
        "ICEWS event counts by CAMEO quad class for directed dyads among the dyad states, "
        "2002-2014 (state 1 = source of the events, state 2 = target), from the dyad-year "
        "aggregation shipped with the R package netify. ICEWS codes every covered dyad, so a "
        "zero is a year with no event coded. Turkey is not among netify's 152 countries: its "
        "dyads have no rows. Counts scale with news volume: compare shares, not raw counts, "
        "across years."
    ),
    columns={
        "verb_coop": "verbal cooperation events, state 1 -> state 2 (count)",
        "matl_coop": "material cooperation events (count)",
        "verb_conf": "verbal conflict events (count)",
        "matl_conf": "material conflict events (count)",
        "total": "all four quad classes (count)",
    },
    schema={
        **dict.fromkeys(
            (
                "verb_coop",
                "matl_coop",
                "verb_conf",
                "matl_conf",
                "total",
            ),
            COUNT,
        )
    },
)
def icews_dyad(raw: RawFiles) -> pd.DataFrame:
    df = read_icews(raw)
    df = df[df["i_iso3c"].isin(DYAD_STATES) & df["j_iso3c"].isin(DYAD_STATES)]
    df = df.rename(columns={"i_iso3c": "iso3_1", "j_iso3c": "iso3_2", **QUADS})
    df["total"] = df[list(QUADS.values())].sum(axis=1)
    return add_dyad_codes(df[["iso3_1", "iso3_2", "year", *QUADS.values(), "total"]])
