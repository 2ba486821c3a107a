"""US troops abroad (Kane / Allen-Flynn-Machain), Vine's bases, Central Asia bases."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _checks import committed_table

from balances.countries import name_to_iso3, to_iso3
from balances.errors import DataError
from balances.sources import load_all_loaders
from balances.sources.raw import RawFiles
from balances.sources.troops import (
    BASE_DEPENDENCIES,
    TROOP_FILE,
    merge_name_variants,
    read_bases,
    read_central_asia,
    read_troops,
)

FOLDER = "us_troops_bases"
TABLES = load_all_loaders()


@pytest.fixture(scope="module")
def troops() -> pd.DataFrame:
    return committed_table("us_troops")


def _corrupt(raw_root: Path, tmp_path: Path, name: str, edit: Callable[[str], str]) -> RawFiles:
    """A raw directory holding one edited copy of ``name`` (hash checks off)."""
    (tmp_path / FOLDER).mkdir(exist_ok=True)
    src = raw_root / FOLDER / name
    (tmp_path / FOLDER / name).write_text(edit(src.read_text(encoding="utf-8")), encoding="utf-8")
    return RawFiles(tmp_path, verify=False)


@pytest.mark.parametrize(
    ("iso3", "year", "expected"),
    [
        ("DEU", 1991, 203_423),  # SOURCE.md checks (DMDC, permanently assigned personnel)
        ("DEU", 2024, 36_541),
        ("JPN", 1991, 44_566),
        ("JPN", 2024, 55_154),
        ("KOR", 1991, 40_062),
        ("KOR", 2024, 24_515),
        ("KGZ", 2010, 6_518),  # Manas Transit Center reporting
        ("CZE", 2013, 17),  # name variants 'Czechia' (17) and 'Czech Republic' (0)
        ("YEM", 1978, 21),  # 'Yemen' (679) beside the Yemen Arab Republic row (0)
    ],
)
def test_troops_pinned(troops: pd.DataFrame, iso3: str, year: int, expected: int) -> None:
    got = troops.set_index(["iso3", "year"])["troops"]
    assert got[(iso3, year)] == expected


def test_k2_not_attributed_by_dmdc(troops: pd.DataFrame) -> None:
    uzb = troops[(troops["iso3"] == "UZB") & troops["year"].between(2001, 2005)]
    assert (uzb["troops"] <= 3).all()


def test_troops_keys_codes_and_coverage(troops: pd.DataFrame) -> None:
    assert not troops.duplicated(["iso3", "year"]).any()
    assert (troops["year"].min(), troops["year"].max()) == (1950, 2024)
    assert not troops["iso3"].isin(["GUM", "PRI", "HKG", "GRL"]).any()
    deu = troops[troops["iso3"] == "DEU"].set_index("year")["ccode"]
    assert deu[1989] == 260 and deu[1990] == 255
    assert troops.loc[troops["iso3"] == "YEM"].set_index("year")["ccode"][1985] == 678
    assert troops["region"].notna().all()


def test_troop_codes_agree_with_troopdata_iso3(raw: RawFiles) -> None:
    df = read_troops(raw)
    given = df.dropna(subset=["iso3c"])
    assert (given["iso3c"] == given["iso3"]).all()
    assert set(df.loc[df["iso3c"].isna(), "iso3"]) == {
        "CSK",
        "DDR",
        "XKX",
        "RVN",
        "YEM",
        "YMD",
        "SRB",
        "ZAN",
    }


def test_bases() -> None:
    bases = committed_table("us_bases").set_index("iso3")
    assert bases.loc["DEU", "n_sites"] == 44
    assert bases.loc["JPN", "n_sites"] == 42
    assert bases.loc["ITA", "n_sites"] == 14  # NSA Naples listed twice upstream
    assert bases.loc["COD", "n_sites"] == 1  # Dungu, coded 484 (Congo) upstream
    assert "COG" not in bases.index
    assert bases.loc["USA", "n_sites_dependencies"] == bases.loc["USA", "n_sites"] == 31
    assert not {"KGZ", "UZB"} & set(bases.index)
    assert bases["n_sites"].sum() == 413


def test_base_names_match_codes_outside_dependencies(raw: RawFiles) -> None:
    df = read_bases(raw)
    own = df[~df["countryname"].isin(BASE_DEPENDENCIES)]
    names = own["countryname"].drop_duplicates()
    placed = dict(zip(names, name_to_iso3(names), strict=True))
    typos = {"Georigia", "Kosovo"}  # 'Georigia' misspelt upstream; Kosovo placed as XKX by both
    mismatch = own[own["countryname"].map(placed) != own["iso3"]]
    assert set(mismatch["countryname"]) <= typos


def test_central_asia_leads_keep_their_verification() -> None:
    ca = committed_table("us_bases_central_asia").set_index("iso3")
    assert ca.loc["UZB", ["open_year", "close_year"]].tolist() == [2001, 2005]
    assert ca.loc["KGZ", ["open_year", "close_year"]].tolist() == [2001, 2014]
    assert ca["verified"].tolist() == [1, 1]
    assert ca.loc["UZB", "status"].startswith("verified (start approx.")
    assert ca["compiled_status"].str.contains("NOT from a dataset").all()
    assert ca["source_1"].str.startswith("http").all()


def test_renamed_column_is_named(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root, tmp_path, TROOP_FILE, lambda t: t.replace(",troops_ad,", ",troops,", 1)
    )
    with pytest.raises(DataError, match=r"troopdata-rebuild-country-year\.csv.*column 'troops_ad'"):
        read_troops(raw)


def test_non_numeric_cell_names_line(raw_root: Path, tmp_path: Path) -> None:
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        lines[4] = lines[4].replace(
            "Middle East & North Africa,2,", "Middle East & North Africa,two,", 1
        )
        return "".join(lines)

    raw = _corrupt(raw_root, tmp_path, TROOP_FILE, edit)
    with pytest.raises(DataError, match=r"line 5, column 'troops_ad': non-numeric value 'two'"):
        read_troops(raw)


def test_duplicated_key_names_line(raw_root: Path, tmp_path: Path) -> None:
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join([*lines, lines[1]])

    raw = _corrupt(raw_root, tmp_path, TROOP_FILE, edit)
    with pytest.raises(
        DataError, match=r"line 13137: duplicated key \{'countryname': 'Aden', 'year': .*1951"
    ):
        read_troops(raw)


def test_unknown_code_names_line(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root,
        tmp_path,
        TROOP_FILE,
        lambda t: t.replace("Albania,1950,339,ALB", "Albania,1950,999,ALB", 1),
    )
    with pytest.raises(DataError, match=r"line \d+, column 'ccode': unknown COW state code 999"):
        read_troops(raw)


def test_two_nonzero_name_variants_raise(raw: RawFiles) -> None:
    df = read_troops(raw)
    df.loc[(df["countryname"] == "Czech Republic") & (df["year"] == 2013), "troops_ad"] = 5
    with pytest.raises(DataError, match=r"CZE 2013 has two non-zero rows"):
        merge_name_variants(df, "troopdata")


def test_edited_verified_twin_raises(raw_root: Path, tmp_path: Path) -> None:
    shutil.copytree(raw_root / FOLDER, tmp_path / FOLDER)
    name = "central_asia_us_bases_handcompiled_verified.csv"
    path = tmp_path / FOLDER / name
    path.chmod(0o644)
    path.write_text(
        path.read_text(encoding="utf-8").replace("2005-11-21", "2005-12-01", 1), encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"hand-compiled columns differ"):
        read_central_asia(RawFiles(tmp_path, verify=False))


def test_territory_codes_are_not_states() -> None:
    assert to_iso3([1008, 6], strict=False) == [None, None]
