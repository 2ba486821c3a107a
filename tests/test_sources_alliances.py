"""Alliances and blocs: ATOP 5.1, COW alliances 4.1, NATO/SCO/CSTO membership, fpsim alliance S."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _checks import check_dyad_table, copy_raw

from balances.build import validate_table
from balances.data import load_table
from balances.errors import DataError
from balances.sources import TABLES
from balances.sources.atop import atop_dyad, read_atop
from balances.sources.blocs import read_nato, read_sco_csto
from balances.sources.cow_alliance import read_cow_alliance
from balances.sources.raw import RawFiles

NMC = "cow_nmc/nmc_v7_0_abridged.csv"
ATOP = "alliances_membership/atop_v5_1_dyad_year.csv"
COW = "alliances_membership/cow_alliance_v4_1_dyad_year.csv"
NATO = "alliances_membership/nato_membership_handcompiled.csv"
SCO = "alliances_membership/sco_csto_membership_handcompiled.csv"
SCO_VERIFIED = "alliances_membership/sco_csto_membership_handcompiled_verified.csv"


def _edit(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in 1-based ``line`` of a text file."""
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines))


def _dyad(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    return df[(df["iso3_1"] == a) & (df["iso3_2"] == b)].set_index("year")


# Pins read the committed tables; tests/test_build.py's slow rebuild ties them to the raw files.
@pytest.fixture(scope="module")
def atop() -> pd.DataFrame:
    return check_dyad_table("atop_dyad", load_table("atop_dyad"), 1946, 2018)


@pytest.fixture(scope="module")
def cow() -> pd.DataFrame:
    return check_dyad_table("cow_alliance_dyad", load_table("cow_alliance_dyad"), 1946, 2012)


@pytest.fixture(scope="module")
def blocs() -> pd.DataFrame:
    return validate_table(TABLES["bloc_membership"], load_table("bloc_membership"))


# ATOP ----------------------------------------------------------------------------------------


def test_atop_russia_china(atop: pd.DataFrame) -> None:
    rc = _dyad(atop, "RUS", "CHN")
    assert rc.loc[1950:1980, "atop_defense"].eq(1).all()  # Sino-Soviet treaty
    assert rc.loc[1981:2018, "atop_defense"].eq(0).all()  # no defence pact after it
    assert rc.loc[1981:1991, "atopally"].eq(0).all()
    assert rc.loc[1992:2018, "atop_nonagg"].eq(1).all() and rc.loc[1991, "atop_nonagg"] == 0
    assert (
        rc.loc[2001:2018, "atop_consul"].eq(1).all()
        and rc.loc[1992:2000, "atop_consul"].eq(0).all()
    )
    assert rc.loc[1992:2018, ["atop_offense", "atop_neutral"]].eq(0).all().all()


def test_atop_us_pacts_and_zeros(atop: pd.DataFrame) -> None:
    for ally in ("JPN", "KOR", "GBR", "TUR"):
        assert _dyad(atop, "USA", ally).loc[1991:2018, "atop_defense"].eq(1).all(), ally
    usa_chn = _dyad(atop, "USA", "CHN").loc[1991:2018]
    assert len(usa_chn) == 28 and usa_chn.loc[:2008, "atopally"].eq(0).all()  # true zeros
    # non-aggression only from 2009 (the US acceded to ASEAN's Treaty of Amity and Cooperation)
    assert usa_chn.loc[2009:, "atop_nonagg"].eq(1).all() and usa_chn["atop_defense"].eq(0).all()
    obligations = atop[
        ["atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul"]
    ]
    assert (obligations.max(axis=1) <= atop["atopally"]).all()
    assert atop.notna().all().all()


def test_atop_only_system_dyads(atop: pd.DataFrame) -> None:
    # ATOP dates the 1954 Paris agreements with West Germany before its 1955 entry: no dyad
    assert _dyad(atop, "USA", "DEU").query("ccode2 == 260").index.min() == 1955
    assert _dyad(atop, "RUS", "UKR").index.min() == 1991
    # 1990: Germany only as 255 (West Germany's 260 rows are dropped, _spine), no Ukraine
    assert len(atop[atop["year"] == 1990]) == 14 * 13
    assert set(atop.loc[atop["year"] == 1990, "ccode1"]) & {260} == set()


def test_atop_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, ATOP, NMC, head=500)
    path = tmp_path / ATOP
    _edit(path, 2, "2,20,1942,1,1", "2,20,1942,2,1")
    with pytest.raises(DataError, match=r"atop_v5_1_dyad_year\.csv, line 2, column 'atop_defense'"):
        read_atop(raw)
    _edit(path, 2, "2,20,1942,2,1", "2,20,1942,x,1")
    with pytest.raises(DataError, match=r"line 2, column 'atop_defense': non-numeric value 'x'"):
        read_atop(raw)
    _edit(path, 2, "2,20,1942,x,1", "2,20,1943,1,1")
    with pytest.raises(DataError, match=r"line 3: duplicated key .*also at line 2"):
        read_atop(raw)
    _edit(path, 2, "2,20,1943,1,1", "999,20,2000,1,1")
    with pytest.raises(DataError, match=r"line 2, column 'ccode1': unknown COW state code 999"):
        atop_dyad(raw)
    path.write_text(path.read_text().replace("atop_consul", "consul", 1))
    with pytest.raises(DataError, match=r"column 'atop_consul'"):
        read_atop(raw)


