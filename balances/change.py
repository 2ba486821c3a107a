"""Statistics of change on a yearly series: trends, breaks, regimes, gaps.

Every function takes a :class:`pandas.Series` indexed by integer year (float
values, NaN allowed where a year has no value) and returns tidy frames, plus
the statsmodels result where a user may want it. Nothing prints: warnings that
statsmodels or numpy raise while fitting are captured and reported in a
``caution`` text, next to the small-sample caveats that matter on a series of
about 34 annual observations.

``trend_by_period``
    Linear trend per named period, Newey-West (HAC) standard errors.
``chow_tests``
    Chow F test of a change in intercept and slope at given break years.
``unknown_break``
    Andrews' (1993) sup-F over all candidate break years, with a bootstrap
    p-value, and the OLS-residual CUSUM test (Ploberger and Krämer 1992).
``markov_regimes``
    Hamilton's Markov-switching mean model, regimes numbered by mean level.
``compare_regimes_with_periods``
    How named periods line up with the estimated regimes.
``residual_gap`` and ``lagged_correlations``
    The outcome above or below what lagged drivers predict (the "gap", as in
    the Lowy Institute Asia Power Index's power gap), and lagged correlations.

All tests of a linear trend use ``value = a + b * year``; a break year is the
first year of the new regime.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import signal, stats
from statsmodels.stats.diagnostic import breaks_cusumolsresid
from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

from balances.errors import ParameterError

__all__ = [
    "KO_BREAKS",
    "LATER_BREAKS",
    "chow_tests",
    "compare_regimes_with_periods",
    "detrend",
    "hac_maxlags",
    "hac_trend",
    "permutation_slope_p",
    "r2_on_year",
    "lagged_correlations",
    "markov_regimes",
    "residual_gap",
    "trend_by_period",
    "unknown_break",
]

#: Ko's break years in China-Russia relations (first year of the new phase).
KO_BREAKS: tuple[int, ...] = (1996, 2001, 2003)
#: Later candidate breaks: Georgia and the financial crisis, Crimea, Ukraine.
LATER_BREAKS: tuple[int, ...] = (2008, 2014, 2022)

#: Parameters of a linear trend (intercept, slope).
K_TREND = 2
#: Below this many observations HAC standard errors are flagged as unreliable.
SMALL_N = 10
#: Below this many observations regime and break estimates are flagged.
SHORT_SERIES = 40
#: Below this many observations no asymptotic p-value is reported: a trend's
#: p-value comes from the exact permutation distribution of the slope instead.
MIN_ASYMPTOTIC = 8
#: How a series is made free of its trend before a break test.
TRANSFORMS = ("difference", "detrend", "none")

T = TypeVar("T")


# --------------------------------------------------------------------------- helpers


def _yearly(series: pd.Series, name: str = "series") -> pd.Series:
    """Check a yearly series and return it as float, sorted by integer year, NaNs kept."""
    if not isinstance(series, pd.Series):
        raise ParameterError(name, type(series).__name__, "a pandas Series indexed by year")
    index = pd.Index(series.index)
    if len(index) and not pd.api.types.is_integer_dtype(index):
        as_num = pd.to_numeric(pd.Series(index), errors="coerce")
        if as_num.isna().any() or not np.all(np.mod(as_num.to_numpy(float), 1) == 0):
            raise ParameterError(f"{name}.index", list(index[:3]), "integer years")
        index = pd.Index(as_num.astype(int))
    if index.has_duplicates:
        dup = sorted(set(index[index.duplicated()]))
        raise ParameterError(f"{name}.index", dup[:5], "each year at most once")
    try:
        values = pd.to_numeric(pd.Series(series.to_numpy(), index=index), errors="raise")
    except (TypeError, ValueError) as exc:
        raise ParameterError(name, series.dtype, "numeric values") from exc
    out = values.astype(float).sort_index()
    out.index = out.index.astype(int)
    out.index.name = "year"
    out.name = series.name
    return out


def _observed(series: pd.Series, name: str = "series") -> pd.Series:
    """The finite values of a yearly series, sorted by year."""
    s = _yearly(series, name)
    return s[np.isfinite(s.to_numpy())]


def _captured(fn: Callable[[], T]) -> tuple[T, list[str]]:
    """Run ``fn`` and return its value with the distinct warning messages it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    messages: list[str] = []
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}"
        if text not in messages:
            messages.append(text)
    return value, messages


