"""Event data: ICEWS dyad-year counts (netify, 2002-2014), GDELT composite proxy (2018-2023)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _checks import head_lines

from balances.build import validate_table
from balances.config import DYAD_STATES
from balances.data import load_table
from balances.errors import DataError
from balances.sources import load_all_loaders
from balances.sources.gdelt import FILE as GDELT_FILE
from balances.sources.gdelt import read_gdelt
from balances.sources.icews import FILE as ICEWS_FILE
from balances.sources.icews import read_icews
from balances.sources.raw import RawFiles

TABLES = load_all_loaders()
ICEWS_DIR = "icews_dyad_year_netify"
GDELT_DIR = "gdelt_composite_edges_gzemo"


# Pins read the committed tables; tests/test_build.py's slow rebuild ties them to the raw files.
@pytest.fixture(scope="module")
def icews() -> pd.DataFrame:
    df = validate_table(TABLES["icews_dyad"], load_table("icews_dyad"))
    return df.set_index(["iso3_1", "iso3_2", "year"])


@pytest.fixture(scope="module")
def gdelt() -> pd.DataFrame:
    df = validate_table(TABLES["gdelt_dyad"], load_table("gdelt_dyad"))
    return df.set_index(["iso3_1", "iso3_2", "year"])


def _coop_share(row: pd.Series) -> float:
    return (row["verb_coop"] + row["matl_coop"]) / row["total"]


def test_icews_pinned(icews: pd.DataFrame) -> None:
    usa_rus = icews.loc[("USA", "RUS", 2014)]
    assert usa_rus[["verb_coop", "matl_coop", "verb_conf", "matl_conf"]].tolist() == [
        4374,
        25,
        1694,
        1371,
    ]
    assert usa_rus["total"] == 7464
    assert icews.loc[("USA", "RUS", 2002), "verb_coop"] == 5760
    # SOURCE.md: cooperative share by directed dyad
    assert _coop_share(usa_rus) == pytest.approx(0.59, abs=0.005)
    assert _coop_share(icews.loc[("CHN", "RUS", 2002)]) == pytest.approx(0.99, abs=0.005)
    assert _coop_share(icews.loc[("RUS", "USA", 2008)]) == pytest.approx(0.78, abs=0.005)


def test_icews_keys_and_coverage(icews: pd.DataFrame) -> None:
    df = icews.reset_index()
    assert not df.duplicated(["iso3_1", "iso3_2", "year"]).any()
    assert (df["year"].min(), df["year"].max()) == (2002, 2014)
    states = set(df["iso3_1"]) | set(df["iso3_2"])
    assert states == set(DYAD_STATES) - {"TUR"}  # Turkey is not among netify's 152 countries
    assert len(df) == 14 * 13 * 13
    assert (df[["verb_coop", "matl_coop", "verb_conf", "matl_conf"]] >= 0).all().all()
    assert (df["ccode1"] != df["ccode2"]).all()


def test_gdelt_yearly_means(gdelt: pd.DataFrame) -> None:
    # SOURCE.md: yearly means CHN-RUS 2018 278, 2020 127, 2022 203, 2023 399; USA-RUS 2022 -86
    assert gdelt.loc[("CHN", "RUS", 2018), "gdelt_composite"] == pytest.approx(278, abs=0.5)
    assert gdelt.loc[("CHN", "RUS", 2020), "gdelt_composite"] == pytest.approx(127, abs=0.5)
    assert gdelt.loc[("CHN", "RUS", 2023), "gdelt_composite"] == pytest.approx(399, abs=0.5)
    assert gdelt.loc[("USA", "CHN", 2018), "gdelt_composite"] == pytest.approx(620, abs=0.5)
    assert gdelt.loc[("USA", "RUS", 2022), "gdelt_composite"] == pytest.approx(-86, abs=0.5)


def test_gdelt_symmetric_and_covered(gdelt: pd.DataFrame) -> None:
    df = gdelt.reset_index()
    back = df.rename(columns={"iso3_1": "iso3_2", "iso3_2": "iso3_1"})
    merged = df.merge(back, on=["iso3_1", "iso3_2", "year"], suffixes=("", "_r"))
    assert len(merged) == len(df) == 72 * 6
    assert (merged["gdelt_composite"] == merged["gdelt_composite_r"]).all()
    assert set(df.loc[df["year"] < 2023, "gdelt_months"]) == {12}
    assert set(df.loc[df["year"] == 2023, "gdelt_months"]) == {6}


#: Rows kept in the copies the error-path tests corrupt.
HEAD = 500


def _copy_text(
    raw_root: Path, tmp_path: Path, folder: str, name: str, edit: Callable[[str], str]
) -> RawFiles:
    """The header and first rows of an upstream file, edited: enough for an error path, and quick."""
    (tmp_path / folder).mkdir(exist_ok=True)
    dst = head_lines(raw_root / folder / name, tmp_path / folder / name, HEAD)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(dst, "rt", encoding="utf-8") as f:
        text = edit(f.read())
    with opener(dst, "wt", encoding="utf-8") as f:
        f.write(text)
    return RawFiles(tmp_path, verify=False)


def _edit_line(n: int, old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.split("\n")
        assert old in lines[n - 1]
        lines[n - 1] = lines[n - 1].replace(old, new, 1)
        return "\n".join(lines)

    return edit


def test_icews_non_numeric_cell(raw_root: Path, tmp_path: Path) -> None:
    raw = _copy_text(
        raw_root, tmp_path, ICEWS_DIR, ICEWS_FILE, _edit_line(3, "2003,1,1,0,0", "2003,1,x,0,0")
    )
    with pytest.raises(DataError, match=r"line 3, column 'matlCoop': non-numeric value 'x'"):
        read_icews(raw)


def test_icews_unknown_code(raw_root: Path, tmp_path: Path) -> None:
    raw = _copy_text(
        raw_root, tmp_path, ICEWS_DIR, ICEWS_FILE, _edit_line(2, ",AFG,ALB,", ",AFG,XXA,")
    )
    with pytest.raises(DataError, match=r"line 2, column 'j_iso3c': unknown ISO3 code 'XXA'"):
        read_icews(raw)


def test_icews_renamed_column(raw_root: Path, tmp_path: Path) -> None:
    raw = _copy_text(
        raw_root, tmp_path, ICEWS_DIR, ICEWS_FILE, _edit_line(1, "verbConf", "verbalConflict")
    )
    with pytest.raises(DataError, match=r"column 'verbConf'.*not found"):
        read_icews(raw)


def test_icews_duplicated_key(raw_root: Path, tmp_path: Path) -> None:
    raw = _copy_text(raw_root, tmp_path, ICEWS_DIR, ICEWS_FILE, _edit_line(3, ",2003,", ",2002,"))
    with pytest.raises(DataError, match=r"line 3: duplicated key"):
        read_icews(raw)


def test_gdelt_state_outside_dyad_states(raw_root: Path, tmp_path: Path) -> None:
    raw = _copy_text(raw_root, tmp_path, GDELT_DIR, GDELT_FILE, _edit_line(2, "USA,CHN", "USA,ESP"))
    with pytest.raises(
        DataError, match=r"line 2, column 'iso3_b': unknown ISO3 code of a dyad state 'ESP'"
    ):
        read_gdelt(raw)


def test_gdelt_pair_in_both_orders(raw_root: Path, tmp_path: Path) -> None:
    raw = _copy_text(
        raw_root,
        tmp_path,
        GDELT_DIR,
        GDELT_FILE,
        _edit_line(3, "2018,01,USA,RUS", "2018,01,CHN,USA"),
    )
    with pytest.raises(DataError, match=r"line 3: duplicated key \{'lo': 'CHN', 'hi': 'USA'"):
        read_gdelt(raw)