# COW alliances --------------------------------------------------------------------------------


def test_cow_alliance_values(cow: pd.DataFrame) -> None:
    rc = _dyad(cow, "RUS", "CHN")
    assert rc.loc[1950:1980, "cow_defense"].eq(1).all()
    assert rc.loc[1981:1995, "cow_ally"].eq(0).all()
    assert rc.loc[1996:2012, ["cow_nonagg", "cow_entente"]].eq(1).all().all()
    assert rc.loc[1996:2012, "cow_defense"].eq(0).all()
    assert _dyad(cow, "USA", "JPN").loc[1991:2012, "cow_defense"].eq(1).all()
    assert not ((cow["ccode1"] == 260) & (cow["year"] > 1990)).any()  # WEU rows of West Germany
    assert cow.notna().all().all()


def test_cow_alliance_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, COW, head=500)
    path = tmp_path / COW
    _edit(path, 3, "2,20,1950,1", "2,20,1950,3")
    with pytest.raises(
        DataError, match=r"line 3, column 'defense': value 3.0 breaks isin\(\[0, 1\]\)"
    ):
        read_cow_alliance(raw)
    path.write_text(path.read_text().replace("entente", "ententes", 1))
    with pytest.raises(DataError, match=r"column 'entente'"):
        read_cow_alliance(raw)


# Blocs ---------------------------------------------------------------------------------------


def _member(blocs: pd.DataFrame, iso3: str, bloc: str) -> pd.Series:
    return blocs[blocs["iso3"] == iso3].groupby("year")[bloc].max()


def test_nato(blocs: pd.DataFrame) -> None:
    per_year = blocs.groupby("year")["nato"].sum(min_count=1)
    assert (
        per_year[1949] == 12
        and per_year[2022] == 30
        and per_year[2023] == 31
        and per_year[2024] == 32
    )
    assert np.isnan(per_year[1948])
    assert _member(blocs, "TUR", "nato")[[1951, 1952]].tolist() == [0, 1]
    assert _member(blocs, "FIN", "nato")[[2022, 2023]].tolist() == [0, 1]
    assert _member(blocs, "SWE", "nato")[[2023, 2024]].tolist() == [0, 1]
    west = blocs[blocs["ccode"] == 260].set_index("year")
    assert west["nato"].eq(1).all() and (west.index.min(), west.index.max()) == (1955, 1990)
    assert (
        blocs.loc[blocs["ccode"] == 255, ["year", "nato"]].set_index("year").loc[1990, "nato"] == 1
    )
    assert blocs.loc[blocs["nato"] == 1, "nato_status"].eq("handcompiled").all()
    assert blocs.loc[blocs["nato"] == 0, "nato_status"].isna().all()


