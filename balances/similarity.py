"""Foreign-policy similarity of states from roll-call votes, for every dyad at once.

Votes are coded 1 = yes, 2 = abstain, 3 = no; a state that was absent from a
roll call, or not a member, has no row (or a NaN vote). For one year the roll
calls x states matrix is one-hot encoded into three 0/1 matrices (yes, abstain,
no) and a single matrix product over the roll calls gives, for every pair of
states at once, the 3 x 3 joint distribution of their votes on the roll calls
where both voted. Every measure is a small function of that table, reached by
name through :data:`MEASURES`, so adding a measure is adding one entry.

Measures (``t`` is the 3 x 3 table of counts, ``p = t / n``, ``n`` the number
of roll calls both states voted on, ``r`` and ``c`` its row and column margins):

``agreement``
    Share of those roll calls on which the two voted the same way, three-valued
    (yes, abstain, no are distinct): ``trace(p)``. In [0, 1].
``kappa``
    Cohen's (1960) kappa, the agreement corrected for the agreement expected if
    each state voted at random with its own marginal distribution:
    ``(po - pe) / (1 - pe)`` with ``po = trace(p)``, ``pe = sum_k r_k c_k``.
    This is Häge's (2011) kappa with the nominal metric. In [-1, 1].
``pi``
    Scott's (1955) pi, the same correction with the two states' pooled margins:
    ``pe = sum_k ((r_k + c_k) / 2) ** 2`` (Häge 2011, nominal metric). In [-1, 1].
``s_abs``
    Signorino and Ritter's (1999) S with absolute distances on the ordinal
    yes (1) < abstain (2) < no (3) scale: ``1 - 2 * d / d_max`` with ``d`` the
    mean of ``|x - y|`` and ``d_max = 2`` the range of the scale. In [-1, 1].
    Voeten's dyadic "agreement score" (1 = same vote, 0.5 = one abstains,
    0 = opposite votes; Lijphart 1963) equals ``(1 + s_abs) / 2``.
``s_sq``
    S with squared distances: ``1 - 2 * d2 / d_max ** 2`` with ``d2`` the mean
    of ``(x - y) ** 2``. In [-1, 1].

kappa and pi are undefined (NaN) when both states cast every vote in the same
single category (``pe = 1``). A dyad with no roll call that both voted on in a
year has no row for that year.

The formulas follow the reference implementations in Steven V. Miller's
``fpsim`` R package (``srs()``, ``spi()``, ``cohenk()``), with two deliberate
differences: the S range is fixed at the full 1-3 scale instead of the range
observed in the two vectors, and kappa is the unweighted (nominal) kappa, not
``cohenk()``'s default squared-distance weighted kappa (Cohen 1968).

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
Psychological Measurement* 20(1): 37-46.
Häge, F. M. (2011). Choice or circumstance? Adjusting measures of foreign policy
similarity for chance agreement. *Political Analysis* 19(3): 287-305.
Lijphart, A. (1963). The analysis of bloc voting in the General Assembly.
*American Political Science Review* 57(4): 902-917.
Scott, W. A. (1955). Reliability of content analysis: the case of nominal scale
coding. *Public Opinion Quarterly* 19(3): 321-325.
Signorino, C. S. and J. M. Ritter (1999). Tau-b or not tau-b: measuring the
similarity of foreign policy positions. *International Studies Quarterly* 43(1): 115-144.

Examples
--------
>>> import pandas as pd
>>> votes = pd.DataFrame({
...     "rcid": [1, 1, 2, 2, 3, 3], "year": 2000, "ccode": [365, 710] * 3,
...     "iso3": ["RUS", "CHN"] * 3, "vote": [1, 1, 3, 2, 1, 1]})
>>> similarity(votes, measures=("agreement", "s_abs"), directed=False)
   year iso3_1 iso3_2  ccode1  ccode2  n_votes  agreement     s_abs
0  2000    RUS    CHN     365     710        3   0.666667  0.666667
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from balances.countries import is_known_iso3, to_iso3
from balances.errors import ParameterError

#: Vote codes, in the order of the rows and columns of the joint tables.
VOTE_CODES: tuple[int, int, int] = (1, 2, 3)
#: Largest distance between two votes on the ordinal 1-3 scale (yes vs no).
S_RANGE = 2.0

_CODES = np.asarray(VOTE_CODES, dtype=float)
_ABS_DIST = np.abs(_CODES[:, None] - _CODES[None, :])
_SQ_DIST = _ABS_DIST**2
_REQUIRED = ("rcid", "ccode", "vote")


def _n(t: np.ndarray) -> np.ndarray:
    """Number of roll calls of each joint table (3 x 3 x pairs counts)."""
    return t.sum(axis=(0, 1))


def _same(t: np.ndarray) -> np.ndarray:
    """Number of identical votes: the trace of each table."""
    return t[0, 0] + t[1, 1] + t[2, 2]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 (no shared roll call, or chance agreement certain)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _chance_corrected(t: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``(po - pe) / (1 - pe)`` in counts: ``expected = pe * n**2``, exact for integer tables."""
    n = _n(t)
    return _ratio(n * _same(t) - expected, n * n - expected)


