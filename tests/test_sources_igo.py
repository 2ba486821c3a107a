"""IGO memberships: COW IGO v3.0 (peacesciencer) and informal IGOs (MIGO, via manyios)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from _checks import head_lines

from balances.build import validate_table
from balances.config import DYAD_STATES
from balances.data import load_table
from balances.errors import DataError
from balances.sources import TABLES
from balances.sources.cow_igo import igo_dyad, igo_state
from balances.sources.manyios import read_migo
from balances.sources.raw import RawFiles

NDY = "cow_igo_v3_peacesciencer/cow_igo_ndy__converted_from_cow_igo_ndy.csv.gz"
SY = "cow_igo_v3_peacesciencer/cow_igo_sy__converted_from_cow_igo_sy.csv"
#: Rows kept in the copies the error-path tests corrupt.
HEAD = 500
MIGO = "igo_memberships_manyios/MIGO__memberships__converted_from_memberships_rda.csv"


def _copy(raw_root: Path, tmp_path: Path, rel: str) -> tuple[RawFiles, Path]:
    """The header and first rows of an upstream file: enough for an error path, and quick."""
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    head_lines(raw_root / rel, tmp_path / rel, HEAD)
    return RawFiles(tmp_path, verify=False), tmp_path / rel


def _replace_line(path: Path, line: int, text: str) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        lines = f.read().splitlines()
    lines[line - 1] = text
    with opener(path, "wt") as f:
        f.write("\n".join(lines) + "\n")


def _dyad(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    return df[(df["iso3_1"] == a) & (df["iso3_2"] == b)].set_index("year")


# Pins read the committed tables; tests/test_build.py's slow rebuild ties them to the raw files.
@pytest.fixture(scope="module")
def dyads() -> pd.DataFrame:
    return validate_table(TABLES["igo_dyad"], load_table("igo_dyad"))


@pytest.fixture(scope="module")
def informal() -> pd.DataFrame:
    return validate_table(TABLES["igo_informal_dyad"], load_table("igo_informal_dyad"))


# COW IGO -------------------------------------------------------------------------------------


def test_igo_dyad_values(dyads: pd.DataFrame) -> None:
    # the checks run on the source (SOURCE.md)
    rc = _dyad(dyads, "RUS", "CHN")["igos_shared_full"]
    assert rc[[1992, 2000, 2008, 2014]].tolist() == [36, 50, 53, 55]
    assert _dyad(dyads, "USA", "RUS")["igos_shared_full"][[1992, 2014]].tolist() == [42, 55]
    assert _dyad(dyads, "USA", "CHN")["igos_shared_full"][[1992, 2014]].tolist() == [46, 54]
    assert (_dyad(dyads, "CHN", "RUS")["igos_shared_full"] == rc).all()  # both orders, same count


def test_igo_dyad_coverage(dyads: pd.DataFrame) -> None:
    assert (dyads["year"].min(), dyads["year"].max()) == (1946, 2014)
    assert set(dyads["iso3_1"]) == set(DYAD_STATES)
    assert len(dyads[dyads["year"] == 2014]) == 15 * 14
    assert dyads["igos_shared_full"].notna().all() and (dyads["igos_shared_full"] >= 0).all()


def test_igo_state(raw: RawFiles) -> None:
    sy = validate_table(TABLES["igo_state"], igo_state(raw))
    y2014 = sy[sy["year"] == 2014].set_index("iso3")
    assert len(y2014) == 195
    assert y2014.loc[["USA", "RUS", "CHN"], "igos_any"].tolist() == [93, 90, 83]
    assert (y2014["igos_any"] >= y2014["igos_full"]).all()
    assert (sy["year"].min(), sy["year"].max()) == (1946, 2014)


def test_cow_igo_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    raw, path = _copy(raw_root, tmp_path, NDY)
    _replace_line(path, 3, "2,20,1921,eight")
    with pytest.raises(DataError, match=r"ndy.*\.csv\.gz, line 3, column 'dyadigos': non-numeric"):
        igo_dyad(raw)
    _replace_line(path, 3, "2,20,1920,8")
    with pytest.raises(DataError, match=r"line 3: duplicated key"):
        igo_dyad(raw)
    _replace_line(path, 3, "2,999,1990,8")
    with pytest.raises(DataError, match=r"line 3, column 'ccode2': unknown COW state code 999"):
        igo_dyad(raw)
    raw, path = _copy(raw_root, tmp_path, SY)
    path.write_text(path.read_text().replace("sum_igo_anytype", "sum_igo_any", 1))
    with pytest.raises(DataError, match=r"column 'sum_igo_anytype'"):
        igo_state(raw)


# MIGO ----------------------------------------------------------------------------------------


def test_informal_igo_values(informal: pd.DataFrame, raw: RawFiles) -> None:
    rc = _dyad(informal, "RUS", "CHN")
    assert rc["migo_shared_full"][[1991, 2000, 2009, 2010]].tolist() == [2, 10, 27, 28]
    assert _dyad(informal, "RUS", "USA")["migo_shared_full"][[1991, 2010]].tolist() == [6, 34]
    assert _dyad(informal, "CHN", "USA")["migo_shared_full"][[1991, 2010]].tolist() == [3, 31]
    assert (informal["migo_shared_any"] >= informal["migo_shared_full"]).all()
    migo = read_migo(raw)
    brics = migo[(migo["igo"] == "BRICS") & migo["ccode"].isin([365, 710])]
    assert sorted(brics["year"].unique()) == [2009, 2010]  # BRICS is an informal IGO in MIGO
    assert {"G20", "CICA"} <= set(migo.loc[migo["ccode"] == 365, "igo"])
    assert not migo["igo"].isin(["SCO", "CSTO"]).any()  # formal organisations


def test_informal_igo_coverage(informal: pd.DataFrame) -> None:
    assert (informal["year"].min(), informal["year"].max()) == (1946, 2010)
    assert len(informal[informal["year"] == 2010]) == 15 * 14
    assert informal[["migo_shared_full", "migo_shared_any"]].notna().all().all()
    assert (informal.loc[informal["year"] == 1950, "migo_shared_any"] == 0).any()  # true zeros


def test_migo_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    raw, path = _copy(raw_root, tmp_path, MIGO)
    good = "ACD,ARE,United Arab Emirates,1,2004,1977,2010,696,1"
    _replace_line(path, 2, good.replace(",1,2004", ",7,2004"))
    with pytest.raises(
        DataError,
        match=r"MIGO.*\.csv, line 2, column 'membership': value 7 breaks isin\(\[1, 2, 3\]\)",
    ):
        read_migo(raw)
    _replace_line(path, 2, good.replace(",696,", ",six,"))
    with pytest.raises(DataError, match=r"line 2, column 'cowID': non-numeric value 'six'"):
        read_migo(raw)
    _replace_line(path, 2, good.replace(",696,", ",999,"))
    with pytest.raises(DataError, match=r"line 2, column 'cowID': unknown COW state code 999"):
        read_migo(raw)
    _replace_line(path, 2, good.replace(",2004,", ",2005,"))
    with pytest.raises(DataError, match=r"line 3: duplicated key"):
        read_migo(raw)
