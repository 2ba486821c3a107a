"""Constants and helpers shared by the statistics of change (:mod:`balances.change`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS

from balances.errors import ParameterError

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
        lambda: OLS(y, x).fit(
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


def _trend_resid(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Residuals of ``y ~ 1 + t``."""
    tc, yc = t - t.mean(), y - y.mean()
    return yc - tc * (tc @ yc) / (tc @ tc)