def test_sco_and_csto(blocs: pd.DataFrame) -> None:
    sco = blocs.groupby("year")["sco"].sum(min_count=1)
    assert (
        np.isnan(sco[2000])
        and sco[2001] == 6
        and sco[2017] == 8
        and sco[2023] == 9
        and sco[2024] == 10
    )
    assert _member(blocs, "IND", "sco")[[2016, 2017]].tolist() == [0, 1]
    assert blocs.loc[blocs["sco"] == 1, "sco_status"].eq("verified").all()
    assert blocs.loc[blocs["sco"] == 1, "sco_verified_by"].str.startswith("http").all()
    uzb = _member(blocs, "UZB", "csto")
    assert uzb[1992:1998].eq(1).all() and uzb[1999:2005].eq(0).all()
    assert uzb[2006:2011].eq(1).all() and uzb[2012:2024].eq(0).all()
    for state in ("AZE", "GEO"):
        assert _member(blocs, state, "csto")[[1992, 1993, 1998, 1999]].tolist() == [0, 1, 1, 0]
    arm = blocs[(blocs["iso3"] == "ARM") & (blocs["year"] == 2024)].iloc[0]
    assert arm["csto"] == 1 and arm["csto_status"] == "verified (with nuance)"
    assert blocs.groupby("year")["csto"].sum()[2024] == 6
    rus_chn = blocs[blocs["iso3"].isin(["RUS", "CHN"]) & (blocs["year"] == 2024)].set_index("iso3")
    assert rus_chn.loc["RUS", ["sco", "csto", "nato"]].tolist() == [1, 1, 0]
    assert rus_chn.loc["CHN", ["sco", "csto", "nato"]].tolist() == [1, 0, 0]


def test_blocs_cover_all_states(blocs: pd.DataFrame) -> None:
    per_year = blocs.groupby("year").size()
    assert per_year.index.min() == 1946 and per_year.index.max() == 2024
    assert per_year[2024] == per_year[2022] == 195
    assert "JPN" in set(blocs.loc[blocs["year"] == 2024, "iso3"])


def test_nato_accession_matches_atop_pact(atop: pd.DataFrame) -> None:
    # Turkey joined NATO in 1952; ATOP codes the US-Turkey defence pact from its 1951 protocol
    assert _dyad(atop, "USA", "TUR").loc[1950:1952, "atop_defense"].tolist() == [0, 1, 1]


def test_bloc_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, NATO, SCO, SCO_VERIFIED)
    nato = tmp_path / NATO
    _edit(nato, 21, "Poland,POL,290,1999-03-12,1999", "Poland,POL,290,1998-03-12,1999")
    with pytest.raises(
        DataError, match=r"line 21, column 'accession_date'.*disagrees with accession_year"
    ):
        read_nato(raw)
    _edit(nato, 21, "Poland,POL,290,1998-03-12", "Poland,POL,999,1999-03-12")
    with pytest.raises(DataError, match=r"line 21, column 'ccode': unknown COW state code 999"):
        read_nato(raw)
    _edit(nato, 21, "Poland,POL,999", "Poland,HUN,290")
    with pytest.raises(DataError, match=r"line 21, column 'iso3c': iso3c 'HUN' does not match"):
        read_nato(raw)
    twin = tmp_path / SCO_VERIFIED
    _edit(twin, 8, "IND,750,2017-06-09,2017", "IND,750,2017-06-09,2016")
    with pytest.raises(DataError, match=r"verified\.csv, line 8, column 'join_year': 2016 differs"):
        read_sco_csto(raw)
    _edit(twin, 8, "2017-06-09,2016", "2017-06-09,2017")
    for path in (tmp_path / SCO, twin):
        _edit(path, 8, "SCO,India", "BRICS,India")
    with pytest.raises(
        DataError, match=r"line 8, column 'organization': value 'BRICS' breaks isin"
    ):
        read_sco_csto(raw)


# fpsim alliance S ----------------------------------------------------------------------------


def _valued_ties(atop: pd.DataFrame) -> pd.Series:
    """fpsim's valued ATOP tie: 3 defence/offence, 2 neutrality/consultation, 1 non-aggression."""
    return pd.Series(
        np.select(
            [
                (atop["atop_defense"] == 1) | (atop["atop_offense"] == 1),
                (atop["atop_neutral"] == 1) | (atop["atop_consul"] == 1),
                atop["atop_nonagg"] == 1,
            ],
            [3, 2, 1],
            0,
        ),
        index=atop.index,
    )


