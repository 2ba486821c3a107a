"""Reading with errors that name file, line and column; atomic writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from balances.errors import DataError
from balances.io import atomic_path, check_known, check_unique, read_csv
from balances.schema import REQUIRED_INT, Col


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "t.csv"
    p.write_text(text)
    return p


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_csv(tmp_path / "nope.csv", {"a": "int"})


def test_renamed_column_names_the_column(tmp_path: Path) -> None:
    p = _csv(tmp_path, "ccode,yr\n2,1990\n")
    with pytest.raises(DataError, match=r"column 'year'") as e:
        read_csv(p, {"ccode": "int", "year": "int"})
    assert str(p) in str(e.value)


def test_non_numeric_cell_names_line_and_column(tmp_path: Path) -> None:
    p = _csv(tmp_path, "ccode,year,v\n2,1990,1.5\n2,1991,abc\n")
    with pytest.raises(DataError, match=r"line 3, column 'v': non-numeric value 'abc'"):
        read_csv(p, {"ccode": "int", "year": "int", "v": "float"})


def test_missing_tokens_are_nan_not_zero(tmp_path: Path) -> None:
    p = _csv(tmp_path, "ccode,year,v\n2,1990,..\n2,1991,xxx\n2,1992,\n2,1993,0\n")
    df = read_csv(p, {"ccode": "int", "year": "int", "v": "float"})
    assert df["v"].isna().tolist() == [True, True, True, False]
    assert df["v"].iloc[3] == 0.0


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    p = _csv(tmp_path, "ccode,year\n2,1990\n2,1991\n2,1990\n")
    df = read_csv(p, {"ccode": "int", "year": "int"})
    with pytest.raises(DataError, match=r"line 4: duplicated key .*also at line 2"):
        check_unique(df, ["ccode", "year"], p)


def test_unknown_value(tmp_path: Path) -> None:
    p = _csv(tmp_path, "name\nRussia\nAtlantis\n")
    df = read_csv(p, {"name": "str"})
    with pytest.raises(DataError, match=r"line 3, column 'name': unknown country 'Atlantis'"):
        check_known(df, "name", {"Russia"}, p, what="country")


def test_declared_columns_are_checked_where_they_are_read(tmp_path: Path) -> None:
    """A raw column declared as a Col (the processed tables' declaration) is checked as read:
    the first broken rule names the line, the column, the value and the rule."""
    cols = {
        "ccode": REQUIRED_INT,
        "share": Col("float", ge=0, le=1),
        "vote": Col("str", isin=("yes", "no"), fix="votes are yes or no"),
    }
    good = "ccode,share,vote\n2,0.5,yes\n365,,no\n"
    df = read_csv(_csv(tmp_path, good), cols)
    assert df["ccode"].tolist() == [2, 365] and df["share"].isna().tolist() == [False, True]
    cases = [
        ("2,0.5,yes\n,0.2,no\n", r"line 3, column 'ccode': a missing value where every row"),
        ("2,0.5,yes\n365,1.5,no\n", r"line 3, column 'share': value 1.5 breaks in_range\(0, 1\)"),
        ("2,0.5,maybe\n", r"line 2, column 'vote': value 'maybe' breaks isin.*Fix: votes are yes"),
        # the first column that fails, in declaration order, at its first failing line
        ("2,0.5,maybe\n365,7,yes\n", r"line 3, column 'share'"),
    ]
    for rows, match in cases:
        with pytest.raises(DataError, match=match):
            read_csv(_csv(tmp_path, "ccode,share,vote\n" + rows), cols)


def test_truncated_gzip(tmp_path: Path) -> None:
    p = tmp_path / "t.csv.gz"
    pd.DataFrame({"a": range(5000)}).to_csv(p, index=False)
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(DataError, match="cannot be read"):
        read_csv(p, {"a": "int"})


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("good\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "good\n"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not a readable provenance file"),
        ('["a"]', "expected a mapping of table name"),
    ],
)
def test_an_invalid_provenance_file_is_one_clear_error(tmp_path, text: str, match: str) -> None:
    from balances.io import read_provenance

    (tmp_path / "provenance.json").write_text(text)
    with pytest.raises(DataError, match=match):
        read_provenance(tmp_path)
