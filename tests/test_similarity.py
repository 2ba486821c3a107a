"""Tests of balances.similarity: hand-worked values, properties, real UNGA values, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balances.errors import ParameterError
from balances.similarity import (
    MEASURES,
    dyad_similarity,
    ideal_point_distance,
    joint_counts,
    similarity,
    vote_matrix,
)

A, B = 2, 365  # two COW codes for synthetic dyads (USA, RUS)


def frame(x: list[float | None], y: list[float | None], year: int = 2000) -> pd.DataFrame:
    """Votes of states A and B on roll calls 0..n-1 (None = absent: no row)."""
    rows = [
        (r, year, c, v) for c, vec in ((A, x), (B, y)) for r, v in enumerate(vec) if v is not None
    ]
    return pd.DataFrame(rows, columns=["rcid", "year", "ccode", "vote"])


def scores(x: list[float | None], y: list[float | None]) -> pd.Series:
    """All measures for the ordered dyad (A, B); empty Series if they never both voted."""
    sim = similarity(frame(x, y), measures=tuple(MEASURES))
    row = sim[(sim["ccode1"] == A) & (sim["ccode2"] == B)]
    return row.iloc[0] if len(row) else pd.Series(dtype=float)


# --------------------------------------------------------------------- hand-worked values


def test_hand_worked_example() -> None:
    # x = yes yes no, y = yes abstain yes: same vote once; |d| = 0,1,2; d^2 = 0,1,4
    s = scores([1, 1, 3], [1, 2, 1])
    assert s["n_votes"] == 3
    assert s["agreement"] == pytest.approx(1 / 3)
    assert s["s_abs"] == pytest.approx(1 - 2 * (3 / 3) / 2)  # 0
    assert s["s_sq"] == pytest.approx(1 - 2 * (5 / 3) / 4)  # 1/6
    # kappa: margins x (2/3, 0, 1/3), y (2/3, 1/3, 0): pe = 4/9
    assert s["kappa"] == pytest.approx((1 / 3 - 4 / 9) / (1 - 4 / 9))  # -0.2
    # pi: pooled margins (2/3, 1/6, 1/6): pe = 1/2
    assert s["pi"] == pytest.approx((1 / 3 - 1 / 2) / (1 - 1 / 2))  # -1/3


def test_absences_are_ignored_not_counted_as_disagreement() -> None:
    s = scores([1, None, 3, 2], [1, 3, None, 2])
    assert s["n_votes"] == 2
    assert s["agreement"] == 1.0


def test_no_shared_roll_call_gives_no_row() -> None:
    assert scores([1, None], [None, 1]).empty


def test_vote_matrix_and_joint_counts() -> None:
    m, rcids, states = vote_matrix(frame([1, 3, None], [1, 2, 2]))
    assert rcids.tolist() == [0, 1, 2] and states.tolist() == [A, B]
    np.testing.assert_array_equal(m, [[1, 1], [3, 2], [np.nan, 2]])
    t = joint_counts(m)
    assert t.shape == (3, 3, 2, 2)
    expected = np.zeros((3, 3))
    expected[0, 0] = expected[2, 1] = 1  # yes/yes, no/abstain
    np.testing.assert_array_equal(t[:, :, 0, 1], expected)
    np.testing.assert_array_equal(t[:, :, 1, 0], expected.T)


def test_directed_and_undirected_outputs() -> None:
    votes = pd.concat(
        [
            frame([1, 2], [1, 3]),
            pd.DataFrame({"rcid": [0, 1], "year": 2000, "ccode": [710, 710], "vote": [3, 3]}),
        ]
    )
    directed = similarity(votes, measures=("agreement",))
    undirected = similarity(votes, measures=("agreement",), directed=False)
    assert len(directed) == 6 and len(undirected) == 3
    assert (undirected["ccode1"] < undirected["ccode2"]).all()
    assert set(directed["iso3_1"]) == {"USA", "RUS", "CHN"}  # iso3 derived from ccode


# --------------------------------------------------------------------- properties

vote = st.sampled_from([1, 2, 3, None])
pairs = st.lists(st.tuples(vote, vote), min_size=1, max_size=60)


def _split(p: list[tuple]) -> tuple[list, list]:
    return [a for a, _ in p], [b for _, b in p]


@settings(deadline=None)  # examples: the profile (conftest.py)
@given(pairs)
def test_symmetric(p: list[tuple]) -> None:
    x, y = _split(p)
    pd.testing.assert_series_equal(scores(x, y), scores(y, x), check_names=False)


@settings(deadline=None)  # examples: the profile (conftest.py)
@given(st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=60))
def test_identical_votes_score_one(x: list[int]) -> None:
    s = scores(x, x)
    assert s["agreement"] == s["s_abs"] == s["s_sq"] == 1.0
    if len(set(x)) == 1:  # one category only: chance agreement is certain, kappa undefined
        assert np.isnan(s["kappa"]) and np.isnan(s["pi"])
    else:
        assert s["kappa"] == pytest.approx(1.0) and s["pi"] == pytest.approx(1.0)


@settings(deadline=None)  # examples: the profile (conftest.py)
@given(pairs, st.permutations([1, 2, 3]))
def test_kappa_pi_invariant_to_relabelling(p: list[tuple], perm: list[int]) -> None:
    x, y = _split(p)
    relabel = dict(zip([1, 2, 3], perm, strict=True))
    x2 = [None if v is None else relabel[v] for v in x]
    y2 = [None if v is None else relabel[v] for v in y]
    a, b = scores(x, y), scores(x2, y2)
    assert a.empty == b.empty
    for name in ("agreement", "kappa", "pi"):
        if not a.empty:
            assert a[name] == pytest.approx(b[name], nan_ok=True)


@settings(deadline=None)  # examples: the profile (conftest.py)
@given(pairs)
def test_bounds(p: list[tuple]) -> None:
    s = scores(*_split(p))
    if s.empty:
        return
    assert 0.0 <= s["agreement"] <= 1.0
    for name in ("kappa", "pi", "s_abs", "s_sq"):
        assert np.isnan(s[name]) or -1.0 - 1e-12 <= s[name] <= 1.0 + 1e-12
    # pooled margins give pe(pi) >= pe(kappa), hence kappa >= pi
    assert s["kappa"] >= s["pi"] - 1e-12 or np.isnan(s["kappa"])


# --------------------------------------------------------------------- real UNGA votes


@pytest.fixture(scope="module")
def votes(raw_root: Path) -> pd.DataFrame:
    from balances.sources.raw import RawFiles
    from balances.sources.unga import read_votes

    return read_votes(RawFiles(raw_root))


@pytest.fixture(scope="module")
def rus() -> pd.DataFrame:
    """Russia's agreement with China and the US in the committed table (the slow tests below and
    tests/test_build.py's rebuild tie it to the votes)."""
    from balances.data import load_table

    t = load_table("unga_similarity")
    both = t[(t["iso3_1"] == "RUS") & t["iso3_2"].isin(["CHN", "USA"])]
    return both.pivot(index="year", columns="iso3_2", values="agreement")


