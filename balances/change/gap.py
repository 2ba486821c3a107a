"""The outcome against what lagged drivers predict (the gap), and lagged correlations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tools.tools import add_constant

from balances.change._common import (
    SHORT_SERIES,
    SMALL_N,
    _hac_ols,
    _join,
    _yearly,
)
from balances.errors import ParameterError


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
    data, names = _gap_data(outcome, drivers, lags)
    sample = data.notna().all(axis=1)
    n = int(sample.sum())
    k = len(names) + 1
    notes = _gap_notes(data["outcome"], n, k)
    if n < k + 1:
        notes.append(f"not estimated: {n} complete years for {k} coefficients")
        gap = data.loc[data[names].notna().all(axis=1), ["outcome"]].assign(
            fitted=np.nan, gap=np.nan
        )
        gap = gap.assign(in_sample=False).reset_index()
        coefs = pd.DataFrame(
            {"term": ["const", *names], "lag": [np.nan] + [float(lags)] * len(names)}
        ).reindex(columns=_COEF_COLUMNS)
        return {"result": None, "coefficients": coefs, "gap": gap, "n": n, "caution": _join(notes)}
    if n < SMALL_N:
        notes.append(f"n < {SMALL_N}: HAC standard errors are unreliable in samples this small")
    est = data[sample]
    design = add_constant(est[names], has_constant="add")
    res, msgs = _hac_ols(est["outcome"], design, maxlags)
    notes.extend(msgs)
    return {
        "result": res,
        "coefficients": _coefficients(res, names, lags),
        "gap": _fitted_gap(data, names, sample, res),
        "n": n,
        "caution": _join(notes),
    }


#: The columns of the ``coefficients`` frame of :func:`residual_gap`.
_COEF_COLUMNS = ["term", "lag", "estimate", "se", "t", "p_value", "ci_low", "ci_high"]


def _gap_data(
    outcome: pd.Series, drivers: pd.DataFrame | pd.Series, lags: int
) -> tuple[pd.DataFrame, list[str]]:
    """The outcome beside the lagged drivers (years where all drivers exist), and their names."""
    y = _yearly(outcome, "outcome")
    x = _lagged(_drivers(drivers), lags)
    names = list(x.columns)
    clash = {"const", "outcome"} & set(names)
    if clash:
        raise ParameterError("drivers", sorted(clash), "driver columns not named const or outcome")
    x = x[x.notna().all(axis=1)]
    data = pd.concat([y.rename("outcome"), x], axis=1, join="outer").sort_index()
    data.index.name = "year"
    return data, names


def _gap_notes(y: pd.Series, n: int, k: int) -> list[str]:
    """Cautions on the sample size and on an ordinal outcome read as an interval scale."""
    notes = []
    if n < SHORT_SERIES:
        notes.append(f"{n} observations for {k} coefficients: estimates are indicative only")
    distinct = y.dropna().unique()
    if len(distinct) <= 7 and np.all(np.mod(distinct, 1) == 0):
        notes.append(f"outcome takes {len(distinct)} integer values: treated as an interval scale")
    return notes


def _coefficients(res: Any, names: list[str], lags: int) -> pd.DataFrame:
    """The tidy coefficient table of a fitted :func:`residual_gap` regression."""
    ci = res.conf_int().to_numpy()
    return pd.DataFrame(
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


def _fitted_gap(data: pd.DataFrame, names: list[str], sample: pd.Series, res: Any) -> pd.DataFrame:
    """Outcome, fitted value and gap in every year whose lagged drivers all exist."""
    has_x = data[names].notna().all(axis=1)
    gap = data.loc[has_x, ["outcome"]].copy()
    gap["fitted"] = add_constant(data.loc[has_x, names], has_constant="add") @ res.params
    gap["gap"] = gap["outcome"] - gap["fitted"]
    gap["in_sample"] = sample[has_x].to_numpy()
    return gap.reset_index()


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
