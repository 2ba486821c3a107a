"""Tests of the UNGA loaders: harmonisation, agreement of the two releases, tables, bad input."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from balances.build import validate_table
from balances.config import DYAD_STATES
from balances.data import load_table
from balances.errors import DataError, ParameterError
from balances.sources import load_all_loaders
from balances.sources.raw import RawFiles
from balances.sources.unga import (
    IDEAL_POINTS,
    SOURCE_IDEAL,
    SOURCE_UNVOTES,
    SOURCE_VOETEN,
    UNVOTES_ROLL_CALLS,
    UNVOTES_VOTES,
    VOETEN_VOTES,
    read_ideal_points,
    read_unvotes_votes,
    read_voeten_votes,
    read_votes,
)


@pytest.fixture(scope="module")
def voeten(raw: RawFiles) -> pd.DataFrame:
    return read_voeten_votes(raw)


@pytest.fixture(scope="module")
def unvotes(raw: RawFiles) -> pd.DataFrame:
    return read_unvotes_votes(raw)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """The committed tables (tests/test_build.py's slow rebuild ties them to the raw files)."""
    specs = load_all_loaders()
    names = ("unga_similarity", "unga_ideal_points", "unga_idealpoint_distance")
    return {n: validate_table(specs[n], load_table(n)) for n in names}


# --------------------------------------------------------------------- the vote releases


@pytest.mark.slow  # reads a whole UNGA vote release
def test_voeten_release(voeten: pd.DataFrame) -> None:
    assert len(voeten) == 855_890 - 3  # three known duplicated votes dropped
    assert not voeten.duplicated(["rcid", "ccode"]).any()
    assert set(voeten["vote"]) == {1, 2, 3}
    assert (voeten["year"] == voeten["date"].dt.year).all()
    per_year = voeten.groupby("year")["rcid"].nunique()
    assert 1964 not in per_year.index  # no recorded votes that session
    assert per_year.loc[2019] == 90 and per_year.loc[2023] == 88 and per_year.loc[2024] == 6
    # session 78 (labelled 2022 upstream) sits in 2023-2024
    assert set(voeten.loc[voeten["session"] == 78, "year"]) == {2023, 2024}


@pytest.mark.slow  # reads a whole UNGA vote release
@pytest.mark.parametrize("release", ["voeten", "unvotes"])
def test_harmonised_seats(release: str, voeten: pd.DataFrame, unvotes: pd.DataFrame) -> None:
    v = {"voeten": voeten, "unvotes": unvotes}[release]
    chn, twn = v[v["iso3"] == "CHN"], v[v["iso3"] == "TWN"]
    assert chn["date"].min() == pd.Timestamp("1971-12-01")  # PRC seated 15 Nov 1971
    assert (chn["ccode"] == 710).all() and (twn["ccode"] == 713).all()
    assert twn["date"].min() == pd.Timestamp("1946-01-01")  # ROC held the seat from the start
    assert twn["date"].max() == pd.Timestamp("1971-10-07")
    rus = v[v["iso3"] == "RUS"]
    assert (rus["ccode"] == 365).all() and rus["year"].min() == 1946  # USSR = Russia
    for iso3 in ("UKR", "BLR"):
        assert v.loc[v["iso3"] == iso3, "year"].min() == 1991
    deu = v[v["iso3"] == "DEU"]
    assert set(deu.loc[deu["year"] < 1990, "ccode"]) == {260}
    assert set(deu.loc[deu["year"] >= 1990, "ccode"]) == {255}


def _signatures(votes: pd.DataFrame) -> pd.DataFrame:
    """One row per roll call: year and a signature of its date and every state's vote."""
    v = votes.sort_values(["rcid", "ccode"])
    sig = (v["ccode"].astype(str) + ":" + v["vote"].astype(str)).groupby(v["rcid"]).agg(",".join)
    first = v.groupby("rcid")[["date", "year"]].first()
    return first.assign(sig=first["date"].dt.strftime("%Y-%m-%d") + "|" + sig)


@pytest.mark.slow  # reads a whole UNGA vote release
def test_releases_agree_where_they_overlap(voeten: pd.DataFrame, unvotes: pd.DataFrame) -> None:
    v = _signatures(voeten[voeten["year"] <= 2019])
    u = _signatures(unvotes)
    in_u = Counter(u["sig"])
    missing = Counter(v["sig"]) - in_u
    assert not missing, "Voeten roll calls not in unvotes with the same date and votes"
    extra = u[u["sig"].map(in_u - Counter(v["sig"])).fillna(0) > 0]
    # unvotes' surplus: separate paragraph/amendment votes of 1997-2013 and 2016-2017
    assert len(u) - len(v) == 419
    assert extra["year"].between(1997, 2017).all()
    same_years = sorted(set(range(1946, 2020)) - set(range(1997, 2014)) - {2016, 2017})
    n_v, n_u = v.groupby("year").size(), u.groupby("year").size()
    assert (n_v.reindex(same_years).dropna() == n_u.reindex(same_years).dropna()).all()


@pytest.mark.slow  # reads two full UN vote releases
def test_read_votes_one_release_per_year(raw: RawFiles, voeten: pd.DataFrame) -> None:
    combined = read_votes(raw, primary="unvotes")
    by_year = combined.groupby("year")["source"].agg(set)
    assert (by_year.loc[:2019] == {"unvotes"}).all()
    assert (by_year.loc[2020:] == {"voeten"}).all()
    assert not combined.duplicated(["rcid", "ccode"]).any()
    pd.testing.assert_frame_equal(read_votes(raw), voeten)
    with pytest.raises(ParameterError, match="'primary'"):
        read_votes(raw, primary="dataverse")


# --------------------------------------------------------------------- tables


def test_similarity_table(tables: dict[str, pd.DataFrame]) -> None:
    sim = tables["unga_similarity"]
    assert not sim.duplicated(["ccode1", "ccode2", "year"]).any()
    assert sim["year"].min() == 1946 and sim["year"].max() == 2023
    assert 1964 not in set(sim["year"])
    assert set(sim["iso3_1"]) == set(DYAD_STATES) == set(sim["iso3_2"])
    assert (sim.groupby("year").size().loc[1991:] == 15 * 14).all()
    assert sim.loc[sim["iso3_1"] == "CHN", "year"].min() == 1971
    assert sim.loc[sim["iso3_1"] == "UKR", "year"].min() == 1991
    assert (sim["n_votes"] > 0).all()
    # directed: both orders, same values
    rev = sim.rename(
        columns={"ccode1": "ccode2", "ccode2": "ccode1", "iso3_1": "iso3_2", "iso3_2": "iso3_1"}
    )
    keys = ["ccode1", "ccode2", "iso3_1", "iso3_2", "year"]
    both = sim.merge(rev, on=keys, validate="one_to_one")
    assert len(both) == len(sim)
    for col in ("agreement", "kappa", "pi", "s_abs", "s_sq", "agreement_important"):
        np.testing.assert_array_equal(both[f"{col}_x"], both[f"{col}_y"])
    row = sim[(sim["iso3_1"] == "RUS") & (sim["iso3_2"] == "CHN")].set_index("year")
    assert row.loc[2006, "n_votes"] == 85
    assert row.loc[2006, "agreement"] == pytest.approx(70 / 85)
    assert row.loc[2006, "s_abs"] == pytest.approx(0.811764705882)
    assert row.loc[2006, "n_important"] == 12
    important = sim.dropna(subset=["agreement_important"])
    assert important["year"].min() == 1983 and important["year"].max() == 2017


def test_ideal_points_table(tables: dict[str, pd.DataFrame]) -> None:
    ip = tables["unga_ideal_points"]
    assert len(ip) == 11_440 - 2 * 44  # Ukrainian and Byelorussian SSR seats 1946-1990 dropped
    assert ip["year"].min() == 1946 and ip["year"].max() == 2024
    assert not ip.duplicated(["ccode", "year"]).any()
    one = ip[ip["iso3"].isin(["CHN", "RUS", "USA"])].set_index(["iso3", "year"]).sort_index()
    # SOURCE.md: 2019 CHN -0.45, RUS 0.02, USA 2.57; 2024 values as published
    assert one.loc[("CHN", 2019), "ideal_fp"] == pytest.approx(-0.45, abs=0.005)
    assert one.loc[("RUS", 2019), "ideal_fp"] == pytest.approx(0.02, abs=0.005)
    assert one.loc[("USA", 2019), "ideal_fp"] == pytest.approx(2.57, abs=0.005)
    assert one.loc[("USA", 2024), "ideal_fp"] == pytest.approx(2.206202)
    assert one.loc[("RUS", 2024), "ideal_fp_q05"] == pytest.approx(-0.742624)
    assert one.loc[("CHN", 2024), "nvotes_fp"] == 100
    assert ip.loc[ip["year"] == 2024, "ideal_all"].isna().all()  # all-vote estimates end 2023
    assert ip.loc[ip["iso3"] == "UKR", "year"].min() == 1991
    assert ip.loc[ip["iso3"] == "CHN", "year"].min() == 1971
    fp = ip.dropna(subset=["ideal_fp"])
    assert ((fp["ideal_fp_q05"] <= fp["ideal_fp"]) & (fp["ideal_fp"] <= fp["ideal_fp_q95"])).all()


def test_idealpoint_distance_table(tables: dict[str, pd.DataFrame]) -> None:
    d = tables["unga_idealpoint_distance"]
    assert not d.duplicated(["ccode1", "ccode2", "year"]).any()
    assert d["year"].min() == 1946 and d["year"].max() == 2024
    assert set(d["iso3_1"]) <= set(DYAD_STATES)
    one = d.set_index(["iso3_1", "iso3_2", "year"])
    rus_usa = one.loc[("RUS", "USA", 2024), "distance_fp"]
    assert rus_usa == pytest.approx(2.206202 + 0.598485, abs=1e-6)
    assert one.loc[("USA", "RUS", 2024), "distance_fp"] == rus_usa
    chn_rus = one.loc[("CHN", "RUS", 2024), "distance_fp"]
    assert chn_rus == pytest.approx(0.853527 - 0.598485, abs=1e-6)
    assert (d["distance_fp"].dropna() >= 0).all()
    assert d[["distance_fp", "distance_all"]].notna().any(axis=1).all()


@pytest.mark.slow  # reads the whole ideal-point release
def test_ideal_points_reader_matches_table(raw: RawFiles, tables: dict[str, pd.DataFrame]) -> None:
    assert len(read_ideal_points(raw)) == len(tables["unga_ideal_points"])


# --------------------------------------------------------------------- bad input


def _copy(
    raw_root: Path, tmp_path: Path, source: str, name: str, n_lines: int | None = 300, edit=None
) -> Path:
    """Copy the head of a raw file into tmp_path/<folder>/, optionally editing its lines."""
    declared = RawFiles(raw_root, verify=False).source(source).file(name).path
    src, dst = raw_root / declared, tmp_path / declared
    dst.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(src, "rt", encoding="utf-8") as f:
        lines = [line for _, line in zip(range(n_lines), f, strict=False)] if n_lines else list(f)
    if edit:
        lines = edit(lines)
    with opener(dst, "wt", encoding="utf-8") as f:
        f.writelines(lines)
    return dst


def _set(line_no: int, old: str, new: str):
    """Edit of line ``line_no`` (1-based, header = 1): replace ``old`` by ``new``."""

    def edit(lines: list[str]) -> list[str]:
        assert old in lines[line_no - 1]
        lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
        return lines

    return edit


@pytest.mark.parametrize(
    ("edit", "match", "line", "column"),
    [
        (_set(1, "vote", "votes"), "expected column", None, "vote"),
        (_set(5, ",1\n", ",x\n"), "non-numeric value 'x'", 5, "vote"),
        (_set(6, ",1\n", ",8\n"), r"value 8 breaks isin\(\[1, 2, 3\]\)", 6, "vote"),
        (_set(7, "1001,70,", "1001,999,"), "unknown ccode 999", 7, "ccode"),
        (_set(8, "1001,90,", "1001,70,"), "duplicated key .*also at line 7", 8, None),
        (_set(9, "1946-01-01", "1946-13-01"), "not a YYYY-MM-DD date", 9, "date"),
    ],
)
def test_voeten_bad_input(
    raw_root: Path, tmp_path: Path, edit, match: str, line: int | None, column: str | None
) -> None:
    path = _copy(raw_root, tmp_path, SOURCE_VOETEN, VOETEN_VOTES, edit=edit)
    with pytest.raises(DataError, match=match) as exc:
        read_voeten_votes(RawFiles(tmp_path, verify=False))
    assert exc.value.path == str(path)
    assert exc.value.row == line and exc.value.column == column


def test_unvotes_bad_input(raw_root: Path, tmp_path: Path) -> None:
    _copy(raw_root, tmp_path, SOURCE_UNVOTES, UNVOTES_ROLL_CALLS, n_lines=None)
    raw = RawFiles(tmp_path, verify=False)
    cases = [
        (_set(4, "Cuba", "Atlantis"), "unknown country name 'Atlantis'", 4, "country"),
        (_set(5, ",yes", ",maybe"), "value 'maybe' breaks isin", 5, "vote"),
        (_set(6, "3,", "99999,"), "unknown rcid 99999", 6, "rcid"),
        (_set(7, "3,", "x,"), "non-numeric value 'x'", 7, "rcid"),
    ]
    for edit, match, line, column in cases:
        path = _copy(raw_root, tmp_path, SOURCE_UNVOTES, UNVOTES_VOTES, edit=edit)
        with pytest.raises(DataError, match=match) as exc:
            read_unvotes_votes(raw)
        assert exc.value.path == str(path)
        assert (exc.value.row, exc.value.column) == (line, column)


def test_unvotes_duplicate_vote(raw_root: Path, tmp_path: Path) -> None:
    _copy(raw_root, tmp_path, SOURCE_UNVOTES, UNVOTES_ROLL_CALLS, n_lines=None)
    path = _copy(
        raw_root, tmp_path, SOURCE_UNVOTES, UNVOTES_VOTES, edit=lambda lines: [*lines, lines[3]]
    )  # line 4 (Cuba) repeated as the last line
    with pytest.raises(DataError, match="duplicated key .*also at line 4") as exc:
        read_unvotes_votes(RawFiles(tmp_path, verify=False))
    assert exc.value.path == str(path) and exc.value.row == 301


@pytest.mark.parametrize(
    ("edit", "match", "line", "column"),
    [
        (_set(1, "idealpointfp", "ideal_fp"), "expected column", None, "idealpointfp"),
        (_set(3, ",1.626089,", ",n/a,"), "non-numeric value 'n/a'", 3, "idealpointfp"),
        (_set(4, "United States,1948", "United States,1947"), "duplicated key .*line 3", 4, None),
        (_set(5, "2,USA", "1,USA"), "unknown ccode 1", 5, "ccode"),
    ],
)
def test_ideal_points_bad_input(
    raw_root: Path, tmp_path: Path, edit, match: str, line: int | None, column: str | None
) -> None:
    path = _copy(raw_root, tmp_path, SOURCE_IDEAL, IDEAL_POINTS, n_lines=50, edit=edit)
    with pytest.raises(DataError, match=match) as exc:
        read_ideal_points(RawFiles(tmp_path, verify=False))
    assert exc.value.path == str(path)
    assert exc.value.row == line and exc.value.column == column


def test_hash_mismatch_is_caught(raw_root: Path, tmp_path: Path) -> None:
    shutil.copytree(
        raw_root / "unga_ideal_points_voeten",
        tmp_path / "unga_ideal_points_voeten",
        ignore=shutil.ignore_patterns("*.dta", "*.docx", "issue_specific*"),
    )
    target = tmp_path / "unga_ideal_points_voeten" / IDEAL_POINTS
    target.chmod(0o644)
    with open(target, "a", encoding="utf-8") as f:
        f.write("2,USA,United States,2025" + "," * 20 + "\n")
    with pytest.raises(DataError, match="SHA-256"):
        read_ideal_points(RawFiles(tmp_path))
