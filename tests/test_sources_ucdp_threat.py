"""UCDP/PRIO armed conflicts per state: the threat lens's record of force used abroad to 2024."""

from __future__ import annotations

import pandas as pd
import pytest
from _checks import committed_table

from balances.sources import load_all_loaders

TABLES = load_all_loaders()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    t = committed_table("armed_conflicts_state")
    return t.groupby(["iso3", "year"]).first()


def test_us_wars_abroad(table: pd.DataFrame) -> None:
    us = table.loc["USA", "conflicts_abroad"]
    assert us[1991] >= 1  # the Gulf War (Iraq-Kuwait)
    assert us[2001] >= 1 and us[2003] >= 3  # Afghanistan, then Iraq
    assert us[1995] == 0
    assert us.loc[2015:2021].min() >= 7  # the coalition against IS and others


def test_own_civil_wars_are_not_abroad(table: pd.DataFrame) -> None:
    rus = table.loc["RUS"]
    # Chechnya (1995-96, 1999-2007) is Russia's own intrastate conflict
    assert rus.loc[2000, "conflicts"] >= 1 and rus.loc[2000, "conflicts_abroad"] == 0
    assert rus.loc[2022, "conflicts_abroad"] >= 1  # the war on Ukraine
    # India-China border clashes of 2020 (interstate): abroad for both
    assert table.loc[("CHN", 2020), "conflicts_abroad"] >= 1


def test_yemen_takes_the_cow_code_of_its_year(table: pd.DataFrame) -> None:
    # GW keeps 678 for North and unified Yemen; COW's unified Yemen is 679 from 1990,
    # so the Houthi war and the Saudi-led intervention (2015) are Yemen's.
    yem = table.loc["YEM"]
    assert yem.loc[1994, "conflicts"] >= 1  # the 1994 civil war
    assert yem.loc[2015, "conflicts"] >= 3
