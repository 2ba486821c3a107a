"""What the alignment outcome is checked against, for every pair: never an input.

Two compact tables over all pairs of states, read only by
:mod:`balances.alignment.validate`:

* ``validation_defense_pacts``: the pair-years in which ATOP 5.1 records a
  defence obligation between the two (1946-2018);
* ``validation_rivalries``: the pair-years of a strategic rivalry in
  Thompson, Sakuwa and Suhas's list (to 2020), the documented rivals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.countries import to_iso3
from balances.io import read_csv
from balances.schema import SHARE, Col
from balances.sources import table
from balances.sources._spine import spell_years
from balances.sources.atop import SOURCE as ATOP_SOURCE
from balances.sources.raw import RawFiles

ATOP_FILE = "alliances_membership/atop_v5_1_dyad_year.csv"
PEACE_SOURCE = "peace_scale_v3"
PEACE_FILE = (
    "icb_v15_peacescale_v3_dcid2_cybercrises/"
    "peace_scale_v3_dyad_year_1900_2020__with_header_years_gt_2020_dropped.csv"
)
TSS_SOURCE = "tss_rivalries"
TSS_FILE = "rivalry_threat/thompson_sakuwa_suhas_rivalries_to2020.csv"
FIRST_YEAR, TSS_LAST = 1946, 2020


def _codes(df: pd.DataFrame) -> pd.DataFrame:
    lo = np.minimum(df["ccode1"], df["ccode2"]).astype("int64")
    hi = np.maximum(df["ccode1"], df["ccode2"]).astype("int64")
    out = pd.DataFrame({"ccode1": lo, "ccode2": hi, "year": df["year"].astype("int64")})
    out = out.drop_duplicates().reset_index(drop=True)
    out["iso3_1"] = to_iso3(out["ccode1"], strict=False)
    out["iso3_2"] = to_iso3(out["ccode2"], strict=False)
    return out.dropna(subset=["iso3_1", "iso3_2"])


@table(
    "validation_defense_pacts",
    level="dyad_year",
    sources=(ATOP_SOURCE,),
    description=(
        "Pair-years (ccode1 < ccode2) in which ATOP 5.1 records a defence obligation between the "
        "two states, every pair, 1946-2018. Validation target of the alignment outcome: never an "
        "input. Pairs without a row had no defence pact that year (ATOP covers every state)."
    ),
    columns={"defense": "1: a defence pact links the two this year (ATOP atop_defense)"},
    schema={"defense": Col("int", nullable=False, isin=(0, 1))},
)
def validation_defense_pacts(raw: RawFiles) -> pd.DataFrame:
    df = read_csv(
        raw.path(ATOP_SOURCE, ATOP_FILE),
        {"ccode1": "int", "ccode2": "int", "year": "int", "atop_defense": "int"},
    )
    df = df[(df["atop_defense"] == 1) & (df["year"] >= FIRST_YEAR)]
    out = _codes(df)
    out = out.drop_duplicates(["iso3_1", "iso3_2", "year"])
    return out.assign(defense=1)


@table(
    "validation_rivalries",
    level="dyad_year",
    sources=(TSS_SOURCE,),
    description=(
        "Pair-years (ccode1 < ccode2) of a strategic rivalry in Thompson, Sakuwa and Suhas's list "
        "(to 2020), every pair, 1946-2020: the documented rivals the alignment outcome is checked "
        "against (never an input). A rivalry with no end year runs to 2020."
    ),
    columns={"rivalry": "1: the two are strategic rivals this year"},
    schema={"rivalry": Col("int", nullable=False, isin=(0, 1))},
)
def validation_rivalries(raw: RawFiles) -> pd.DataFrame:
    df = read_csv(
        raw.path(TSS_SOURCE, TSS_FILE),
        {"ccode1": "int", "ccode2": "int", "start": "int", "end": "float"},
    )
    end = df["end"].fillna(TSS_LAST).clip(upper=TSS_LAST).astype(int)
    start = df["start"].clip(lower=FIRST_YEAR).astype(int)
    long = spell_years(df, start, end, ["ccode1", "ccode2"])
    out = _codes(long).drop_duplicates(["iso3_1", "iso3_2", "year"])
    return out.assign(rivalry=1)


@table(
    "validation_peace_scale",
    level="dyad_year",
    sources=(PEACE_SOURCE,),
    description=(
        "Peace Scale v3.0 (Goertz, Diehl & Balas) for the pair-years (ccode1 < ccode2) its "
        "authors coded, 1946-2020: an expert-coded relationship level from severe rivalry (0) "
        "to security community (1). Validation target of the alignment outcome: never an input. "
        "Pairs without a row were not coded (politically relevant dyads only)."
    ),
    columns={
        "peace": (
            "dyad-year mean of the Peace Scale: 0 severe rivalry, 0.25 lesser rivalry, 0.5 "
            "negative peace, 0.75 warm peace, 1 security community"
        )
    },
    schema={"peace": SHARE},
)
def validation_peace_scale(raw: RawFiles) -> pd.DataFrame:
    df = read_csv(
        raw.path(PEACE_SOURCE, PEACE_FILE),
        {"ccode1": "int", "ccode2": "int", "year": "int", "peace_mean": "float"},
    )  # Stata's "." (82 rows) is one of io.NA_TOKENS: missing
    df = df[(df["year"] >= FIRST_YEAR) & df["peace_mean"].notna()]
    lo = np.minimum(df["ccode1"], df["ccode2"]).astype("int64")
    hi = np.maximum(df["ccode1"], df["ccode2"]).astype("int64")
    peace = pd.DataFrame({"ccode1": lo, "ccode2": hi, "year": df["year"].astype("int64")})
    peace["peace"] = df["peace_mean"].to_numpy()
    return (
        _codes(df)
        .merge(peace, on=["ccode1", "ccode2", "year"])
        .drop_duplicates(["iso3_1", "iso3_2", "year"])
    )
