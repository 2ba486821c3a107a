"""Joint exercises: MME v7, JME v3, Russian-MoD list, sourced China-Russia table and the extract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import xlrd
from _checks import committed_table

from balances.errors import DataError
from balances.sources import load_all_loaders
from balances.sources.exercises import (
    CR_SOURCED_FILE,
    JME_FILE,
    MME_FILE,
    RUS_MOD_FILE,
    compare_cr_extract,
    exercise_series,
    read_cr_extract,
    read_cr_sourced,
    read_jme,
    read_mme,
    read_rus_mod,
)
from balances.sources.raw import RawFiles

TABLES = load_all_loaders()
KEYS = ["iso3_1", "iso3_2", "year"]


@pytest.fixture(scope="module")
def dyads() -> pd.DataFrame:
    return committed_table("exercises_dyad").set_index(KEYS)


@pytest.fixture(scope="module")
def cr() -> pd.DataFrame:
    return committed_table("cr_exercises")


def test_first_peace_mission_and_first_patrols(cr: pd.DataFrame) -> None:
    pm = cr[cr["name"].str.startswith("Peace Mission")].sort_values("year").iloc[0]
    assert (pm["year"], pm["name"], pm["scope"]) == (2005, "Peace Mission 2005", "bilateral")
    air = cr[cr["type"] == "joint air patrol"].sort_values("start_date")
    assert air.iloc[0]["start_date"] == "2019-07-23"
    assert air.iloc[0]["name"] == "1st joint strategic air patrol"
    assert len(air) == 9 and air.iloc[-1]["start_date"] == "2024-11-29"
    naval = cr[cr["type"] == "joint naval patrol"].sort_values("start_date")
    assert naval.iloc[0]["start_date"] == "2021-10-17" and len(naval) == 5


def test_cr_exercises_keep_provenance(cr: pd.DataFrame) -> None:
    assert len(cr) == 47 and cr["row_id"].is_unique
    assert cr["source_url_1"].str.startswith("http").all()
    assert (
        cr["source_quote"].notna().all() and cr["evidence_level"].str[0].isin(["A", "B", "C"]).all()
    )
    assert set(cr["type"]) == {"exercise", "joint air patrol", "joint naval patrol"}
    vostok = cr.set_index("row_id").loc[17]
    assert vostok["scope"] == "multilateral" and vostok["other_participants"] == "MNG"


def test_sourced_table_agrees_with_extract(cr: pd.DataFrame) -> None:
    inside = cr[cr["year"] <= 2015].set_index("name")
    assert len(inside) == 12 and inside["extract_agrees"].sum() == 10
    # the sourced table adds Joint Sea-2012 and -2013, missing from the extract (SOURCE.md)
    assert set(inside.index[inside["extract_agrees"] == 0]) == {"Joint Sea-2012", "Joint Sea-2013"}
    assert inside.loc["Peace Mission 2009", "extract_ids"] == "JME:1445;MME:mme3247;RUS_MOD:79"
    assert cr.loc[cr["year"] > 2015, "extract_agrees"].isna().all()


def test_extract_rows_not_in_sourced_table(raw: RawFiles) -> None:
    cmp = compare_cr_extract(raw)
    assert len(cmp) == 33 and cmp["sourced_row_ids"].notna().sum() == 17
    unmatched = set(cmp.loc[cmp["sourced_row_ids"].isna(), "extract_id"])
    # multilateral drills with both present, SCO anti-terror drills and Peace Mission 2013
    assert {"JME:625", "MME:mme3350", "MME:mme3230", "RUS_MOD:82", "RUS_MOD:31"} <= unmatched
    assert {"JME:1394", "MME:mme3045"} <= unmatched  # 'Cooperation 2007' (interior troops, Moscow)


def test_extract_is_every_china_russia_row_of_the_three_datasets(raw: RawFiles) -> None:
    found = set()
    for prefix, reader in (("MME", read_mme), ("JME", read_jme), ("RUS_MOD", read_rus_mod)):
        part = reader(raw)
        both = part.groupby("exercise")["iso3"].agg(set)
        ids = both[both.map(lambda s: {"CHN", "RUS"} <= s)].index
        if prefix == "JME":
            ids = [str(int(i) - 2) for i in ids]  # extract ids are 0-based sheet rows
        found |= {f"{prefix}:{i}" for i in ids}
    assert found == set(read_cr_extract(raw)["extract_id"])


def test_series_names() -> None:
    assert exercise_series("Морское взаимодействие – 2015") == "Joint Sea"
    assert exercise_series("Peace mission 2010") == "Peace Mission"
    assert exercise_series("Norak-Antiterror-2009") is None


@pytest.mark.parametrize(
    ("dyad", "year", "col", "expected"),
    [
        (("CHN", "RUS"), 2007, "mme_exercises", 3),
        (("RUS", "CHN"), 2003, "jme_exercises", 2),
        (("CHN", "RUS"), 2009, "rus_mod_exercises", 4),
        (("CHN", "RUS"), 2024, "cr_sourced_events", 8),
        (("CHN", "RUS"), 2011, "cr_sourced_events", 0),
        (("USA", "GBR"), 2000, "mme_exercises", 19),
        (("USA", "RUS"), 2010, "mme_exercises", 7),
        (("RUS", "IND"), 2009, "rus_mod_exercises", 1),
    ],
)
def test_exercise_counts(
    dyads: pd.DataFrame, dyad: tuple[str, str], year: int, col: str, expected: int
) -> None:
    assert dyads.loc[(*dyad, year), col] == expected


def test_exercise_coverage(dyads: pd.DataFrame) -> None:
    df = dyads.reset_index()
    assert not df.duplicated(KEYS).any()
    assert df.loc[~df["year"].between(1980, 2010), "mme_exercises"].isna().all()
    assert df.loc[df["year"].between(1980, 2010), "mme_exercises"].notna().all()
    no_rus = (df["iso3_1"] != "RUS") & (df["iso3_2"] != "RUS")
    assert df.loc[no_rus, "rus_mod_exercises"].isna().all()
    cr_dyad = df["iso3_1"].isin(["CHN", "RUS"]) & df["iso3_2"].isin(["CHN", "RUS"])
    assert df.loc[~cr_dyad, "cr_sourced_events"].isna().all()
    assert set(df.loc[df["year"] > 2018, "iso3_1"]) == {"CHN", "RUS"}
    assert (df["year"].min(), df["year"].max()) == (1974, 2024)


def test_jme_csv_matches_published_xls(raw: RawFiles) -> None:
    sheet = xlrd.open_workbook(raw.path("jme_v3", "jme_v3.xls")).sheet_by_name("Sheet1_2")
    header = sheet.row_values(0)
    states = [i for i, h in enumerate(header) if str(h).startswith("State ")]

    def cell(r: int, i: int) -> str:
        v = sheet.cell_value(r, i)
        return str(int(v)) if isinstance(v, float) else str(v).strip().upper()

    xls = {
        r + 1: sorted(cell(r, i) for i in states if sheet.cell_value(r, i))
        for r in range(1, sheet.nrows)
    }
    csv = pd.read_csv(raw.path("jme_v3", JME_FILE), dtype=str, keep_default_na=False)
    cols = [c for c in csv.columns if c.startswith("State ")]
    from_csv = {
        i + 2: sorted(v.strip().upper() for v in row if v) for i, row in enumerate(csv[cols].values)
    }
    assert from_csv == xls


def _corrupt(
    raw_root: Path, tmp_path: Path, folder: str, name: str, edit: Callable[[list[str]], None]
) -> RawFiles:
    (tmp_path / folder).mkdir(exist_ok=True)
    lines = (raw_root / folder / name).read_text(encoding="utf-8").split("\n")
    edit(lines)
    (tmp_path / folder / name).write_text("\n".join(lines), encoding="utf-8")
    return RawFiles(tmp_path, verify=False)


def _replace(n: int, old: str, new: str) -> Callable[[list[str]], None]:
    def edit(lines: list[str]) -> None:
        assert old in lines[n - 1]
        lines[n - 1] = lines[n - 1].replace(old, new, 1)

    return edit


def test_mme_unknown_country(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root,
        tmp_path,
        "military_exercises",
        MME_FILE,
        _replace(2, ",Netherlands,", ",Atlantis,"),
    )
    with pytest.raises(
        DataError, match=r"mme_v7\.csv, line 2, column 'StateA': unknown country name 'Atlantis'"
    ):
        read_mme(raw)


def test_mme_non_numeric_year(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root,
        tmp_path,
        "military_exercises",
        MME_FILE,
        _replace(3, ",1980,1,xx,", ",198O,1,xx,"),
    )
    with pytest.raises(DataError, match=r"line 3, column 's\.year': non-numeric value '198O'"):
        read_mme(raw)


def test_jme_unknown_code(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root, tmp_path, "military_exercises", JME_FILE, _replace(2, ",USA,TUR,", ",USA,XTR,")
    )
    with pytest.raises(DataError, match=r"line 2, column 'State B': unknown ISO3 code 'XTR'"):
        read_jme(raw)


def test_jme_year_fix_checks_the_exercise(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root, tmp_path, "military_exercises", JME_FILE, _replace(1732, "Peace 09", "Peace 10")
    )
    with pytest.raises(DataError, match=r"line 1732, column 'Exercise Name': year fix expects"):
        read_jme(raw)


def test_rus_mod_duplicated_id(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(raw_root, tmp_path, "military_exercises", RUS_MOD_FILE, _replace(3, "2,", "1,"))
    with pytest.raises(DataError, match=r"line 3: duplicated key \{'id': .*1"):
        read_rus_mod(raw)


def test_sourced_row_without_url(raw_root: Path, tmp_path: Path) -> None:
    folder = "china_russia_exercises_2003_2024"
    old = ",http://english.scio.gov.cn/infographics/2018-06/05/content_51673238.htm,,"
    raw = _corrupt(raw_root, tmp_path, folder, CR_SOURCED_FILE, _replace(2, old, ",,,"))
    with pytest.raises(
        DataError,
        match=r"line 2, column 'source_url_1': a missing value .* needs a source URL",
    ):
        read_cr_sourced(raw)


def test_sourced_year_outside_the_span(raw_root: Path, tmp_path: Path) -> None:
    folder = "china_russia_exercises_2003_2024"
    line = (raw_root / folder / CR_SOURCED_FILE).read_text(encoding="utf-8").splitlines()[1]
    row_id, year = line.split(",")[:2]
    edit = _replace(2, f"{row_id},{year},", f"{row_id},1999,")
    raw = _corrupt(raw_root, tmp_path, folder, CR_SOURCED_FILE, edit)
    with pytest.raises(
        DataError, match=r"line 2, column 'year': value 1999 breaks in_range\(2003, 2024\)"
    ):
        read_cr_sourced(raw)


def test_sourced_patrol_with_unknown_domain(raw_root: Path, tmp_path: Path) -> None:
    folder = "china_russia_exercises_2003_2024"
    old = ",day,air,bilateral joint patrol,"
    raw = _corrupt(
        raw_root,
        tmp_path,
        folder,
        CR_SOURCED_FILE,
        _replace(21, old, ",day,space,bilateral joint patrol,"),
    )
    with pytest.raises(
        DataError, match=r"line 21, column 'domain': joint patrol with domain 'space'"
    ):
        read_cr_sourced(raw)
