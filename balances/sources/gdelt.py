"""GDELT 2.0 composite monthly dyad scores, 2018-01 to 2023-06 (G. Zemo's student project).

A weak, non-standard proxy for the state of relations after ICEWS's public
release ends: for every GDELT 2.0 event between two country actors, Goldstein
score + 0.025 x sources + 0.01 x articles + 0.01 x tone, summed per day into
an undirected matrix and averaged over the month's days with events. Read from
the scout's extract of the 36 pairs among nine powers.
"""

from __future__ import annotations

import pandas as pd

from balances.config import DYAD_STATES
from balances.io import check_known, check_unique, read_csv
from balances.schema import Col
from balances.sources import table
from balances.sources._spine import add_dyad_codes, both_orders
from balances.sources.raw import RawFiles

SOURCE = "gdelt_composite_zemo"
FILE = "gdelt_composite_edges_major_powers_2018_2023__extracted.csv"
_COLUMNS = {
    "year": "int",
    "month": "int",
    "iso3_a": "str",
    "iso3_b": "str",
    "gdelt_composite_edge_monthly_mean": "float",
}


def read_gdelt(raw: RawFiles) -> pd.DataFrame:
    """Monthly scores of the undirected pairs, each pair once, codes among the dyad states."""
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    for col in ("iso3_a", "iso3_b"):
        check_known(df, col, DYAD_STATES, path, what="ISO3 code of a dyad state")
    pair = pd.DataFrame(
        {
            "lo": df[["iso3_a", "iso3_b"]].min(axis=1),
            "hi": df[["iso3_a", "iso3_b"]].max(axis=1),
            "year": df["year"],
            "month": df["month"],
        },
        index=df.index,
    )
    check_unique(pair, ["lo", "hi", "year", "month"], path)
    return df


@table(
    "gdelt_dyad",
    level="dyad_year",
    sources=(SOURCE,),
    schema={
        "gdelt_composite": Col("float", nullable=False),
        "gdelt_months": Col("int", nullable=False, ge=1, le=12),
    },
    description=(
        "WEAK PROXY. Yearly mean of a GDELT 2.0 composite monthly dyad score (Goldstein scale + "
        "source/article volume + tone, summed over events: volume-driven, undirected, ad hoc) "
        "for the 36 pairs among USA, CHN, RUS, IND, GBR, FRA, DEU, JPN and UKR, 2018 to June "
        "2023, from an unpublished student project (CC BY-NC-SA). Symmetric: both orders carry "
        "the same value. Not comparable with ICEWS counts; use only as an illustrative or "
        "robustness series. 2023 averages six months."
    ),
    columns={
        "gdelt_composite": "mean over the year's months of the monthly composite score "
        "(unitless; > 0 cooperative, < 0 conflictual, scales with news volume)",
        "gdelt_months": "number of months averaged (12; 6 in 2023)",
    },
)
def gdelt_dyad(raw: RawFiles) -> pd.DataFrame:
    df = read_gdelt(raw)
    df = df.rename(columns={"iso3_a": "iso3_1", "iso3_b": "iso3_2"})
    out = df.groupby(["iso3_1", "iso3_2", "year"], as_index=False).agg(
        gdelt_composite=("gdelt_composite_edge_monthly_mean", "mean"),
        gdelt_months=("month", "size"),
    )
    return add_dyad_codes(both_orders(out))
