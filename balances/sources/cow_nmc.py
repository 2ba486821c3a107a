"""Correlates of War National Material Capabilities (NMC) v7.0 and v6.0."""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.countries import add_codes
from balances.io import check_unique, read_csv
from balances.schema import COUNT, SHARE
from balances.sources import table
from balances.sources.raw import RawFiles

SOURCE = "cow_nmc"
#: v7.0 extends NMC to 2022 with new population and urban-population sources:
#: urban population, total population and so CINC are not comparable across
#: 2016 -> 2017 (see the source's caveats).
URBAN_POP_BREAK_YEAR = 2017

_COLUMNS = {
    "ccode": "int",
    "year": "int",
    "milex": "float",
    "milper": "float",
    "irst": "float",
    "pec": "float",
    "tpop": "float",
    "upop": "float",
    "cinc": "float",
}
_COMPONENTS = ("milex", "milper", "irst", "pec", "tpop", "upop")


def read_nmc(raw: RawFiles, version: str = "7.0") -> pd.DataFrame:
    """Read one NMC release as published (abridged file), keyed by ccode and year."""
    name = {"7.0": "nmc_v7_0_abridged.csv", "6.0": "nmc_v6_0_abridged.csv"}[version]
    path = raw.path(SOURCE, name)
    df = read_csv(path, _COLUMNS)
    check_unique(df, ["ccode", "year"], path)
    return df


@table(
    "nmc",
    level="state_year",
    sources=(SOURCE,),
    description=(
        "COW National Material Capabilities v7.0, state-years 1946-2022, with the v6.0 CINC "
        "beside it. Components as published (-9 already missing). `upop_break` marks 2017 "
        "onward, where v7.0 uses new urban- and total-population sources."
    ),
    columns={
        "milex": "military expenditure, thousands of current US$ (COW; prefer SIPRI for spending)",
        "milper": "military personnel, thousands",
        "irst": "iron and steel production, thousand tons",
        "pec": "primary energy consumption, thousand coal-ton equivalents",
        "tpop": "total population, thousands",
        "upop": "urban population, thousands",
        "cinc": "Composite Index of National Capability v7.0 (share of system, 0-1)",
        "cinc_v6": "CINC from NMC v6.0 (to 2016), for comparison across the 2017 break",
        "cinc5": "CINC recomputed without urban population (5 components), comparable across 2017",
        "upop_break": "1 from 2017: v7.0 urban/total population sources change",
    },
    schema={
        **dict.fromkeys(
            (
                "milex",
                "milper",
                "irst",
                "pec",
                "tpop",
                "upop",
            ),
            COUNT,
        ),
        "cinc": SHARE,
        "cinc_v6": SHARE,
    },
)
def nmc(raw: RawFiles) -> pd.DataFrame:
    v7 = read_nmc(raw, "7.0")
    v6 = read_nmc(raw, "6.0")[["ccode", "year", "cinc"]].rename(columns={"cinc": "cinc_v6"})
    df = v7.merge(v6, on=["ccode", "year"], how="left", validate="one_to_one")
    df["cinc5"] = cinc_from_components(df, _COMPONENTS[:-1])
    df = df[df["year"].between(PANEL_START, PANEL_END)]
    df["upop_break"] = (df["year"] >= URBAN_POP_BREAK_YEAR).astype(int)
    df = add_codes(df, from_col="ccode", kind="ccode")
    return df


def cinc_from_components(df: pd.DataFrame, components: tuple[str, ...]) -> pd.Series:
    """CINC as COW computes it: mean over components of each state's share of the year's total.

    A missing component is left out of that state's mean (COW's own rule), so
    a state with every component missing gets NaN, never 0.
    """
    shares = []
    for comp in components:
        total = df.groupby("year")[comp].transform("sum")
        shares.append((df[comp] / total.replace(0, np.nan)).rename(comp))
    s = pd.concat(shares, axis=1)
    return s.mean(axis=1, skipna=True)
