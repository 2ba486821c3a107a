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

The functions live in :mod:`balances.change.trend`, :mod:`~balances.change.breaks`,
:mod:`~balances.change.regimes` and :mod:`~balances.change.gap`; import them from here.
"""

from __future__ import annotations

from balances.change._common import (
    K_TREND,
    KO_BREAKS,
    LATER_BREAKS,
    MIN_ASYMPTOTIC,
    SHORT_SERIES,
    SMALL_N,
    TRANSFORMS,
    hac_maxlags,
)
from balances.change._common import _hac_ols as _hac_ols  # lenses' correlation tests use it
from balances.change.breaks import unknown_break
from balances.change.gap import lagged_correlations, residual_gap
from balances.change.regimes import compare_regimes_with_periods, markov_regimes
from balances.change.trend import (
    chow_tests,
    detrend,
    hac_trend,
    permutation_slope_p,
    r2_on_year,
    trend_by_period,
)

__all__ = [
    "KO_BREAKS",
    "LATER_BREAKS",
    "K_TREND",
    "MIN_ASYMPTOTIC",
    "SHORT_SERIES",
    "SMALL_N",
    "TRANSFORMS",
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