def test_russia_china_agreement_2006(rus: pd.DataFrame) -> None:
    # 70 of the 85 roll calls of 2006 on which both voted (SOURCE.md: RU-CN 0.77 in 2005-09)
    assert rus.loc[2006, "CHN"] == pytest.approx(0.8235, abs=1e-4)


def test_russia_closer_to_china_than_to_us_2000_2019(rus: pd.DataFrame) -> None:
    years = range(2000, 2020)
    assert (rus.loc[years, "CHN"] > 0.65).all(), rus.loc[years, "CHN"]
    assert (rus.loc[years, "USA"] < 0.40).all(), rus.loc[years, "USA"]


@pytest.mark.slow  # reads every UNGA roll call
def test_one_dyad_year_recomputed_by_a_plain_loop(votes: pd.DataFrame) -> None:
    year = votes[votes["year"] == 2014]
    rus = dict(
        zip(
            year.loc[year["iso3"] == "RUS", "rcid"],
            year.loc[year["iso3"] == "RUS", "vote"],
            strict=True,
        )
    )
    chn = dict(
        zip(
            year.loc[year["iso3"] == "CHN", "rcid"],
            year.loc[year["iso3"] == "CHN", "vote"],
            strict=True,
        )
    )
    shared = [r for r in rus if r in chn]
    same = sum(1 for r in shared if rus[r] == chn[r])
    dist = sum(abs(rus[r] - chn[r]) for r in shared)
    share_r = {k: sum(1 for r in shared if rus[r] == k) / len(shared) for k in (1, 2, 3)}
    share_c = {k: sum(1 for r in shared if chn[r] == k) / len(shared) for k in (1, 2, 3)}
    pe = sum(share_r[k] * share_c[k] for k in (1, 2, 3))
    po = same / len(shared)
    row = dyad_similarity(votes, "RUS", "CHN").set_index("year").loc[2014]
    assert row["n_votes"] == len(shared)
    assert row["agreement"] == pytest.approx(po, abs=1e-12)
    assert row["kappa"] == pytest.approx((po - pe) / (1 - pe), abs=1e-12)
    assert row["s_abs"] == pytest.approx(1 - 2 * dist / len(shared) / 2, abs=1e-12)


