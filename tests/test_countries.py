"""Country codes: COW <-> ISO3 continuity and fixes, checked against a real dataset."""

from __future__ import annotations

import pandas as pd
import pytest

from balances import countries as cc
from balances.errors import ParameterError


def test_focal_triad_codes() -> None:
    assert cc.to_iso3([2, 365, 710]) == ["USA", "RUS", "CHN"]
    assert cc.to_ccode(["USA", "RUS", "CHN"]) == [2, 365, 710]


def test_ussr_continues_as_russia() -> None:
    assert cc.name_to_iso3(["USSR", "Soviet Union", "Russian Federation"]) == ["RUS"] * 3
    assert cc.to_ccode(["RUS"], years=[1985]) == [365]


def test_germany_and_yemen_change_code_at_unification() -> None:
    assert cc.to_ccode(["DEU", "DEU", "YEM", "YEM"], years=[1989, 1990, 1989, 1991]) == [
        260,
        255,
        678,
        679,
    ]
    assert cc.to_iso3([260, 255, 265]) == ["DEU", "DEU", "DDR"]


def test_china_un_seat_before_1971() -> None:
    assert cc.un_seat_holder("CHN", 1965) == "TWN"
    assert cc.un_seat_holder("CHN", 1971) == "CHN"
    assert cc.un_seat_holder("RUS", 1965) == "RUS"


def test_unknown_codes_raise_with_parameter_named() -> None:
    with pytest.raises(ParameterError, match="ccode"):
        cc.to_iso3([99999])
    with pytest.raises(ParameterError, match="iso3"):
        cc.to_ccode(["XXX"])
    assert cc.to_iso3([99999], strict=False) == [None]
    assert cc.name_to_iso3(["Atlantis"]) == [None]


def test_every_cow_state_since_1946_has_an_iso3(raw) -> None:
    """All ccodes in COW NMC v7.0 from 1946 map to a code, and names agree."""
    nmc = pd.read_csv(raw.path("cow_nmc", "nmc_v7_0_abridged.csv"))
    codes = sorted(nmc.loc[nmc["year"] >= 1946, "ccode"].unique())
    iso = cc.to_iso3(codes)
    assert None not in iso
    assert dict(zip(codes, iso, strict=True))[713] == "TWN"


def test_cow_iso3_pairs_match_troop_data(raw_root) -> None:
    """Independent check: Kane/Allen-Flynn-Machain's (ccode, iso3c) pairs agree with ours."""
    troops = pd.read_csv(raw_root / "us_troops_bases" / "troopdata.csv", usecols=["ccode", "iso3c"])
    pairs = troops.dropna().drop_duplicates()
    pairs = pairs[pairs["ccode"] < 1000]  # codes above 1000 are the dataset's own territory codes
    pairs = pairs[pairs["ccode"] != 6]  # Puerto Rico: a territory, not a COW state
    ours = cc.to_iso3(pairs["ccode"].astype(int), strict=False)
    mismatch = pairs[[a != b for a, b in zip(ours, pairs["iso3c"], strict=True)]]
    assert mismatch.empty, mismatch.to_string()


def test_add_codes_is_year_aware() -> None:
    df = pd.DataFrame(
        {"iso3": ["DEU", "DEU", "RUS"], "year": [1980, 2000, 2000], "v": [1.0, 2.0, 3.0]}
    )
    out = cc.add_codes(df, from_col="iso3", kind="iso3")
    assert out["ccode"].tolist() == [260, 255, 365]
    assert out["v"].tolist() == [1.0, 2.0, 3.0]


def test_gleditsch_ward_codes_read_as_cow_codes_of_their_year() -> None:
    from balances.countries import gw_to_cow

    # GW 678 is North Yemen, then unified Yemen; COW changes to 679 in 1990.
    assert [gw_to_cow(678, y) for y in (1979, 1989, 1990, 2015)] == [678, 678, 679, 679]
    assert [gw_to_cow(260, y) for y in (1989, 1991)] == [260, 255]
    assert gw_to_cow(340, 2010) == 345 and gw_to_cow(365, 2010) == 365


def test_iso3_series_equals_to_iso3_and_names_an_unknown_code() -> None:
    codes = pd.Series([2, 365, 710, 260, 265, 2], index=[5, 4, 3, 2, 1, 0])
    got = cc.iso3_series(codes)
    assert got.tolist() == cc.to_iso3(codes) == ["USA", "RUS", "CHN", "DEU", "DDR", "USA"]
    assert got.index.equals(codes.index)
    with pytest.raises(ParameterError, match="'ccode' = 99999"):
        cc.iso3_series(pd.Series([2, 99999]))