def _s_from_atop(
    raw_atop: pd.DataFrame, system: list[int], year: int, i: int, j: int
) -> tuple[float, float]:
    """Signorino-Ritter S (absolute, squared) of i and j over the year's system, from ATOP."""
    d = raw_atop[
        (raw_atop["year"] == year)
        & raw_atop["ccode1"].isin(system)
        & raw_atop["ccode2"].isin(system)
    ]
    ties = pd.DataFrame(0, index=system, columns=system, dtype=float)
    ties.values[ties.index.get_indexer(d["ccode1"]), ties.columns.get_indexer(d["ccode2"])] = (
        _valued_ties(d)
    )
    np.fill_diagonal(ties.values, 3)
    diff = ties.loc[i].to_numpy() - ties.loc[j].to_numpy()
    n = len(system)
    return 1 - 2 * np.abs(diff).sum() / (n * 3), 1 - 2 * (diff**2).sum() / (n * 9)


def test_alliance_s_values() -> None:
    from balances.sources import fpsim  # noqa: F401 - declares the table

    s = check_dyad_table("alliance_s_dyad", load_table("alliance_s_dyad"), 1946, 2018)
    rc = _dyad(s, "RUS", "CHN")
    assert rc.loc[2018, "s_valued_sq"] == pytest.approx(0.834, abs=5e-4)
    assert rc.loc[2018, "s_valued_abs"] == pytest.approx(0.665, abs=5e-4)
    assert _dyad(s, "RUS", "USA").loc[1990, "s_valued_sq"] == pytest.approx(0.359, abs=5e-4)
    assert _dyad(s, "CHN", "USA").loc[2018, "s_valued_sq"] == pytest.approx(0.344, abs=5e-4)
    # no S for Germany in 1990 (fpsim has none for either code; only 255 is kept): 13 partners,
    # both orders
    assert s.loc[s["year"] == 1990, "s_valued_sq"].isna().sum() == 2 * 13


@pytest.mark.slow  # reads fpsim's whole S release and ATOP's raw files
def test_alliance_s_recomputed_from_atop(raw: RawFiles) -> None:
    """S from ATOP's raw pacts, by this test's own arithmetic, equals fpsim's and the table's."""
    pytest.importorskip("pyarrow")
    from balances.sources.fpsim import alliance_s_dyad, read_sally

    s = alliance_s_dyad(raw)
    sally = read_sally(raw, "squared")
    raw_atop = read_atop(raw)
    for year, i, j in [
        (2018, 365, 710),
        (2001, 365, 710),
        (1990, 2, 365),
        (1962, 2, 710),
        (2010, 750, 770),
        (1975, 2, 732),
        (1816, 2, 200),
    ]:
        system = sorted(
            sally.loc[(sally["year"] == year) & (sally["ccode1"] == sally["ccode2"]), "ccode1"]
        )
        s_abs, s_sq = _s_from_atop(raw_atop, system, year, i, j)
        fp_sq = sally[(sally["year"] == year) & (sally["ccode1"] == i) & (sally["ccode2"] == j)][
            "s"
        ].iloc[0]
        assert s_sq == pytest.approx(fp_sq, abs=1e-12), (year, i, j)
        if year >= 1946:
            row = s[(s["ccode1"] == i) & (s["ccode2"] == j)].set_index("year")
            assert row.loc[year, "s_valued_abs"] == pytest.approx(s_abs, abs=1e-12), (year, i, j)
            assert row.loc[year, "s_valued_sq"] == pytest.approx(s_sq, abs=1e-12), (year, i, j)


def test_alliance_s_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from balances.sources.fpsim import FILES, read_sally

    rel = f"fpsim_alliance_s_scores/{FILES['squared'][0]}"
    raw = copy_raw(raw_root, tmp_path)
    (tmp_path / rel).parent.mkdir(parents=True)
    # the first 20 records of the real file: enough for the error paths (copying all took 1.5 s)
    df = next(pq.ParquetFile(raw_root / rel).iter_batches(batch_size=20)).to_pandas()
    df.loc[4, "sallyvs"] = 1.5
    df.to_parquet(tmp_path / rel)
    with pytest.raises(
        DataError,
        match=r"SALLYVS__converted_from_qs2\.parquet, column 'sallyvs': record 5: S = 1.5",
    ):
        read_sally(raw, "squared")
    df.rename(columns={"sallyvs": "s"}).to_parquet(tmp_path / rel)
    with pytest.raises(DataError, match=r"column 'sallyvs': expected column"):
        read_sally(raw, "squared")