def agreement(t: np.ndarray) -> np.ndarray:
    """Share of identical votes (yes, abstain, no distinct) where both voted."""
    return _ratio(_same(t), _n(t))


def kappa(t: np.ndarray) -> np.ndarray:
    """Cohen's kappa: agreement corrected for chance with each state's own margins."""
    return _chance_corrected(t, (t.sum(axis=1) * t.sum(axis=0)).sum(axis=0))


def pi(t: np.ndarray) -> np.ndarray:
    """Scott's pi: agreement corrected for chance with the two states' pooled margins."""
    pooled = (t.sum(axis=1) + t.sum(axis=0)) / 2.0
    return _chance_corrected(t, (pooled**2).sum(axis=0))


def s_abs(t: np.ndarray) -> np.ndarray:
    """Signorino-Ritter S with absolute distances on the 1-3 vote scale."""
    d = _ratio(np.einsum("klp,kl->p", t, _ABS_DIST), _n(t))
    return 1.0 - 2.0 * d / S_RANGE


def s_sq(t: np.ndarray) -> np.ndarray:
    """Signorino-Ritter S with squared distances on the 1-3 vote scale."""
    d2 = _ratio(np.einsum("klp,kl->p", t, _SQ_DIST), _n(t))
    return 1.0 - 2.0 * d2 / S_RANGE**2


#: Similarity measures by name: each maps joint vote tables (3 x 3 x pairs
#: array of counts, see :func:`joint_counts`) to one value per pair.
MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "agreement": agreement,
    "kappa": kappa,
    "pi": pi,
    "s_abs": s_abs,
    "s_sq": s_sq,
}


def _check_votes(votes: pd.DataFrame, required: Sequence[str]) -> None:
    if not isinstance(votes, pd.DataFrame):
        raise ParameterError("votes", type(votes).__name__, "a pandas DataFrame")
    missing = [c for c in required if c not in votes.columns]
    if missing:
        raise ParameterError(
            "votes",
            f"DataFrame without column(s) {missing}",
            f"a DataFrame with columns {list(required)} (one row per roll call and state)",
        )
    vote = pd.to_numeric(votes["vote"], errors="coerce")
    bad = ~vote.isin(VOTE_CODES) & (vote.notna() | votes["vote"].notna())
    if bad.any():
        raise ParameterError(
            "votes['vote']",
            votes["vote"].to_numpy()[bad.to_numpy()][0],
            "1 (yes), 2 (abstain), 3 (no), or NaN / no row for an absent state or non-member",
        )


