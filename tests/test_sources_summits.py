"""China-Russia summits, state visits and documents (sourced event table)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from balances.build import validate_table
from balances.errors import DataError
from balances.sources import load_all_loaders
from balances.sources.raw import RawFiles
from balances.sources.summits import FILE, cr_summits

FOLDER = "china_russia_summits_documents"


@pytest.fixture(scope="module")
def summits(raw: RawFiles) -> pd.DataFrame:
    spec = load_all_loaders()["cr_summits"]
    return validate_table(spec, spec.builder(raw)).set_index("event_id")


def test_summits_pinned(summits: pd.DataFrame) -> None:
    assert len(summits) == 22 and (summits["year"].min(), summits["year"].max()) == (1991, 2024)
    treaty = summits.loc[11]
    assert (treaty["date_start"], treaty["type"]) == ("2001-07-16", "state visit")
    assert treaty["title"].startswith("Treaty of Good-Neighbourliness")
    assert (treaty["partnership_label"], treaty["partnership_rank"]) == (
        "strategic cooperative partnership",
        4,
    )
    new_era = summits.loc[17]
    assert (new_era["date_start"], new_era["partnership_rank"]) == ("2019-06-05", 6)
    assert summits.loc[19, "title"].startswith(
        "Joint Statement on International Relations Entering a New Era"
    )
    assert summits.loc[18, "type"] == "document"  # treaty extension by video link
    assert summits["source_url_1"].str.startswith("http").all()


def test_partnership_ranks_never_fall(summits: pd.DataFrame) -> None:
    ranks = summits.sort_values("date_start")["partnership_rank"].dropna()
    assert ranks.is_monotonic_increasing
    assert summits["type"].value_counts().to_dict() == {
        "state visit": 13,
        "summit": 6,
        "document": 3,
    }


def _corrupt(raw_root: Path, tmp_path: Path, edit: Callable[[str], str]) -> RawFiles:
    (tmp_path / FOLDER).mkdir()
    text = (raw_root / FOLDER / FILE).read_text(encoding="utf-8")
    (tmp_path / FOLDER / FILE).write_text(edit(text), encoding="utf-8")
    return RawFiles(tmp_path, verify=False)


def test_unknown_event_type(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root,
        tmp_path,
        lambda t: t.replace(",Beijing/Moscow,recognition,", ",Beijing/Moscow,phone call,"),
    )
    with pytest.raises(
        DataError, match=r"line 3, column 'event_type': value 'phone call' breaks isin"
    ):
        cr_summits(raw)


def test_unknown_partnership_label(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(
        raw_root, tmp_path, lambda t: t.replace(",friendly countries,", ",best friends,", 1)
    )
    with pytest.raises(DataError, match=r"line 4, column 'relationship_label_after_event'"):
        cr_summits(raw)


def test_date_without_year(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(raw_root, tmp_path, lambda t: t.replace("\n2,1991-12-27,", "\n2,late 1991,", 1))
    with pytest.raises(DataError, match=r"line 3, column 'date_start': 'late 1991' does not start"):
        cr_summits(raw)


def test_duplicated_event_id(raw_root: Path, tmp_path: Path) -> None:
    raw = _corrupt(raw_root, tmp_path, lambda t: t.replace("\n3,1992,", "\n2,1992,", 1))
    with pytest.raises(DataError, match=r"line 4: duplicated key"):
        cr_summits(raw)
