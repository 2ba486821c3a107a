"""UN Security Council vetoes: Yordan's list 1946-2022 plus the verified extension to 2024."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from balances.build import validate_table
from balances.errors import DataError
from balances.sources import TABLES
from balances.sources.raw import RawFiles
from balances.sources.unsc_vetoes import read_vetoes, unsc_vetoes, unsc_vetoes_year

YORDAN = "unsc_vetoes_yordan/unsc_vetoes_1946_sept2022.csv"
VERIFIED = "unsc_vetoes_2022_2024_verified/unsc_vetoes_2022-08_2024-12_verified.csv"
P5 = ["usa", "rus", "chn", "gbr", "fra"]


@pytest.fixture(scope="module")
def vetoes(raw: RawFiles) -> pd.DataFrame:
    return validate_table(TABLES["unsc_vetoes"], unsc_vetoes(raw))


@pytest.fixture(scope="module")
def per_year(raw: RawFiles) -> pd.DataFrame:
    return validate_table(TABLES["unsc_vetoes_year"], unsc_vetoes_year(raw)).set_index("year")


def _copies(raw_root: Path, tmp_path: Path) -> tuple[RawFiles, pd.DataFrame, pd.DataFrame]:
    for rel in (YORDAN, VERIFIED):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(raw_root / rel, tmp_path / rel)
    read = {"dtype": str, "keep_default_na": False}
    return (
        RawFiles(tmp_path, verify=False),
        pd.read_csv(tmp_path / YORDAN, **read),
        pd.read_csv(tmp_path / VERIFIED, **read),
    )


def _write(tmp_path: Path, rel: str, df: pd.DataFrame) -> None:
    df.to_csv(tmp_path / rel, index=False)


def test_counts_and_known_vetoes(vetoes: pd.DataFrame) -> None:
    assert len(vetoes) == 214 + 13
    assert vetoes["source_file"].value_counts().tolist() == [214, 13]
    assert vetoes[P5].sum().tolist() == [87, 129, 19, 29, 16]
    assert (vetoes[P5].sum(axis=1) >= 1).all()
    by_date = vetoes.set_index("date")
    for date, draft in [("2011-10-04", "S/2011/612"), ("2012-02-04", "S/2012/77")]:  # Syria
        row = by_date.loc[date]
        assert row["draft"] == draft and row["topic"] == "Syria"
        assert row[P5].tolist() == [0, 1, 1, 0, 0]
    assert by_date.loc["2024-03-22", P5].tolist() == [0, 1, 1, 0, 0]  # Gaza, US draft
    assert by_date.loc["2024-11-20", P5].tolist() == [1, 0, 0, 0, 0]
    assert by_date.loc["2024-11-20", "status"] == "verified"
    # named vetoes the upstream dummy columns miss: the US veto of 11 Aug 1975 (S/11796)
    aug75 = vetoes[(vetoes["date"] == "1975-08-11") & (vetoes["draft"] == "S/11796")].iloc[0]
    assert aug75["usa"] == 1
    assert vetoes.loc[vetoes["year"] < 1992, "rus"].sum() == 90  # the USSR's, coded as Russia's
    # the scout's check of Yordan's file, 1992 - July 2022 (SOURCE.md)
    yordan = vetoes["source_file"] == "unsc_vetoes_1946_sept2022.csv"
    post91 = vetoes[(vetoes["year"] >= 1992) & yordan]
    assert post91[["rus", "chn", "usa", "gbr", "fra"]].sum().tolist() == [31, 16, 17, 0, 0]
    assert ((post91["rus"] == 1) & (post91["chn"] == 1)).sum() == 14
    # the 1980s with the named vetoes: the dummies alone give the US 40 and the USSR 2
    eighties = vetoes[vetoes["year"].between(1980, 1989)]
    assert eighties[["usa", "rus"]].sum().tolist() == [42, 4]


def test_joint_russia_china_vetoes(vetoes: pd.DataFrame, per_year: pd.DataFrame) -> None:
    joint = vetoes[(vetoes["rus"] == 1) & (vetoes["chn"] == 1)]
    assert len(joint[joint["year"] >= 2007]) == 16
    assert joint["date"].min() == "2007-01-12"  # Myanmar
    assert len(joint[joint["topic"] == "Syria"]) == 10
    assert per_year.loc[2007:, "rus_chn"].sum() == 16
    assert per_year["rus_chn"].sum() == len(joint)


def test_year_table(per_year: pd.DataFrame) -> None:
    assert (per_year.index.min(), per_year.index.max(), len(per_year)) == (1946, 2024, 79)
    assert per_year.loc[[2010, 2013], "vetoes"].tolist() == [0, 0]  # true zeros
    assert per_year.loc[2024, ["vetoes", "usa", "rus", "chn", "rus_chn"]].tolist() == [
        7,
        3,
        4,
        1,
        1,
    ]
    assert per_year.loc[2022, ["vetoes", "rus"]].tolist() == [
        4,
        4,
    ]  # July (Yordan) + Sept (verified)
    assert (per_year[P5].sum(axis=1) >= per_year["vetoes"]).all()


def test_overlap_is_counted_once(raw_root: Path, tmp_path: Path) -> None:
    raw, yordan, verified = _copies(raw_root, tmp_path)
    # a veto of the overlap (Aug - 16 Sep 2022) listed in both files, with different symbols
    both = verified.iloc[[0]].assign(date="9/2/2022", month="9")
    _write(tmp_path, YORDAN, pd.concat([yordan, both.assign(draft="S/2022/999")[yordan.columns]]))
    _write(tmp_path, VERIFIED, pd.concat([both, verified]))
    df = read_vetoes(raw)
    overlap = df[df["date"] == "2022-09-02"]
    assert len(df) == 228 and len(overlap) == 1
    assert overlap["source_file"].iloc[0] == "unsc_vetoes_1946_sept2022.csv"
    # the verified file repeating Yordan's last veto (8 Jul 2022, Russia, Syria) adds nothing
    july = verified.iloc[[0]].assign(date="7/8/2022", month="7", draft="S/2022/538")
    _write(tmp_path, VERIFIED, pd.concat([july, both, verified]))
    df = read_vetoes(raw)
    assert len(df) == 228 and (df["date"] == "2022-07-08").sum() == 1
    # a different veto on the same day (another member) is a veto of its own
    other = both.assign(member_veto1="USA", Russia="0", USA="1")
    _write(tmp_path, VERIFIED, pd.concat([other, both, verified]))
    assert len(read_vetoes(raw)) == 229


def test_verified_row_before_its_coverage(raw_root: Path, tmp_path: Path) -> None:
    raw, _, verified = _copies(raw_root, tmp_path)
    _write(
        tmp_path,
        VERIFIED,
        pd.concat([verified, verified.iloc[[0]].assign(date="6/1/2022", month="6")]),
    )
    with pytest.raises(
        DataError, match=r"verified\.csv, line 15, column 'date': veto of 2022-06-01 precedes"
    ):
        read_vetoes(raw)


def test_bad_inputs(raw_root: Path, tmp_path: Path) -> None:
    raw, yordan, _ = _copies(raw_root, tmp_path)
    cases = [
        (
            {"member_veto1": "Germany"},
            r"line 2, column 'member_veto1': 'Germany' is not a permanent",
        ),
        ({"date": "2/30/1946"}, r"line 2, column 'date': date '2/30/1946' is not a M/D/YYYY date"),
        (
            {"date": "2/16/1947"},
            r"line 2, column 'date': date '2/16/1947' is not in the row's year",
        ),
        ({"USA": "yes"}, r"line 2, column 'USA': non-numeric value 'yes'"),
        ({"USA": "1"}, r"line 2, column 'USA': USA = 1 but USA is not among the named"),
        ({"member_veto1": ""}, r"line 2, column 'member_veto1': no vetoing member named"),
    ]
    for change, message in cases:
        bad = yordan.copy()
        for col, value in change.items():
            bad.loc[0, col] = value
        _write(tmp_path, YORDAN, bad)
        with pytest.raises(DataError, match=r"unsc_vetoes_1946_sept2022\.csv, " + message):
            read_vetoes(raw)
    _write(tmp_path, YORDAN, yordan.rename(columns={"member_veto2": "member_veto_2"}))
    with pytest.raises(DataError, match=r"column 'member_veto2'"):
        read_vetoes(raw)
