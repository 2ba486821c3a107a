"""Rivalries, MIDs, latent territorial threat and arms races (peacesciencer-packaged)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _checks import committed_table

from balances.errors import DataError
from balances.sources import load_all_loaders
from balances.sources.raw import RawFiles
from balances.sources.rivalry import MID_RELEASES, read_mid, read_td

TABLES = load_all_loaders()
FOLDER = "rivalry_threat"
KEYS = ["iso3_1", "iso3_2", "year"]


@pytest.fixture(scope="module")
def rivalry() -> pd.DataFrame:
    return committed_table("rivalry_dyad").set_index(KEYS)


@pytest.fixture(scope="module")
def mid() -> pd.DataFrame:
    return committed_table("mid_dyad")


def test_rivalries_pinned(rivalry: pd.DataFrame) -> None:
    usa_chn = rivalry.xs(("USA", "CHN"), level=["iso3_1", "iso3_2"])
    assert (usa_chn.loc[1996:2020, "tss_rivalry"] == 1).all()  # "China-United States 2"
    assert (usa_chn.loc[1996:2020, "tss_principal"] == 1).all()
    assert (usa_chn.loc[1973:1995, "tss_rivalry"] == 0).all()
    usa_rus = rivalry.xs(("RUS", "USA"), level=["iso3_1", "iso3_2"])
    assert usa_rus.loc[2007:2020, "tss_rivalry"].eq(1).all()
    assert usa_rus.loc[1990:2006, "tss_rivalry"].eq(0).all()
    assert usa_rus.loc[2007, "td_type"] == "positional"
    chn_rus = rivalry.xs(("CHN", "RUS"), level=["iso3_1", "iso3_2"])
    assert chn_rus.loc[1958:1989, "td_rivalry"].eq(1).all()
    assert chn_rus.loc[1970, "td_type"] == "ideological;positional;spatial"
    assert chn_rus.loc[1970, "tss_type"] == "positional;spatial;ideological"
    assert chn_rus.loc[1990:2020, "tss_rivalry"].eq(0).all()  # no China-Russia rivalry after 1989
    rus_ukr = rivalry.xs(("RUS", "UKR"), level=["iso3_1", "iso3_2"])
    assert rus_ukr.loc[2013, "tss_rivalry"] == 0 and rus_ukr.loc[2014, "tss_rivalry"] == 1


def test_rivalry_coverage(rivalry: pd.DataFrame) -> None:
    df = rivalry.reset_index()
    assert (df["year"].min(), df["year"].max()) == (1946, 2020)
    assert df.loc[df["year"] > 2010, "td_rivalry"].isna().all()
    assert df.loc[df["year"] <= 2010, "td_rivalry"].notna().all()
    assert df["tss_rivalry"].notna().all()
    assert df.loc[df["iso3_1"] == "UKR", "year"].min() == 1991
    assert df.loc[df["iso3_1"] == "JPN", "year"].min() == 1952  # not a COW member 1946-1951
    back = df.rename(columns={"iso3_1": "iso3_2", "iso3_2": "iso3_1"})
    m = df.merge(back, on=KEYS, suffixes=("", "_r"))
    assert len(m) == len(df) and (m["tss_rivalry"] == m["tss_rivalry_r"]).all()


def test_mids_pinned(mid: pd.DataFrame) -> None:
    since = mid[(mid["year"] >= 1991) & (mid["cow_mid"] == 1)]
    years = since.groupby(["iso3_1", "iso3_2"])["year"].apply(list)
    # SOURCE.md: COW-MID v5 directed dyad-years since 1991
    assert years[("USA", "RUS")] == [1997, 1999, 2000, 2011, 2013, 2014]
    assert len(years[("USA", "CHN")]) == 11
    assert years[("RUS", "CHN")] == [1993, 1994, 2009, 2012]
    row = mid.set_index(KEYS).loc[("USA", "RUS", 1997)]
    assert (row["cow_dispnum"], row["cow_hostlev"], row["cow_fatality"]) == (4174, 4, 0)
    assert (row["gml_dispnum"], row["gml_hostlev"]) == (4174, 4)


def test_mid_coverage(mid: pd.DataFrame) -> None:
    assert not mid.duplicated(KEYS).any()
    assert (mid["year"].min(), mid["year"].max()) == (1946, 2014)
    assert mid["cow_mid"].notna().all()
    assert mid.loc[mid["year"] > 2010, ["gml_mid", "gml_onset"]].isna().all().all()
    assert mid.loc[mid["year"] <= 2010, "gml_mid"].notna().all()
    no_mid = mid[mid["cow_mid"] == 0]
    assert no_mid[["cow_dispnum", "cow_hostlev", "cow_fatality"]].isna().all().all()
    assert set(mid["cow_hostlev"].dropna()) <= {2, 3, 4, 5}


def test_territorial_threat() -> None:
    tt = committed_table("territorial_threat")
    assert (tt["year"].min(), tt["year"].max()) == (1946, 2010)
    got = tt.set_index(["iso3", "year"]).drop(index=[("DEU", 1990), ("YEM", 1990)])["terrthreat"]
    # SOURCE.md: China 0.43 (1991) -> 0.26 (2010); Russia 0.24 -> 0.01; USA about 0
    assert got[("CHN", 1991)] == pytest.approx(0.43, abs=0.005)
    assert got[("CHN", 2010)] == pytest.approx(0.26, abs=0.005)
    assert got[("RUS", 1991)] == pytest.approx(0.24, abs=0.005)
    assert got[("RUS", 2010)] == pytest.approx(0.01, abs=0.005)
    assert abs(got[("USA", 2010)]) < 0.05
    assert (tt["terrthreat_lwr"] <= tt["terrthreat"]).all() and (
        tt["terrthreat"] <= tt["terrthreat_upr"]
    ).all()
    assert set(tt.loc[(tt["iso3"] == "DEU") & (tt["year"] == 1990), "ccode"]) == {255, 260}


def test_arms_races() -> None:
    ar = committed_table("arms_races")
    races = ar[ar["arms_race"] == 1].groupby(["iso3_1", "iso3_2"])["year"].agg(["min", "max"])
    assert races.loc[("USA", "RUS")].tolist() == [1978, 1981]
    assert races.loc[("CHN", "RUS")].tolist() == [1968, 1970]
    assert races.loc[("CHN", "IND")].tolist() == [1961, 1964]
    assert (ar["year"].min(), ar["year"].max()) == (1946, 1993)
    assert ar["td_id"].notna().all()  # rows are rivalry years only
    assert not ((ar["iso3_1"] == "USA") & (ar["iso3_2"] == "JPN")).any()


def _corrupt(
    raw_root: Path, tmp_path: Path, name: str, edit: Callable[[list[str]], None]
) -> RawFiles:
    (tmp_path / FOLDER).mkdir(exist_ok=True)
    lines = (raw_root / FOLDER / name).read_text(encoding="utf-8").split("\n")
    edit(lines)
    (tmp_path / FOLDER / name).write_text("\n".join(lines), encoding="utf-8")
    return RawFiles(tmp_path, verify=False)


COW = MID_RELEASES[0]


def test_mid_non_numeric_hostility(raw_root: Path, tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        f = lines[3].split(",")
        f[14] = "high"
        lines[3] = ",".join(f)

    raw = _corrupt(raw_root, tmp_path, COW.file, edit)
    with pytest.raises(DataError, match=r"line 4, column 'hostlev1': non-numeric value 'high'"):
        read_mid(raw, COW)


def test_mid_duplicated_dyad_year(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(raw_root, tmp_path, COW.file, lambda lines: lines.insert(5, lines[4]))
    with pytest.raises(DataError, match=r"line 6: duplicated key"):
        read_mid(raw, COW)


def test_mid_renamed_column(raw_root: Path, tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[0] = lines[0].replace("cowmidonset", "onset")

    raw = _corrupt(raw_root, tmp_path, COW.file, edit)
    with pytest.raises(DataError, match=r"column 'cowmidonset'"):
        read_mid(raw, COW)


def test_unknown_state_code(raw_root: Path, tmp_path: Path) -> None:
    name = "miller_latent_territorial_threat_1816_2010.csv"

    def edit(lines: list[str]) -> None:
        i = next(i for i, line in enumerate(lines) if line.startswith("2,1950,"))
        lines[i] = "999" + lines[i][1:]

    raw = _corrupt(raw_root, tmp_path, name, edit)
    with pytest.raises(DataError, match=r"line \d+, column 'ccode': unknown COW state code 999"):
        TABLES["territorial_threat"].builder(raw)


def test_overlapping_rivalries_raise(raw_root: Path, tmp_path: Path) -> None:
    name = "thompson_dreyer_strategic_rivalries.csv"

    def edit(lines: list[str]) -> None:
        i = next(i for i, line in enumerate(lines) if ",China-Russia 2," in line)
        lines[i] = lines[i].replace(",1958,1989,", ",1940,1989,")

    raw = _corrupt(raw_root, tmp_path, name, edit)
    with pytest.raises(
        DataError, match=r"two Thompson-Dreyer rivalries overlap for RUS-CHN in 1940"
    ):
        read_td(raw)
