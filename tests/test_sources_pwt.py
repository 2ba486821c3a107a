"""Penn World Table 10.01: real GDP at PPP, population, employment, capital."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from balances.build import validate_table
from balances.errors import DataError
from balances.sources import TABLES
from balances.sources.pwt import FILE, pwt
from balances.sources.raw import RawFiles

FOLDER = "pwt_10_01"


@pytest.fixture(scope="module")
def p(raw: RawFiles) -> pd.DataFrame:
    return validate_table(TABLES["pwt"], pwt(raw))


def _row(df: pd.DataFrame, iso3: str, year: int) -> pd.Series:
    hit = df[(df["iso3"] == iso3) & (df["year"] == year)]
    assert len(hit) == 1, (iso3, year)
    return hit.iloc[0]


def test_pinned_values(p: pd.DataFrame) -> None:
    # SOURCE.md sample and check: PPP GDP 2019 USA 20.86 tn, China 20.06 tn, Russia 4.20 tn
    assert _row(p, "USA", 2019)["rgdpe"] == pytest.approx(20860506)
    assert _row(p, "CHN", 2019)["rgdpe"] == pytest.approx(20056066)
    assert _row(p, "RUS", 2019)["rgdpe"] == pytest.approx(4197222.5)
    chn = _row(p, "CHN", 1991)
    assert (chn["rgdpe"], chn["rgdpo"], chn["pop"], chn["emp"]) == pytest.approx(
        (3073974.25, 3006093.75, 1192.897284, 675.503479)
    )
    assert _row(p, "USA", 2019)["emp"] == pytest.approx(158.2995911)
    assert _row(p, "RUS", 1991)["rgdpo"] == pytest.approx(2438441.25)
    assert _row(p, "CHN", 2017)["i_cig"] == "benchmark"
    assert _row(p, "USA", 2019)["i_outlier"] == "no"


def test_keys_and_coverage(p: pd.DataFrame) -> None:
    assert not p.duplicated(["iso3", "year"]).any() and not p.duplicated(["ccode", "year"]).any()
    assert (p["year"].min(), p["year"].max()) == (1950, 2019)
    assert 165 <= p["iso3"].nunique() <= 175
    assert p.loc[p["iso3"] == "RUS", "year"].min() == 1990
    assert (p.loc[p["iso3"] == "RUS", "ccode"] == 365).all()
    assert not p["iso3"].isin(["HKG", "MAC", "PSE", "ABW"]).any()
    assert (_row(p, "DEU", 1989)["ccode"], _row(p, "DEU", 1990)["ccode"]) == (260, 255)
    values = ["rgdpe", "rgdpo", "rgdpna", "pop", "emp", "hc", "cn"]
    assert p[values].notna().any(axis=1).all()  # no empty rows
    assert not (p[values] < 0).any().any()


# --- bad input: corrupted copies read without the hash check ------------------------------------


def _corrupt(raw_root: Path, tmp_path: Path, line: int, old: str, new: str) -> RawFiles:
    (tmp_path / FOLDER).mkdir()
    path = tmp_path / FOLDER / FILE
    shutil.copy(raw_root / FOLDER / FILE, path)
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines))
    return RawFiles(tmp_path, verify=False)


def _line_of(raw_root: Path, prefix: str) -> int:
    with open(raw_root / FOLDER / FILE) as fh:
        return next(i for i, text in enumerate(fh, start=1) if text.startswith(prefix))


def test_renamed_column(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(raw_root, tmp_path, 1, ",rgdpe,", ",rgdp_e,")
    with pytest.raises(DataError, match=rf"{FILE}, column 'rgdpe': expected column"):
        pwt(raw)


def test_non_numeric_cell(raw_root: Path, tmp_path: Path) -> None:
    line = _line_of(raw_root, "China,CHN,1991,")
    raw = _corrupt(raw_root, tmp_path, line, ",1192.897284,", ",1.19 bn,")
    with pytest.raises(DataError, match=rf"{FILE}, line {line}, column 'pop': non-numeric value"):
        pwt(raw)


def test_duplicated_key(raw_root: Path, tmp_path: Path) -> None:
    line = _line_of(raw_root, "China,CHN,1991,")
    raw = _corrupt(raw_root, tmp_path, line, ",1991,", ",1990,")
    with pytest.raises(DataError, match=rf"{FILE}, line {line}: duplicated key .*'CHN'.*1990"):
        pwt(raw)


def test_unknown_country_code(raw_root: Path, tmp_path: Path) -> None:
    line = _line_of(raw_root, "China,CHN,1991,")
    raw = _corrupt(raw_root, tmp_path, line, ",CHN,", ",XYZ,")
    with pytest.raises(
        DataError,
        match=rf"{FILE}, line \d+, column 'isocode': "
        r"unknown country code 'XYZ'",
    ):
        pwt(raw)