def _join(notes: Iterable[str]) -> str:
    return "; ".join(n for n in notes if n)


def hac_maxlags(n: int) -> int:
    """Newey-West (1994) rule of thumb for the HAC lag truncation, at least 1.

    ``floor(4 * (n / 100) ** (2 / 9))``.

    Examples
    --------
    >>> hac_maxlags(34), hac_maxlags(100), hac_maxlags(5)
    (3, 4, 2)
    """
    return max(1, math.floor(4 * (n / 100) ** (2 / 9)))


def _hac_ols(
    y: np.ndarray | pd.Series, x: np.ndarray | pd.DataFrame, maxlags: int | None
) -> tuple[Any, list[str]]:
    """OLS with Newey-West standard errors (small-sample corrected, t reference)."""
    lags = hac_maxlags(len(y)) if maxlags is None else maxlags
    return _captured(
        lambda: sm.OLS(y, x).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
        )
    )


def _check_periods(periods: Mapping[str, tuple[int, int]]) -> None:
    if not isinstance(periods, Mapping):
        raise ParameterError("periods", type(periods).__name__, "a mapping name -> (start, end)")
    for name, bounds in periods.items():
        try:
            start, end = (int(b) for b in bounds)
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"periods[{name!r}]", bounds, "a (start, end) pair of years"
            ) from exc
        if start > end:
            raise ParameterError(f"periods[{name!r}]", bounds, "start <= end")


