"""Hamilton's Markov-switching mean model, and how named periods line up with its regimes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

from balances.change._common import (
    SHORT_SERIES,
    _captured,
    _check_periods,
    _join,
    _yearly,
)
from balances.errors import ParameterError


def _longest_run(s: pd.Series) -> tuple[pd.Series, str]:
    """The longest run of consecutive years with values (the earliest if tied), and a note."""
    full = s.reindex(range(int(s.index.min()), int(s.index.max()) + 1)) if len(s) else s
    ok = np.isfinite(full.to_numpy())
    if not ok.any():
        return full.iloc[:0], ""
    edges = np.diff(np.r_[0, ok.astype(int), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    k = int(np.argmax(ends - starts))
    run = full.iloc[starts[k] : ends[k]]
    note = ""
    if len(run) < len(full):
        dropped = len(full) - len(run)
        note = (
            f"used the longest run of consecutive years with values {run.index[0]}-{run.index[-1]} "
            f"({len(run)} years); {dropped} year(s) of {full.index[0]}-{full.index[-1]} dropped "
            f"because they are missing or cut off by a missing year"
        )
    return run, note


def _spells(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of equal labels as (label, first index, last index)."""
    cut = np.flatnonzero(np.diff(labels)) + 1
    starts = np.r_[0, cut]
    ends = np.r_[cut, len(labels)] - 1
    return [(int(labels[a]), int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def markov_regimes(
    series: pd.Series,
    k_regimes: int = 2,
    switching_variance: bool = False,
    seed: int = 0,
    *,
    search_reps: int = 20,
) -> dict[str, Any]:
    """Markov-switching mean (Hamilton 1989) with regimes numbered by mean level.

    statsmodels ``MarkovRegression(y, k_regimes, trend="c")`` fitted by
    maximum likelihood three times: from regime means at evenly spaced
    quantiles of the series and from statsmodels' default starting values,
    each refined by ``search_reps`` seeded random starting points and EM
    steps, and from the quantile means straight to the optimiser (EM steps
    can fail when a regime collapses onto a few years). The fit with the
    highest likelihood is kept; a fit that fails is dropped and noted.
    Regimes are then relabelled so that regime 0 has the lowest mean, regime
    1 the next, and so on; probabilities, spells and parameters all use the
    new labels.

    A Markov chain needs consecutive years: the longest run of consecutive
    years with values is used and ``caution`` says what was dropped.

    Parameters
    ----------
    series
        Values indexed by integer year.
    k_regimes
        Number of regimes (at least 2).
    switching_variance
        Whether each regime has its own variance.
    seed
        Seed of the random starting points; the same seed gives the same fit.
    search_reps
        Number of random starting points.

    Returns
    -------
    dict
        ``result``
            The statsmodels results (original, unrelabelled regime numbers),
            or None when the series is too short to fit.
        ``probabilities``
            Smoothed regime probabilities, index ``year``, columns
            ``regime_0, regime_1, ...``.
        ``regimes``
            Spells of the most probable regime: ``regime, start, end,
            n_years, mean_level`` (the regime's estimated mean),
            ``observed_mean`` (the series' mean over the spell) and
            ``mean_probability`` (average smoothed probability of the regime
            over the spell).
        ``params``
            ``parameter, kind, regime, estimate, std_err``: transition
            probabilities ``p[i->j]`` (``regime`` = i; a probability implied
            by the others has no standard error), regime means, variance(s)
            and expected durations in years.
        ``caution``
            Small-sample, missing-data and convergence notes.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> s = pd.Series(np.r_[np.full(12, 3.0), np.zeros(22)] + rng.normal(0, 0.4, 34),
    ...               index=range(1991, 2025))
    >>> out = markov_regimes(s)
    >>> out["regimes"][["regime", "start", "end"]].values.tolist()
    [[1, 1991, 2002], [0, 2003, 2024]]
    """
    run, res, notes = _fit_markov(series, k_regimes, switching_variance, seed, search_reps)
    if res is None:
        return {**_no_regimes(k_regimes), "caution": _join(notes)}
    tables, more = _relabelled(res, run, k_regimes, switching_variance)
    return {"result": res, **tables, "caution": _join([*notes, *more])}


#: The columns of the ``regimes`` frame of :func:`markov_regimes`.
_SPELL_COLUMNS = [
    "regime",
    "start",
    "end",
    "n_years",
    "mean_level",
    "observed_mean",
    "mean_probability",
]


def _no_regimes(k_regimes: int) -> dict[str, Any]:
    """The result of :func:`markov_regimes` when nothing is estimated: empty frames."""
    names = [f"regime_{r}" for r in range(k_regimes)]
    return {
        "result": None,
        "probabilities": pd.DataFrame(columns=names, index=pd.Index([], name="year"), dtype=float),
        "regimes": pd.DataFrame(columns=_SPELL_COLUMNS),
        "params": pd.DataFrame(columns=["parameter", "kind", "regime", "estimate", "std_err"]),
    }


def _fit_markov(
    series: pd.Series, k_regimes: int, switching_variance: bool, seed: int, search_reps: int
) -> tuple[pd.Series, Any, list[str]]:
    """The longest run of consecutive years, the best fit on it (None if none) and the notes."""
    if not isinstance(k_regimes, int) or k_regimes < 2:
        raise ParameterError("k_regimes", k_regimes, "an integer >= 2")
    if not isinstance(search_reps, int) or search_reps < 0:
        raise ParameterError("search_reps", search_reps, "a non-negative integer")
    run, note = _longest_run(_yearly(series))
    n = len(run)
    notes = [note]
    if n < SHORT_SERIES:
        notes.append(f"{n} observations: regime estimates are indicative only")
    y = run.to_numpy()
    # transition probabilities, means, variance(s)
    k_params = k_regimes * (k_regimes - 1) + k_regimes + (k_regimes if switching_variance else 1)
    if n < 2 * k_params:
        notes.append(
            f"not estimated: {n} observations for {k_params} parameters (need {2 * k_params})"
        )
        return run, None, notes
    if np.ptp(y) == 0:
        notes.append("not estimated: the series is constant")
        return run, None, notes
    model = MarkovRegression(
        y, k_regimes=k_regimes, trend="c", switching_variance=switching_variance
    )
    res, fit_notes = _best_markov_fit(model, _starting_points(model, y, seed, search_reps))
    notes.extend(fit_notes)
    if res is None:
        return run, None, notes
    if not res.mle_retvals.get("converged", True):
        notes.append("the likelihood maximisation did not converge")
    sigma2 = np.asarray(res.params)[[p.startswith("sigma2") for p in model.param_names]]
    if np.any(sigma2 < 1e-6 * np.var(y)):
        notes.append(
            "a regime's variance collapsed to zero (a degenerate maximum of the likelihood): "
            "use fewer regimes or a common variance"
        )
    return run, res, notes


def _starting_points(
    model: MarkovRegression, y: np.ndarray, seed: int, search_reps: int
) -> dict[str, dict[str, Any]]:
    """The ``fit`` keyword arguments of each attempt, by a label for the notes."""
    k_regimes = model.k_regimes
    pnames = list(model.param_names)
    quantile_start = np.asarray(model.start_params, dtype=float)
    means = np.quantile(y, (np.arange(k_regimes) + 0.5) / k_regimes)
    for r in range(k_regimes):
        quantile_start[pnames.index(f"const[{r}]")] = means[r]
    # random search is in the untransformed space: mean in level units, sd for the variances
    scale = np.ones(model.k_params)
    for i, p in enumerate(pnames):
        if p.startswith("const"):
            scale[i] = 2 * float(np.std(y))
        elif p.startswith("sigma2"):
            scale[i] = float(np.std(y))
    search = {"search_reps": search_reps, "search_scale": scale, "rng": seed}
    return {
        "quantile means with random search": {"start_params": quantile_start, **search},
        "statsmodels' defaults with random search": {"start_params": None, **search},
        "quantile means without EM steps": {"start_params": quantile_start, "em_iter": 0},
    }


def _relabelled(
    res: Any, run: pd.Series, k_regimes: int, switching_variance: bool
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Probabilities, spells and parameters with regimes numbered by mean level, and a note."""
    pnames = list(res.model.param_names)
    y = run.to_numpy()
    names = [f"regime_{r}" for r in range(k_regimes)]
    level = np.array([res.params[pnames.index(f"const[{r}]")] for r in range(k_regimes)])
    order = np.argsort(level, kind="stable")  # order[new] = old
    years = run.index.to_numpy()
    probs = np.asarray(res.smoothed_marginal_probabilities)[:, order]
    probabilities = pd.DataFrame(probs, index=pd.Index(years, name="year"), columns=names)
    labels = probs.argmax(axis=1)
    spells = [
        {
            "regime": r,
            "start": int(years[a]),
            "end": int(years[b]),
            "n_years": b - a + 1,
            "mean_level": float(level[order[r]]),
            "observed_mean": float(y[a : b + 1].mean()),
            "mean_probability": float(probs[a : b + 1, r].mean()),
        }
        for r, a, b in _spells(labels)
    ]
    notes = []
    if len(set(labels)) < k_regimes:
        notes.append("some regime is never the most probable one: consider fewer regimes")
    tables = {
        "probabilities": probabilities,
        "regimes": pd.DataFrame(spells, columns=_SPELL_COLUMNS),
        "params": _tidy_params(res, pnames, order, switching_variance),
    }
    return tables, notes


def _best_markov_fit(
    model: MarkovRegression,
    attempts: Mapping[str, dict[str, Any]],
) -> tuple[Any, list[str]]:
    """Fit once per set of ``fit`` keyword arguments and keep the highest likelihood.

    A regime that collapses onto a few years can make statsmodels' EM step
    fail (singular matrices, NaN likelihood); such an attempt is dropped and
    noted, and the others may still succeed.
    """
    best, best_msgs, failed = None, [], []
    for label, kwargs in attempts.items():
        try:
            res, msgs = _captured(lambda kwargs=kwargs: model.fit(maxiter=500, **kwargs))
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            failed.append(f"fit from {label} failed ({type(exc).__name__}: {exc})")
            continue
        if not np.isfinite(res.llf):
            failed.append(f"fit from {label} gave a non-finite likelihood")
        elif best is None or res.llf > best.llf:
            best, best_msgs = res, msgs
    if best is None:
        return None, [*failed, "not estimated: no fit succeeded"]
    return best, [*best_msgs, *failed]


def _tidy_params(
    res: Any, pnames: list[str], order: np.ndarray, switching_variance: bool
) -> pd.DataFrame:
    """Markov-switching parameters in the relabelled numbering."""
    k = len(order)
    params = dict(zip(pnames, np.asarray(res.params), strict=True))
    bse = dict(zip(pnames, np.asarray(res.bse), strict=True))
    trans = np.asarray(res.regime_transition)[..., 0]  # [to, from]
    rows = []
    for i in range(k):
        for j in range(k):
            old = f"p[{order[i]}->{order[j]}]"
            rows.append(
                (f"p[{i}->{j}]", "transition", i, trans[order[j], order[i]], bse.get(old, np.nan))
            )
    for r in range(k):
        old = f"const[{order[r]}]"
        rows.append((f"const[{r}]", "mean", r, params[old], bse[old]))
    if switching_variance:
        for r in range(k):
            old = f"sigma2[{order[r]}]"
            rows.append((f"sigma2[{r}]", "variance", r, params[old], bse[old]))
    else:
        rows.append(("sigma2", "variance", np.nan, params["sigma2"], bse["sigma2"]))
    durations = np.asarray(res.expected_durations).ravel()
    for r in range(k):
        rows.append((f"duration[{r}]", "expected_duration", r, durations[order[r]], np.nan))
    out = pd.DataFrame(rows, columns=["parameter", "kind", "regime", "estimate", "std_err"])
    return out.astype({"regime": "Int64", "estimate": float, "std_err": float})


def compare_regimes_with_periods(
    regimes: pd.DataFrame, periods: Mapping[str, tuple[int, int]]
) -> pd.DataFrame:
    """Share of each named period's years spent in each regime, and the dominant regime.

    Parameters
    ----------
    regimes
        Spells with columns ``regime, start, end`` (the ``regimes`` frame of
        :func:`markov_regimes`).
    periods
        Name -> (first year, last year).

    Returns
    -------
    DataFrame
        One row per period: ``period, start, end, n_years`` (years of the
        period covered by a spell), ``share_regime_0, share_regime_1, ...``
        (shares of those years) and ``dominant_regime`` (the regime with the
        largest share, the lower-numbered one if tied; missing when no year
        of the period is covered).

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({"regime": [0, 1], "start": [1991, 2001], "end": [2000, 2024]})
    >>> out = compare_regimes_with_periods(spells, {"90s": (1991, 2000), "early": (1996, 2005)})
    >>> out[["share_regime_1", "dominant_regime"]].values.tolist()
    [[0.0, 0], [0.5, 0]]
    """
    _check_periods(periods)
    missing = {"regime", "start", "end"} - set(regimes.columns)
    if missing:
        raise ParameterError("regimes", sorted(missing), "a frame with columns regime, start, end")
    labels = regimes["regime"].astype(int)
    k = int(labels.max()) + 1 if len(labels) else 0
    years = np.concatenate(
        [
            np.arange(int(a), int(b) + 1)
            for a, b in zip(regimes["start"], regimes["end"], strict=True)
        ]
        or [np.array([], dtype=int)]
    )
    which = np.repeat(
        labels.to_numpy(), (regimes["end"] - regimes["start"] + 1).astype(int).to_numpy()
    )
    rows = []
    for name, (start, end) in periods.items():
        inside = (years >= int(start)) & (years <= int(end))
        counts = np.bincount(which[inside], minlength=k).astype(float)
        n = int(inside.sum())
        row: dict[str, Any] = {"period": name, "start": int(start), "end": int(end), "n_years": n}
        shares = counts / n if n else np.full(k, np.nan)
        row.update({f"share_regime_{r}": shares[r] for r in range(k)})
        row["dominant_regime"] = int(np.argmax(counts)) if n else pd.NA
        rows.append(row)
    cols = [
        "period",
        "start",
        "end",
        "n_years",
        *(f"share_regime_{r}" for r in range(k)),
        "dominant_regime",
    ]
    return pd.DataFrame(rows, columns=cols).astype({"dominant_regime": "Int64"})