def vote_matrix(votes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roll calls x states matrix of votes.

    Parameters
    ----------
    votes
        One row per roll call and state, with columns ``rcid``, ``ccode`` and
        ``vote`` (1 yes, 2 abstain, 3 no; NaN or no row = absent or not a member).

    Returns
    -------
    matrix : numpy.ndarray
        ``float64`` array of shape (roll calls, states): the vote codes, NaN
        where a state did not vote.
    rcids : numpy.ndarray
        Roll-call ids of the rows, sorted.
    states : numpy.ndarray
        COW codes of the columns, sorted.

    Raises
    ------
    ParameterError
        On a missing column, a vote code other than 1, 2, 3 or a roll call with
        two rows for the same state.

    Examples
    --------
    >>> import pandas as pd
    >>> m, rcids, states = vote_matrix(pd.DataFrame(
    ...     {"rcid": [7, 7, 8], "ccode": [2, 365, 2], "vote": [1, 3, 2]}))
    >>> m
    array([[ 1.,  3.],
           [ 2., nan]])
    """
    _check_votes(votes, _REQUIRED)
    if votes[["rcid", "ccode"]].isna().any().any():
        raise ParameterError("votes", "a row without rcid or ccode", "every row with both")
    rows, rcids = pd.factorize(votes["rcid"], sort=True)
    cols, states = pd.factorize(votes["ccode"], sort=True)
    cell = rows.astype(np.int64) * len(states) + cols
    filled = np.zeros(len(rcids) * len(states), dtype=bool)
    filled[cell] = True
    if filled.sum() != len(cell):
        first = votes[votes.duplicated(["rcid", "ccode"]).to_numpy()].iloc[0]
        raise ParameterError(
            "votes",
            f"two rows for rcid {first['rcid']} and ccode {first['ccode']}",
            "one row per roll call and state",
        )
    matrix = np.full((len(rcids), len(states)), np.nan)
    matrix[rows, cols] = pd.to_numeric(votes["vote"]).to_numpy(dtype=float)
    return matrix, np.asarray(rcids), np.asarray(states)


def joint_counts(matrix: np.ndarray) -> np.ndarray:
    """Joint vote tables of every pair of columns of a vote matrix.

    Parameters
    ----------
    matrix
        Roll calls x states, vote codes 1-3, NaN where a state did not vote.

    Returns
    -------
    numpy.ndarray
        Shape (3, 3, states, states): entry ``[k, l, i, j]`` counts the roll
        calls on which state ``i`` cast vote ``VOTE_CODES[k]`` and state ``j``
        cast ``VOTE_CODES[l]``. ``[:, :, i, j]`` is the table a measure takes.
    """
    n_rc, n_states = matrix.shape
    onehot = np.empty((n_rc, len(VOTE_CODES), n_states), dtype=np.float32)
    for k, code in enumerate(VOTE_CODES):
        np.equal(matrix, code, out=onehot[:, k, :])
    flat = onehot.reshape(n_rc, len(VOTE_CODES) * n_states)
    counts = flat.T @ flat  # float32 counts are exact up to 2**24 roll calls
    return counts.reshape(3, n_states, 3, n_states).transpose(0, 2, 1, 3)


def _check_measures(measures: Iterable[str]) -> list[str]:
    names = [measures] if isinstance(measures, str) else list(measures)
    unknown = [m for m in names if m not in MEASURES]
    if unknown or not names:
        raise ParameterError(
            "measures", unknown[0] if unknown else names, f"one or more of {sorted(MEASURES)}"
        )
    return names


def similarity(
    votes: pd.DataFrame,
    measures: Sequence[str] = ("agreement", "kappa"),
    states: Iterable[str] | None = None,
    *,
    directed: bool = True,
) -> pd.DataFrame:
    """Vote similarity of every dyad of states in every year.

    Parameters
    ----------
    votes
        One row per roll call and state with columns ``rcid``, ``year``,
        ``ccode``, ``vote`` (1 yes, 2 abstain, 3 no) and optionally ``iso3``
        (derived from ``ccode`` when absent), e.g. from
        :func:`balances.sources.unga.read_votes`.
    measures
        Names in :data:`MEASURES`.
    states
        ISO3 codes: only dyads among these states. Default: every state.
    directed
        Return both orders of each dyad (the package's dyad-year convention);
        otherwise each unordered dyad once, with ``ccode1 < ccode2``.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, iso3_1, iso3_2, ccode1, ccode2, n_votes`` and one
        column per measure; ``n_votes`` is the number of roll calls of the year
        on which both states voted. Dyads that never both voted in a year have
        no row for it.

    Raises
    ------
    ParameterError
        On bad votes (see :func:`vote_matrix`), a roll call dated in two years,
        an unknown measure or an unknown ISO3 code in ``states``.
    """
    names = _check_measures(measures)
    _check_votes(votes, (*_REQUIRED, "year"))
    if votes["year"].isna().any():
        raise ParameterError("votes", "a row without year", "a year on every row")
    votes = _votes_among(votes, states)
    matrix, rcids, ccodes = vote_matrix(votes)
    rc_year = votes.groupby("rcid")["year"].agg(["min", "max"]).reindex(rcids)
    if (rc_year["min"] != rc_year["max"]).any():
        rcid = rc_year.index[rc_year["min"] != rc_year["max"]][0]
        raise ParameterError("votes", f"roll call {rcid} dated in two years", "one year per rcid")
    iso3_of = votes.drop_duplicates("ccode").set_index("ccode")["iso3"].reindex(ccodes).to_numpy()
    years = rc_year["min"].to_numpy(dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("year", "i", "j", "n", *names)}
    for year in np.unique(years):
        i, j, n, values = _year_measures(matrix[years == year], names, directed)
        parts["year"].append(np.full(len(i), year))
        parts["i"].append(i)
        parts["j"].append(j)
        parts["n"].append(n)
        for name in names:
            parts[name].append(values[name])
    cat = {k: np.concatenate(v) if v else np.array([]) for k, v in parts.items()}
    i, j = cat["i"].astype(np.int64), cat["j"].astype(np.int64)
    return pd.DataFrame(
        {
            "year": cat["year"].astype(np.int64),
            "iso3_1": iso3_of[i],
            "iso3_2": iso3_of[j],
            "ccode1": ccodes[i].astype(np.int64),
            "ccode2": ccodes[j].astype(np.int64),
            "n_votes": cat["n"].astype(np.int64),
            **{name: cat[name].astype(float) for name in names},
        }
    )


def _votes_among(votes: pd.DataFrame, states: Iterable[str] | str | None) -> pd.DataFrame:
    """Votes cast, with ``iso3`` (from ``ccode`` if absent), only by ``states`` if given."""
    if "iso3" not in votes.columns:
        codes = pd.unique(votes["ccode"])
        votes = votes.assign(iso3=votes["ccode"].map(dict(zip(codes, to_iso3(codes), strict=True))))
    if states is not None:
        states = [states] if isinstance(states, str) else list(states)
        unknown = [s for s in states if not is_known_iso3(s)]
        if unknown:
            raise ParameterError("states", unknown[0], "ISO3 codes of states, e.g. RUS, CHN, USA")
        votes = votes[votes["iso3"].isin(states)]
    return votes[votes["vote"].notna()]


def _year_measures(
    block: np.ndarray, names: Sequence[str], directed: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One year's dyads that both voted: columns ``i, j`` of ``block``, shared votes, measures."""
    present = np.flatnonzero(~np.isnan(block).all(axis=0))
    i, j = np.triu_indices(len(present), k=1)
    table = joint_counts(block[:, present])[:, :, i, j].astype(np.float64)
    n = table.sum(axis=(0, 1))
    shared = n > 0  # pairs that both voted on at least one roll call
    table, n, i, j = table[:, :, shared], n[shared], present[i[shared]], present[j[shared]]
    values = {name: MEASURES[name](table) for name in names}
    if directed:  # every measure is symmetric: the reverse order repeats the values
        i, j, n = np.concatenate([i, j]), np.concatenate([j, i]), np.tile(n, 2)
        values = {name: np.tile(v, 2) for name, v in values.items()}
    return i, j, n, values


def dyad_similarity(
    votes: pd.DataFrame, a: str, b: str, measures: Sequence[str] = tuple(MEASURES)
) -> pd.DataFrame:
    """Vote similarity of one dyad, year by year.

    Parameters
    ----------
    votes
        As for :func:`similarity`.
    a, b
        ISO3 codes of the two states (e.g. ``"RUS"``, ``"CHN"``).
    measures
        Names in :data:`MEASURES`; all by default.

    Returns
    -------
    pandas.DataFrame
        One row per year in which both voted on at least one roll call:
        ``year, iso3_1, iso3_2, ccode1, ccode2, n_votes`` and the measures.
    """
    if a == b:
        raise ParameterError("b", b, f"a state other than a = {a!r}")
    sim = similarity(votes, measures, states=[a, b], directed=True)
    sim = sim[(sim["iso3_1"] == a) & (sim["iso3_2"] == b)]
    return sim.sort_values("year", kind="mergesort").reset_index(drop=True)


def ideal_point_distance(
    ideal_points: pd.DataFrame, a: str, b: str, column: str = "ideal_fp"
) -> pd.DataFrame:
    """Absolute distance between two states' UNGA ideal points, year by year.

    Parameters
    ----------
    ideal_points
        State-year table with ``iso3``, ``year`` and ``column``, e.g. the
        processed table ``unga_ideal_points``.
    a, b
        ISO3 codes of the two states.
    column
        The ideal-point estimate to compare (``ideal_fp``, ``ideal_all`` or
        ``ideal_legacy`` in ``unga_ideal_points``).

    Returns
    -------
    pandas.DataFrame
        ``year, iso3_1, iso3_2, distance`` for the years in which both states
        have an estimate; ``distance = |ideal(a) - ideal(b)|``, in ideal-point
        units (one standard deviation of all states' ideal points).
    """
    for col in ("iso3", "year", column):
        if col not in ideal_points.columns:
            raise ParameterError(
                "ideal_points",
                f"DataFrame without column {col!r}",
                f"a state-year table with iso3, year and {column!r}",
            )
    if a == b:
        raise ParameterError("b", b, f"a state other than a = {a!r}")
    rows = ideal_points.loc[
        ideal_points["iso3"].isin([a, b]) & ideal_points[column].notna(), ["iso3", "year", column]
    ]
    if rows.duplicated(["iso3", "year"]).any():
        dup = rows[rows.duplicated(["iso3", "year"])].iloc[0]
        raise ParameterError(
            "ideal_points",
            f"two {column!r} estimates for {dup['iso3']} in {dup['year']}",
            "one estimate per state and year",
        )
    wide = rows.pivot(index="year", columns="iso3", values=column).dropna()
    if a not in wide or b not in wide:
        return pd.DataFrame(
            {
                "year": pd.Series(dtype="int64"),
                "iso3_1": pd.Series(dtype=object),
                "iso3_2": pd.Series(dtype=object),
                "distance": pd.Series(dtype=float),
            }
        )
    return pd.DataFrame(
        {
            "year": wide.index.astype("int64"),
            "iso3_1": a,
            "iso3_2": b,
            "distance": (wide[a] - wide[b]).abs().to_numpy(),
        }
    )