def _rss_trend(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Residual sum of squares of ``y ~ 1 + t`` along the last axis (vectorised).

    ``y`` has shape ``(..., m)``; the closed form of simple regression on
    centred data keeps this exact and cheap for thousands of bootstrap draws.
    """
    tc = t - t.mean()
    yc = y - y.mean(axis=-1, keepdims=True)
    rss = (yc**2).sum(axis=-1) - (yc @ tc) ** 2 / (tc @ tc)
    return np.maximum(rss, 0.0)


def _chow_f(t: np.ndarray, y: np.ndarray, splits: np.ndarray) -> np.ndarray:
    """Chow F for each split index (first index of the new regime): shape ``(..., len(splits))``."""
    n = t.size
    pooled = _rss_trend(t, y)
    out = np.empty((*y.shape[:-1], len(splits)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, i in enumerate(splits):
            split = _rss_trend(t[:i], y[..., :i]) + _rss_trend(t[i:], y[..., i:])
            out[..., j] = ((pooled - split) / K_TREND) / (split / (n - 2 * K_TREND))
    return out


# --------------------------------------------------------------------------- trends


def r2_on_year(series: pd.Series) -> float:
    """Share of a yearly series' variance that a straight line in the year explains.

    A score with R² near 1 mostly measures time: any other trending series will
    "explain" it. NaN with fewer than 3 observed years or a constant series.

    Examples
    --------
    >>> import pandas as pd
    >>> round(r2_on_year(pd.Series([1.0, 2.0, 3.0, 4.5], index=range(2000, 2004))), 3)
    0.989
    """
    obs = _observed(series)
    if len(obs) < K_TREND + 1 or np.ptp(obs.to_numpy()) == 0:
        return float("nan")
    t, y = obs.index.to_numpy(float), obs.to_numpy()
    resid = _trend_resid(t, y)
    return float(1 - resid @ resid / ((y - y.mean()) @ (y - y.mean())))


def detrend(series: pd.Series, how: str = "difference") -> pd.Series:
    """The series without its trend: first differences, or residuals of a linear trend.

    ``difference`` returns ``y[t] - y[t-1]`` for consecutive observed years (a
    gap leaves the later year missing); ``detrend`` the residuals of OLS on the
    year; ``none`` the observed series.
    """
    if how not in TRANSFORMS:
        raise ParameterError("transform", how, f"one of {TRANSFORMS}")
    obs = _observed(series)
    if how == "none":
        return obs
    if how == "difference":
        full = (
            obs.reindex(range(int(obs.index.min()), int(obs.index.max()) + 1)) if len(obs) else obs
        )
        return full.diff().dropna().rename(obs.name)
    t = obs.index.to_numpy(float)
    return pd.Series(_trend_resid(t, obs.to_numpy()), index=obs.index, name=obs.name)


def permutation_slope_p(
    t: np.ndarray, y: np.ndarray, *, n_perm: int = 9999, seed: int = 0
) -> float:
    """Two-sided permutation p-value of an OLS slope: exact (all orderings) for n <= 8.

    Under the null of no trend every ordering of the values over the years is
    equally likely; the p-value is the share of orderings whose slope is at least
    as large in absolute value. For n > 8, ``n_perm`` random orderings (plus the
    observed one).

    Examples
    --------
    >>> import numpy as np
    >>> round(permutation_slope_p(np.arange(5.0), np.array([1.0, 2, 3, 4, 5])), 4)  # 2 of 120
    0.0167
    """
    tc = t - t.mean()
    obs = abs(float(tc @ (y - y.mean())))
    n = len(y)
    if n <= 8:
        perms = np.array(list(itertools.permutations(range(n))))
        stats_ = np.abs((y[perms] - y.mean()) @ tc)
        return float(np.mean(stats_ >= obs - 1e-12))
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(y, (n_perm, 1)), axis=1)
    stats_ = np.abs((perms - y.mean()) @ tc)
    return float((1 + np.sum(stats_ >= obs - 1e-12)) / (n_perm + 1))


def hac_trend(
    series: pd.Series, maxlags: int | None = None, *, alpha: float = 0.05
) -> dict[str, Any]:
    """The package's one linear-trend test: OLS on the year with Newey-West errors.

    Returns ``n, slope, se, p_value, ci_low, ci_high, r2, p_method, caution``. With
    fewer than :data:`MIN_ASYMPTOTIC` observations the p-value is the exact
    permutation p-value (:func:`permutation_slope_p`), never an asymptotic one,
    and the interval is left missing.
    """
    out = (
        trend_by_period(series, {"all": (-(10**6), 10**6)}, maxlags, alpha=alpha).iloc[0].to_dict()
    )
    out.pop("period"), out.pop("start"), out.pop("end")
    out["r2"] = r2_on_year(series)
    notes = [c for c in str(out["caution"]).split("; ") if c and not c.startswith("data cover")]
    out["caution"] = _join(notes)
    return out


def trend_by_period(
    series: pd.Series,
    periods: Mapping[str, tuple[int, int]],
    maxlags: int | None = None,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Linear trend of a yearly series in each named period, with HAC standard errors.

    OLS of value on year within each period (both ends included, missing years
    dropped), with Newey-West standard errors: Bartlett kernel, ``maxlags`` lags
    (default :func:`hac_maxlags` of the period's ``n``), the ``n / (n - 2)``
    small-sample correction, and t(n - 2) reference distribution.

    Parameters
    ----------
    series
        Values indexed by integer year.
    periods
        Name -> (first year, last year).
    maxlags
        HAC lag truncation used for every period; ``None`` for the rule of thumb.
    alpha
        The confidence interval is ``1 - alpha``.

    Returns
    -------
    DataFrame
        One row per period, in the order given: ``period, start, end, n, slope,
        se, t, p_value, ci_low, ci_high, caution``. Periods with fewer than 3
        observations keep their row with NaN estimates; ``caution`` says why
        (empty string when there is nothing to say).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([1.0, 2.1, 2.9, 4.2, 5.0, 5.9, 7.1, 8.0, 9.1, 9.9, 11.0, 12.1],
    ...               index=range(2000, 2012))
    >>> out = trend_by_period(s, {"all": (2000, 2011), "tiny": (2000, 2001)})
    >>> round(float(out.loc[0, "slope"]), 2), out.loc[1, "caution"]
    (1.0, 'n = 2 < 3: not estimated')
    """
    if maxlags is not None and (not isinstance(maxlags, int) or maxlags < 0):
        raise ParameterError("maxlags", maxlags, "None or a non-negative integer")
    if not 0 < alpha < 1:
        raise ParameterError("alpha", alpha, "a level in (0, 1)")
    _check_periods(periods)
    obs = _observed(series)
    rows = []
    for name, (start, end) in periods.items():
        start, end = int(start), int(end)
        seg = obs[(obs.index >= start) & (obs.index <= end)]
        n = len(seg)
        row: dict[str, Any] = {"period": name, "start": start, "end": end, "n": n}
        row.update(dict.fromkeys(("slope", "se", "t", "p_value", "ci_low", "ci_high"), np.nan))
        row["p_method"] = ""
        notes = []
        if n and (seg.index.min() > start or seg.index.max() < end):
            notes.append(f"data cover {seg.index.min()}-{seg.index.max()} only")
        if n < K_TREND + 1:
            notes.append(f"n = {n} < {K_TREND + 1}: not estimated")
        else:
            x = sm.add_constant(seg.index.to_numpy(float))
            res, msgs = _hac_ols(seg.to_numpy(), x, maxlags)
            ci = res.conf_int(alpha=alpha)[1]
            row.update(
                slope=res.params[1],
                se=res.bse[1],
                t=res.tvalues[1],
                p_value=res.pvalues[1],
                ci_low=ci[0],
                ci_high=ci[1],
            )
            row["p_method"] = "HAC t"
            if n < MIN_ASYMPTOTIC:
                row.update(
                    p_value=permutation_slope_p(seg.index.to_numpy(float), seg.to_numpy()),
                    se=np.nan,
                    t=np.nan,
                    ci_low=np.nan,
                    ci_high=np.nan,
                    p_method="exact permutation",
                )
                notes.append(
                    f"n = {n} < {MIN_ASYMPTOTIC}: exact permutation p-value of the slope "
                    "(no asymptotic test on so few points)"
                )
            elif n < SMALL_N:
                notes.append(
                    f"n < {SMALL_N}: HAC standard errors are unreliable in samples this small"
                )
            notes.extend(msgs)
        row["caution"] = _join(notes)
        rows.append(row)
    cols = [
        "period",
        "start",
        "end",
        "n",
        "slope",
        "se",
        "t",
        "p_value",
        "p_method",
        "ci_low",
        "ci_high",
        "caution",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- known breaks


def chow_tests(series: pd.Series, breaks: Iterable[int] = KO_BREAKS + LATER_BREAKS) -> pd.DataFrame:
    """Chow F test of a change in intercept and slope of a linear trend at each break year.

    For a break year ``b`` the years before ``b`` and the years from ``b`` on
    each get their own line; ``F = ((RSS_p - RSS_1 - RSS_2) / k) /
    ((RSS_1 + RSS_2) / (n - 2k))`` with ``k = 2`` is referred to F(k, n - 2k).
    The test assumes serially uncorrelated, homoskedastic errors, which yearly
    indices rarely are: autocorrelation makes it reject too often, so read the
    p-values as descriptive (:func:`unknown_break` gives a bootstrap p-value
    that allows for AR(1) errors).

    Parameters
    ----------
    series
        Values indexed by integer year; NaNs are dropped.
    breaks
        Candidate break years, each the first year of the new regime. The
        default is Ko's 1996, 2001, 2003 and then 2008, 2014, 2022.

    Returns
    -------
    DataFrame
        ``break_year, n_before, n_after, F, df1, df2, p_value, caution``, one
        row per break year in the order given. A break with fewer than ``k + 1``
        observations on either side keeps its row, with NaNs and the reason.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> s = pd.Series(np.r_[np.zeros(12), np.full(22, 2.0)] + rng.normal(0, 0.3, 34),
    ...               index=range(1991, 2025))
    >>> out = chow_tests(s, [2003])
    >>> bool(out.loc[0, "p_value"] < 0.01), int(out.loc[0, "df2"])
    (True, 30)
    """
    obs = _observed(series)
    t, y = obs.index.to_numpy(float), obs.to_numpy()
    n = len(obs)
    rows = []
    for b in breaks:
        b = int(b)
        i = int(np.searchsorted(t, b))
        row: dict[str, Any] = {"break_year": b, "n_before": i, "n_after": n - i}
        row.update(F=np.nan, df1=np.nan, df2=np.nan, p_value=np.nan)
        notes = []
        if min(i, n - i) < K_TREND + 1:
            span = f"{int(t[0])}-{int(t[-1])}" if n else "no years"
            notes.append(
                f"not testable: {i} observations before and {n - i} from {b} on "
                f"(data {span}); each side needs at least {K_TREND + 1}"
            )
        else:
            f = float(_chow_f(t, y, np.array([i]))[0])
            df2 = n - 2 * K_TREND
            row.update(F=f, df1=K_TREND, df2=df2, p_value=float(stats.f.sf(f, K_TREND, df2)))
            if min(i, n - i) < 5:
                notes.append(
                    "fewer than 5 observations on one side: its line rests on very few points"
                )
            if not np.isfinite(f):
                notes.append("both segments fit exactly: F undefined")
        row["caution"] = _join(notes)
        rows.append(row)
    out = pd.DataFrame(
        rows, columns=["break_year", "n_before", "n_after", "F", "df1", "df2", "p_value", "caution"]
    )
    return out.astype({"df1": float, "df2": float})


# --------------------------------------------------------------------------- unknown break


def _trend_resid(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Residuals of ``y ~ 1 + t``."""
    tc, yc = t - t.mean(), y - y.mean()
    return yc - tc * (tc @ yc) / (tc @ tc)


def _ar1(resid: np.ndarray) -> float:
    """First-order autocorrelation of residuals (OLS without constant), kept stationary."""
    denom = resid[:-1] @ resid[:-1]
    rho = float(resid[1:] @ resid[:-1] / denom) if denom > 0 else 0.0
    return float(np.clip(rho, -0.95, 0.95))


def unknown_break(
    series: pd.Series,
    trim: float = 0.15,
    *,
    n_boot: int = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """Search for one break of unknown date in a linear trend: sup-F and CUSUM.

    The Chow F of :func:`chow_tests` is computed at every candidate break
    leaving at least ``trim`` of the observations (and ``k + 1 = 3``) on each
    side; the largest is Andrews' (1993) sup-F (Quandt likelihood ratio) and
    its year the estimated break. Its p-value is a parametric bootstrap under
    the null of no break: a linear trend with AR(1) errors, the AR(1)
    coefficient fitted to the residuals of the single line. The F statistic
    does not depend on the trend or the error scale, so only AR(1) noise is
    simulated, ``n_boot`` series at once. (Hansen's 1997 approximation to the
    asymptotic p-value assumes independent errors and a long series, neither
    true here.)

    The test is conservative where there is a break: a level shift left in
    the single line's residuals looks like persistence, so the simulated null
    is more persistent than the truth. Estimating the AR(1) coefficient from
    the two-segment residuals instead restores power but, in a simulation at
    n = 34 (300 series), rejected a true null at the 5% level 12% of the time
    with independent errors and 28% with AR(1) errors of 0.5; the one-line
    residuals gave 3% and 4%.

    The CUSUM test of Ploberger and Krämer (1992) on the OLS residuals of a
    linear trend (statsmodels ``breaks_cusumolsresid``) is reported beside it;
    its p-value is asymptotic (Brownian bridge).

    Parameters
    ----------
    series
        Values indexed by integer year; NaNs are dropped.
    trim
        Share of observations excluded at each end from the candidate breaks,
        in (0, 0.5).
    n_boot
        Bootstrap draws for the sup-F p-value.
    seed
        Seed of the bootstrap; the same seed gives the same p-value.

    Returns
    -------
    dict
        ``supf`` (DataFrame ``year, n_before, n_after, F``), ``break_year``
        (int or None), ``sup_f``, ``p_value``, ``cusum_stat``, ``cusum_p``,
        ``ar1_rho`` (the null's AR(1) coefficient), ``n`` and ``caution``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> s = pd.Series(np.r_[np.zeros(12), np.full(22, 2.0)] + rng.normal(0, 0.3, 34),
    ...               index=range(1991, 2025))
    >>> out = unknown_break(s, n_boot=199)
    >>> out["break_year"]
    2003
    """
    if not 0 < trim < 0.5:
        raise ParameterError("trim", trim, "a share in (0, 0.5), e.g. 0.15")
    if not isinstance(n_boot, int) or n_boot < 1:
        raise ParameterError("n_boot", n_boot, "a positive integer, e.g. 999")
    obs = _observed(series)
    t, y = obs.index.to_numpy(float), obs.to_numpy()
    n = len(obs)
    edge = max(K_TREND + 1, math.ceil(trim * n))
    splits = np.arange(edge, n - edge + 1)
    out: dict[str, Any] = {
        "supf": pd.DataFrame(
            {"year": t[splits].astype(int), "n_before": splits, "n_after": n - splits, "F": np.nan}
        ),
        "break_year": None,
        "sup_f": np.nan,
        "p_value": np.nan,
        "cusum_stat": np.nan,
        "cusum_p": np.nan,
        "ar1_rho": np.nan,
        "n": n,
        "caution": "",
    }
    notes = []
    if n < SHORT_SERIES:
        notes.append(f"{n} observations: break dates and p-values are indicative only")
    if n >= K_TREND + 1:
        resid = _trend_resid(t, y)
        if resid @ resid > 0:
            cusum, cusum_msgs = _captured(lambda: breaks_cusumolsresid(resid, ddof=K_TREND))
            out.update(cusum_stat=float(cusum[0]), cusum_p=float(cusum[1]))
            notes.extend(cusum_msgs)
            notes.append("CUSUM p-value is asymptotic")
    if len(splits) == 0:
        notes.append(
            f"no candidate break: {n} observations leave none with {edge} each side (trim={trim})"
        )
        out["caution"] = _join(notes)
        return out
    f = _chow_f(t, y, splits)
    out["supf"]["F"] = f
    if not np.isfinite(f).any():
        notes.append("F undefined at every candidate (the series is an exact line)")
        out["caution"] = _join(notes)
        return out
    best = int(np.nanargmax(f))
    sup_f = float(f[best])
    cut = splits[best]
    rho = _ar1(resid)
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal((n_boot, n))
    shocks[:, 0] /= math.sqrt(1 - rho**2)  # start each draw from the stationary distribution
    noise = signal.lfilter([1.0], [1.0, -rho], shocks, axis=1)
    boot = np.nanmax(_chow_f(t, noise, splits), axis=1)
    p_value = (1 + int(np.sum(boot >= sup_f))) / (n_boot + 1)
    out.update(break_year=int(t[cut]), sup_f=sup_f, p_value=p_value, ar1_rho=rho)
    notes.append(
        f"sup-F p-value from {n_boot} bootstrap draws of a linear trend with AR(1) errors "
        f"(rho = {rho:.2f} from the no-break residuals): conservative if there is a break"
    )
    out["caution"] = _join(notes)
    return out


# --------------------------------------------------------------------------- regimes


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
    if not isinstance(k_regimes, int) or k_regimes < 2:
        raise ParameterError("k_regimes", k_regimes, "an integer >= 2")
    if not isinstance(search_reps, int) or search_reps < 0:
        raise ParameterError("search_reps", search_reps, "a non-negative integer")
    run, note = _longest_run(_yearly(series))
    n = len(run)
    notes = [note]
    if n < SHORT_SERIES:
        notes.append(f"{n} observations: regime estimates are indicative only")
    names = [f"regime_{r}" for r in range(k_regimes)]
    empty = {
        "result": None,
        "probabilities": pd.DataFrame(columns=names, index=pd.Index([], name="year"), dtype=float),
        "regimes": pd.DataFrame(
            columns=[
                "regime",
                "start",
                "end",
                "n_years",
                "mean_level",
                "observed_mean",
                "mean_probability",
            ]
        ),
        "params": pd.DataFrame(columns=["parameter", "kind", "regime", "estimate", "std_err"]),
    }
    y = run.to_numpy()
    # transition probabilities, means, variance(s)
    k_params = k_regimes * (k_regimes - 1) + k_regimes + (k_regimes if switching_variance else 1)
    if n < 2 * k_params:
        notes.append(
            f"not estimated: {n} observations for {k_params} parameters (need {2 * k_params})"
        )
        return {**empty, "caution": _join(notes)}
    if np.ptp(y) == 0:
        notes.append("not estimated: the series is constant")
        return {**empty, "caution": _join(notes)}
    model = MarkovRegression(
        y, k_regimes=k_regimes, trend="c", switching_variance=switching_variance
    )

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
    attempts = {
        "quantile means with random search": {"start_params": quantile_start, **search},
        "statsmodels' defaults with random search": {"start_params": None, **search},
        "quantile means without EM steps": {"start_params": quantile_start, "em_iter": 0},
    }
    res, fit_notes = _best_markov_fit(model, attempts)
    notes.extend(fit_notes)
    if res is None:
        return {**empty, "caution": _join(notes)}
    if not res.mle_retvals.get("converged", True):
        notes.append("the likelihood maximisation did not converge")
    sigma2 = np.asarray(res.params)[[p.startswith("sigma2") for p in pnames]]
    if np.any(sigma2 < 1e-6 * np.var(y)):
        notes.append(
            "a regime's variance collapsed to zero (a degenerate maximum of the likelihood): "
            "use fewer regimes or a common variance"
        )

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
    regimes = pd.DataFrame(spells, columns=empty["regimes"].columns)
    params = _tidy_params(res, pnames, order, switching_variance)
    if len(set(labels)) < k_regimes:
        notes.append("some regime is never the most probable one: consider fewer regimes")
    return {
        "result": res,
        "probabilities": probabilities,
        "regimes": regimes,
        "params": params,
        "caution": _join(notes),
    }


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


# --------------------------------------------------------------------------- gaps


def _drivers(drivers: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(drivers, pd.Series):
        drivers = drivers.to_frame(drivers.name if drivers.name is not None else "driver")
    if not isinstance(drivers, pd.DataFrame) or drivers.shape[1] == 0:
        raise ParameterError(
            "drivers", type(drivers).__name__, "a DataFrame of driver series indexed by year"
        )
    return pd.DataFrame({str(c): _yearly(drivers[c], f"drivers[{c!r}]") for c in drivers.columns})


def _lagged(drivers: pd.DataFrame, lag: int) -> pd.DataFrame:
    """Drivers re-indexed so that row ``year`` holds the values of ``year - lag``."""
    out = drivers.copy()
    out.index = out.index + lag
    return out


def residual_gap(
    outcome: pd.Series,
    drivers: pd.DataFrame | pd.Series,
    lags: int = 1,
    *,
    maxlags: int | None = None,
) -> dict[str, Any]:
    """The "alignment gap": the outcome above or below what lagged drivers predict.

    OLS of ``outcome[year]`` on a constant and each driver at ``year - lags``,
    with Newey-West standard errors as in :func:`trend_by_period`. The gap is
    ``outcome - fitted``: positive where the outcome runs ahead of its
    drivers, negative where it lags behind them (in the manner of the Lowy
    Institute Asia Power Index's "power gap", resources against influence).

    Parameters
    ----------
    outcome
        The outcome, e.g. an ordinal alignment ladder level, indexed by year.
    drivers
        One column per driver (e.g. the three lens scores), indexed by year.
    lags
        Years by which the drivers lead the outcome (0 for contemporaneous).
    maxlags
        HAC lag truncation; ``None`` for :func:`hac_maxlags` of ``n``.

    Returns
    -------
    dict
        ``result`` (statsmodels OLS results, or None if not estimable),
        ``coefficients`` (``term, lag, estimate, se, t, p_value, ci_low,
        ci_high``), ``gap`` (``year, outcome, fitted, gap, in_sample``: every
        year whose lagged drivers are all present, so the years after the
        outcome's last year carry a prediction with no gap), ``n`` and
        ``caution``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = pd.Series(rng.normal(size=40), index=range(1985, 2025))
    >>> y = 2 * x.shift(1) + rng.normal(0, 0.1, 40)
    >>> out = residual_gap(y, x.to_frame("power"), lags=1)
    >>> round(float(out["coefficients"].set_index("term").loc["power", "estimate"]), 1)
    2.0
    """
    if not isinstance(lags, int) or lags < 0:
        raise ParameterError("lags", lags, "a non-negative integer")
    if maxlags is not None and (not isinstance(maxlags, int) or maxlags < 0):
        raise ParameterError("maxlags", maxlags, "None or a non-negative integer")
    y = _yearly(outcome, "outcome")
    x = _lagged(_drivers(drivers), lags)
    names = list(x.columns)
    clash = {"const", "outcome"} & set(names)
    if clash:
        raise ParameterError("drivers", sorted(clash), "driver columns not named const or outcome")
    x = x[x.notna().all(axis=1)]
    data = pd.concat([y.rename("outcome"), x], axis=1, join="outer").sort_index()
    data.index.name = "year"
    sample = data.notna().all(axis=1)
    n = int(sample.sum())
    k = len(names) + 1
    notes = []
    if n < SHORT_SERIES:
        notes.append(f"{n} observations for {k} coefficients: estimates are indicative only")
    distinct = y.dropna().unique()
    if len(distinct) <= 7 and np.all(np.mod(distinct, 1) == 0):
        notes.append(f"outcome takes {len(distinct)} integer values: treated as an interval scale")
    coef_cols = ["term", "lag", "estimate", "se", "t", "p_value", "ci_low", "ci_high"]
    if n < k + 1:
        notes.append(f"not estimated: {n} complete years for {k} coefficients")
        gap = data.loc[data[names].notna().all(axis=1), ["outcome"]].assign(
            fitted=np.nan, gap=np.nan
        )
        gap = gap.assign(in_sample=False).reset_index()
        coefs = pd.DataFrame(
            {"term": ["const", *names], "lag": [np.nan] + [float(lags)] * len(names)}
        ).reindex(columns=coef_cols)
        return {"result": None, "coefficients": coefs, "gap": gap, "n": n, "caution": _join(notes)}
    if n < SMALL_N:
        notes.append(f"n < {SMALL_N}: HAC standard errors are unreliable in samples this small")
    est = data[sample]
    design = sm.add_constant(est[names], has_constant="add")
    res, msgs = _hac_ols(est["outcome"], design, maxlags)
    notes.extend(msgs)
    ci = res.conf_int().to_numpy()
    coefs = pd.DataFrame(
        {
            "term": ["const", *names],
            "lag": [np.nan] + [float(lags)] * len(names),
            "estimate": res.params.to_numpy(),
            "se": res.bse.to_numpy(),
            "t": res.tvalues.to_numpy(),
            "p_value": res.pvalues.to_numpy(),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
        }
    )
    has_x = data[names].notna().all(axis=1)
    gap = data.loc[has_x, ["outcome"]].copy()
    gap["fitted"] = sm.add_constant(data.loc[has_x, names], has_constant="add") @ res.params
    gap["gap"] = gap["outcome"] - gap["fitted"]
    gap["in_sample"] = sample[has_x].to_numpy()
    return {
        "result": res,
        "coefficients": coefs,
        "gap": gap.reset_index(),
        "n": n,
        "caution": _join(notes),
    }


def lagged_correlations(
    outcome: pd.Series, drivers: pd.DataFrame | pd.Series, max_lag: int = 3
) -> pd.DataFrame:
    """Pearson correlation of the outcome with each driver led by 0 to ``max_lag`` years.

    Row ``(driver, lag)`` correlates ``outcome[year]`` with
    ``driver[year - lag]`` over the years where both exist. Trending series
    correlate whatever their relation; difference them first to ask about
    year-on-year co-movement.

    Returns
    -------
    DataFrame
        ``driver, lag, r, n``; ``r`` is NaN when fewer than 3 pairs exist or a
        side is constant.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> x = pd.Series(np.sin(np.arange(30.0)), index=range(1995, 2025))
    >>> out = lagged_correlations(x.shift(2), x.to_frame("power"), max_lag=2)
    >>> int(out.loc[out["r"].idxmax(), "lag"])
    2
    """
    if not isinstance(max_lag, int) or max_lag < 0:
        raise ParameterError("max_lag", max_lag, "a non-negative integer")
    y = _yearly(outcome, "outcome")
    x = _drivers(drivers)
    rows = []
    for lag in range(max_lag + 1):
        shifted = _lagged(x, lag)
        for name in shifted.columns:
            pair = pd.concat([y, shifted[name]], axis=1, join="inner").dropna()
            a, b = pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy()
            ok = len(pair) >= 3 and np.ptp(a) > 0 and np.ptp(b) > 0
            rows.append(
                {
                    "driver": name,
                    "lag": lag,
                    "r": float(np.corrcoef(a, b)[0, 1]) if ok else np.nan,
                    "n": len(pair),
                }
            )
    return pd.DataFrame(rows, columns=["driver", "lag", "r", "n"])