@pytest.mark.slow  # reads every UNGA roll call
def test_all_dyads_match_the_single_dyad_path(votes: pd.DataFrame) -> None:
    all_2019 = similarity(votes[votes["year"] == 2019], measures=("agreement", "kappa"))
    one = dyad_similarity(votes, "CHN", "USA", measures=("agreement", "kappa")).set_index("year")
    row = all_2019[(all_2019["iso3_1"] == "CHN") & (all_2019["iso3_2"] == "USA")].iloc[0]
    assert row["agreement"] == one.loc[2019, "agreement"]
    assert row["kappa"] == one.loc[2019, "kappa"]
    assert len(all_2019) == 193 * 192  # every UN member voted in 2019


def test_ideal_point_distance() -> None:
    ip = pd.DataFrame(
        {
            "iso3": ["RUS", "USA", "RUS", "USA", "CHN"],
            "year": [2024, 2024, 2023, 2023, 2024],
            "ideal_fp": [-0.598485, 2.206202, -0.5, np.nan, -0.853527],
        }
    )
    d = ideal_point_distance(ip, "RUS", "USA")
    assert d["year"].tolist() == [2024]  # 2023: no US estimate -> no row
    assert d["distance"].iloc[0] == pytest.approx(2.804687)


# --------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("votes", "match"),
    [
        (frame([1], [1]).drop(columns="vote"), "without column"),
        (frame([1], [8]), "1 \\(yes\\), 2 \\(abstain\\), 3 \\(no\\)"),
        (frame([1], [1]).astype({"vote": object}).assign(vote=["yes", "no"]), "'yes'"),
        (pd.concat([frame([1], [1]), frame([2], [1])]), "two rows for rcid 0"),
        (pd.concat([frame([1], [1]), frame([1], [1], year=2001)]), "two rows for rcid 0"),
        (frame([1, 1], [1, 1]).assign(year=[2000, 2000, 2001, 2001]), "dated in two years"),
        (frame([1], [1]).assign(year=[2000, None]), "without year"),
    ],
)
def test_bad_votes_raise(votes: pd.DataFrame, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        similarity(votes)


def test_bad_parameters_raise() -> None:
    votes = frame([1, 2], [1, 3])
    with pytest.raises(ParameterError, match="'measures' = 'tau_b'"):
        similarity(votes, measures=("agreement", "tau_b"))
    with pytest.raises(ParameterError, match="'states' = 'XXX'"):
        similarity(votes, states=["USA", "XXX"])
    with pytest.raises(ParameterError, match="a state other than"):
        dyad_similarity(votes, "USA", "USA")
    with pytest.raises(ParameterError, match="without column 'ideal_fp'"):
        ideal_point_distance(pd.DataFrame({"iso3": ["USA"], "year": [2000]}), "USA", "RUS")
    dup = pd.DataFrame({"iso3": ["USA", "USA", "RUS"], "year": 2000, "ideal_fp": [1.0, 2.0, 0.0]})
    with pytest.raises(ParameterError, match="two 'ideal_fp' estimates for USA"):
        ideal_point_distance(dup, "USA", "RUS")
