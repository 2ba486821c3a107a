"""Linear trends of a yearly series, per period, and Chow tests at known break years."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tools.tools import add_constant

from balances.change._common import (
    K_TREND,
    KO_BREAKS,
    LATER_BREAKS,
    MIN_ASYMPTOTIC,
    SMALL_N,
    TRANSFORMS,
    _check_periods,
    _chow_f,
    _hac_ols,
    _join,
    _observed,
    _trend_resid,
)
from balances.errors import ParameterError

#: The columns of :func:`trend_by_period`, in order.
_TREND_COLUMNS = [
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
        rows.append(
            {
                "period": name,
                "start": start,
                "end": end,
                **_period_trend(seg, start, end, maxlags, alpha),
            }
        )
    return pd.DataFrame(rows, columns=_TREND_COLUMNS)


def _period_trend(
    seg: pd.Series, start: int, end: int, maxlags: int | None, alpha: float
) -> dict[str, Any]:
    """The trend columns of one period's row of :func:`trend_by_period`."""
    n = len(seg)
    row: dict[str, Any] = {"n": n}
    row.update(dict.fromkeys(("slope", "se", "t", "p_value", "ci_low", "ci_high"), np.nan))
    row["p_method"] = ""
    notes = []
    if n and (seg.index.min() > start or seg.index.max() < end):
        notes.append(f"data cover {seg.index.min()}-{seg.index.max()} only")
    if n < K_TREND + 1:
        notes.append(f"n = {n} < {K_TREND + 1}: not estimated")
    else:
        x = add_constant(seg.index.to_numpy(float))
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
            notes.append(f"n < {SMALL_N}: HAC standard errors are unreliable in samples this small")
        notes.extend(msgs)
    row["caution"] = _join(notes)
    return row


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
