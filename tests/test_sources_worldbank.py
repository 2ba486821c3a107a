"""World Bank WDI: GDP, population and PPP GDP per capita, with aggregates kept out of states."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from balances.build import validate_table
from balances.errors import DataError
from balances.sources import TABLES
from balances.sources.raw import RawFiles
from balances.sources.worldbank import GDP_FILE, POP_FILE, PPP_FILE, wdi, wdi_world

FOLDER = "worldbank_gdp_population"


@pytest.fixture(scope="module")
def w(raw: RawFiles) -> pd.DataFrame:
    return validate_table(TABLES["wdi"], wdi(raw))


@pytest.fixture(scope="module")
def world(raw: RawFiles) -> pd.DataFrame:
    return validate_table(TABLES["wdi_world"], wdi_world(raw)).set_index("year")


def _row(df: pd.DataFrame, iso3: str, year: int) -> pd.Series:
    hit = df[(df["iso3"] == iso3) & (df["year"] == year)]
    assert len(hit) == 1, (iso3, year)
    return hit.iloc[0]


def test_pinned_gdp_and_population(w: pd.DataFrame) -> None:
    # SOURCE.md samples and checks (WDI values as of 2024-25)
    assert _row(w, "USA", 2023)["gdp_current_usd"] == pytest.approx(27360935000000.0)
    assert _row(w, "CHN", 2023)["gdp_current_usd"] == pytest.approx(17794781986104.457)
    assert _row(w, "RUS", 1991)["gdp_current_usd"] == pytest.approx(517962962962.96295)
    assert _row(w, "USA", 2024)["population"] == 340110988
    assert _row(w, "CHN", 2024)["population"] == 1408975000
    assert _row(w, "RUS", 2024)["population"] == 143533851


def test_ppp_per_capita_and_total(w: pd.DataFrame) -> None:
    assert _row(w, "CHN", 1991)["gdp_pc_ppp_const2021"] == pytest.approx(1798.2761)
    assert _row(w, "USA", 2024)["gdp_pc_ppp_const2021"] == pytest.approx(75489.266)
    chn, usa, rus = (_row(w, c, 2024)["gdp_ppp_const2021"] for c in ("CHN", "USA", "RUS"))
    assert (chn / 1e12, usa / 1e12, rus / 1e12) == pytest.approx((33.6, 25.7, 6.0), abs=0.05)
    # China passes the US in PPP terms around 2016 (21.9 vs 21.1 tn)
    assert _row(w, "CHN", 2016)["gdp_ppp_const2021"] == pytest.approx(21.9e12, rel=0.005)
    assert _row(w, "USA", 2016)["gdp_ppp_const2021"] == pytest.approx(21.1e12, rel=0.005)
    r = _row(w, "RUS", 2000)
    assert r["gdp_ppp_const2021"] == pytest.approx(r["gdp_pc_ppp_const2021"] * r["population"])


def test_missing_stays_missing(w: pd.DataFrame) -> None:
    # GDP ends in 2023, PPP starts in 1990: NaN, never 0
    assert np.isnan(_row(w, "USA", 2024)["gdp_current_usd"])
    assert np.isnan(_row(w, "USA", 1989)["gdp_pc_ppp_const2021"])
    assert not (w[["gdp_current_usd", "population", "gdp_pc_ppp_const2021"]] == 0).any().any()


def test_keys_coverage_and_drops(w: pd.DataFrame) -> None:
    assert not w.duplicated(["iso3", "year"]).any() and not w.duplicated(["ccode", "year"]).any()
    assert (w["year"].min(), w["year"].max()) == (1960, 2024)
    assert 185 <= w["iso3"].nunique() <= 200
    assert not w["iso3"].isin(["WLD", "HIC", "EUU", "EMU", "HKG", "PRI", "PSE", "OWID_KOS"]).any()
    assert _row(w, "XKX", 2020)["gdp_pc_ppp_const2021"] > 0  # OWID_KOS mapped to XKX
    assert _row(w, "RUS", 1991)["ccode"] == 365
    assert (_row(w, "DEU", 1989)["ccode"], _row(w, "DEU", 1990)["ccode"]) == (260, 255)


def test_world_totals(world: pd.DataFrame, w: pd.DataFrame) -> None:
    assert (world.index.min(), world.index.max()) == (1960, 2024)
    assert world.loc[2024, "population"] == pytest.approx(8.14e9, rel=0.01)
    assert world.loc[2023, "gdp_current_usd"] == pytest.approx(105.4e12, rel=0.01)
    usa = _row(w, "USA", 2023)["gdp_current_usd"] / world.loc[2023, "gdp_current_usd"]
    assert usa == pytest.approx(0.26, abs=0.005)
    states = w.loc[w["year"] == 2024, "population"].sum()
    assert 0.99 < states / world.loc[2024, "population"] < 1.0  # territories are the rest
    assert world.loc[2024, "gdp_ppp_const2021"] == pytest.approx(
        world.loc[2024, "gdp_pc_ppp_const2021"] * world.loc[2024, "population"]
    )


# --- bad input: corrupted copies read without the hash check ------------------------------------


def _copy(raw_root: Path, tmp_path: Path) -> Path:
    d = tmp_path / FOLDER
    d.mkdir()
    for name in (GDP_FILE, POP_FILE, PPP_FILE):
        shutil.copy(raw_root / FOLDER / name, d / name)
    return d


def _edit_line(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines))


def test_renamed_column(raw_root: Path, tmp_path: Path) -> None:
    d = _copy(raw_root, tmp_path)
    _edit_line(d / GDP_FILE, 1, "Value", "GDP")
    with pytest.raises(DataError, match=rf"{GDP_FILE}, column 'Value': expected column"):
        wdi(RawFiles(tmp_path, verify=False))


def test_non_numeric_cell(raw_root: Path, tmp_path: Path) -> None:
    d = _copy(raw_root, tmp_path)
    _edit_line(d / POP_FILE, 3, ",55578", ",55 thousand")
    with pytest.raises(DataError, match=rf"{POP_FILE}, line 3, column 'Value': non-numeric value"):
        wdi(RawFiles(tmp_path, verify=False))


def test_duplicated_key(raw_root: Path, tmp_path: Path) -> None:
    d = _copy(raw_root, tmp_path)
    _edit_line(d / PPP_FILE, 3, ",2001,", ",2000,")
    with pytest.raises(DataError, match=rf"{PPP_FILE}, line 3: duplicated key .*'AFG'.*2000"):
        wdi(RawFiles(tmp_path, verify=False))


def test_unknown_country_code(raw_root: Path, tmp_path: Path) -> None:
    d = _copy(raw_root, tmp_path)
    _edit_line(d / GDP_FILE, 2, ",AFG,", ",ZZZ,")
    with pytest.raises(
        DataError,
        match=rf"{GDP_FILE}, line 2, column 'Country Code': "
        r"unknown country code 'ZZZ'",
    ):
        wdi_world(RawFiles(tmp_path, verify=False))
