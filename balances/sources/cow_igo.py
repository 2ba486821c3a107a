"""Correlates of War Intergovernmental Organizations (IGO) v3.0, via peacesciencer.

peacesciencer sums the COW dyadic file's IGO columns (1 = both states full
members; negative codes for "missing" or "IGO not in existence" set missing
first) into ``dyadigos``, and counts each state's IGOs by membership type.
"""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_START
from balances.io import check_unique, read_csv
from balances.schema import COUNT
from balances.sources import table
from balances.sources._spine import both_orders, iso3_from_ccode, keep_dyad_states
from balances.sources.raw import RawFiles

SOURCE = "cow_igo"
DYAD_FILE = "cow_igo_ndy__converted_from_cow_igo_ndy.csv.gz"
STATE_FILE = "cow_igo_sy__converted_from_cow_igo_sy.csv"
#: COW IGO v3.0 ends in 2014.
COW_IGO_END = 2014

_DYAD_COLUMNS = {"ccode1": "int", "ccode2": "int", "year": "int", "dyadigos": "int"}
#: Upstream state-year count -> name in the processed table.
STATE_COUNTS = {
    "sum_igo_full": "igos_full",
    "sum_igo_associate": "igos_associate",
    "sum_igo_observer": "igos_observer",
    "sum_igo_anytype": "igos_any",
}
_STATE_COLUMNS = {"ccode": "int", "year": "int", **dict.fromkeys(STATE_COUNTS, "int")}


def _years(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["year"].between(PANEL_START, COW_IGO_END)]


@table(
    "igo_dyad",
    level="dyad_year",
    sources=(SOURCE,),
    description=(
        "Shared IGO memberships from COW IGO v3.0 (via peacesciencer), directed dyad-years among "
        "the dyad states, 1946-2014 (the source's non-directed file duplicated in both orders). "
        "The source covers every dyad of COW system members, so 0 is a true zero (no IGO with "
        "both as full members). Only joint full memberships are available: the COW dyadic file "
        "codes a dyad 1 only when both are full members, so associate/observer ties cannot be "
        "counted per dyad. Counts only, not which organisations. No row after 2014."
    ),
    columns={
        "igos_shared_full": "number of IGOs in which both states were full members that year "
        "(COW IGO v3.0 dyadic file, peacesciencer `dyadigos`), count",
    },
    schema={"igos_shared_full": COUNT},
)
def igo_dyad(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, DYAD_FILE)
    df = read_csv(path, _DYAD_COLUMNS)
    check_unique(df, ["ccode1", "ccode2", "year"], path)
    df = _years(df)
    df = keep_dyad_states(df, path).astype(dict.fromkeys(_DYAD_COLUMNS, "int64"))
    df = df.rename(columns={"dyadigos": "igos_shared_full"})
    df = both_orders(df, (("ccode1", "ccode2"), ("iso3_1", "iso3_2")))
    check_unique(df, ["ccode1", "ccode2", "year"], path)
    return df


@table(
    "igo_state",
    level="state_year",
    sources=(SOURCE,),
    description=(
        "Number of IGO memberships by type, COW IGO v3.0 (via peacesciencer), every COW system "
        "member 1946-2014. Counts over COW's 534 IGOs of each state's membership code that "
        "year; IGOs not yet in existence or with a missing code are not counted. No row after "
        "2014."
    ),
    columns={
        "igos_full": "number of IGOs in which the state was a full member, count",
        "igos_associate": "number of IGOs in which the state was an associate member, count",
        "igos_observer": "number of IGOs in which the state was an observer, count",
        "igos_any": "number of IGOs with any membership of the state (full, associate or "
        "observer), count",
    },
    schema={
        **dict.fromkeys(
            (
                "igos_full",
                "igos_associate",
                "igos_observer",
                "igos_any",
            ),
            COUNT,
        )
    },
)
def igo_state(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, STATE_FILE)
    df = read_csv(path, _STATE_COLUMNS)
    check_unique(df, ["ccode", "year"], path)
    df = _years(df)
    df = df.assign(iso3=iso3_from_ccode(df, path)).astype(dict.fromkeys(_STATE_COLUMNS, "int64"))
    return df.rename(columns=STATE_COUNTS)
