"""COW contiguity and the `neighbours` table (NATO members on the border, US troops nearby)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _checks import committed_table

from balances.sources.contiguity import SUSPECT_TROOP_YEARS, contiguity_years
from balances.sources.raw import RawFiles


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return committed_table("neighbours").set_index(["iso3", "year"]).sort_index()


def test_russia_land_borders_carried_past_2016(raw: RawFiles) -> None:
    land = contiguity_years(raw, 1)
    rus = set(land[(land["ccode1"] == 365) & (land["year"] == 2024)]["ccode2"])
    # SOURCE.md's check: Poland, the Baltics, Ukraine, Belarus, Georgia, Azerbaijan,
    # Finland, Norway, Kazakhstan, China, Mongolia, North Korea.
    assert rus == {290, 366, 367, 368, 369, 370, 372, 373, 375, 385, 705, 710, 712, 731}


def test_nato_members_bordering_russia(table: pd.DataFrame) -> None:
    rus = table.loc["RUS", "nato_land_neighbours"]
    # Norway; + Poland 1999; + Estonia, Latvia, Lithuania 2004; + Finland 2023.
    assert rus[1995] == 1 and rus[1999] == 2 and rus[2004] == 5 and rus[2022] == 5
    assert rus[2023] == 6
    assert table.loc["CHN", "nato_land_neighbours"].loc[1991:2024].eq(0).all()


def test_troop_year_2008_is_missing_not_doubled(table: pd.DataFrame) -> None:
    assert SUSPECT_TROOP_YEARS == frozenset({2008})
    near = table["us_troops_near"].groupby(level=[0, 1]).first().unstack("iso3")
    assert near.loc[2008].isna().all()
    assert near.loc[[2007, 2009], ["RUS", "CHN", "FRA"]].notna().all().all()
    # the USA's own soil is not "near" Russia across the Bering Strait
    assert near.loc[2010, "RUS"] < 300_000
    assert np.isfinite(near.loc[2024, "CHN"]) and near.loc[2024, "CHN"] > 50_000


def test_allies_do_not_count_their_protectors(table: pd.DataFrame) -> None:
    t = table.groupby(level=[0, 1]).first()
    # France is in NATO: its NATO neighbours are allies; Japan hosts US troops.
    assert t.loc[("FRA", 2010), "nato_land_neighbours"] == 5
    assert t.loc[("FRA", 2010), "nato_land_neighbours_outside"] == 0
    assert t.loc[("JPN", 2010), "us_troops_near_outside"] == 0
    assert t.loc[("JPN", 2010), "us_troops_hosted"] > 20_000
    assert t.loc[("RUS", 2010), "us_troops_near_outside"] == t.loc[("RUS", 2010), "us_troops_near"]
