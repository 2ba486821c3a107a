"""Uncertainty and sensitivity of the scores over the analyst's choices (Monte Carlo).

Each draw perturbs the spec: weights from a Dirichlet centred on the nominal
weights, and (if asked) a normalisation, an imputation, an aggregation drawn
uniformly, and one indicator left out (or none). Draws are grouped by their
discrete choices and scored with matrix products, so 10,000 draws take well
under a second. Nothing is interactive; the same seed gives the same numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from balances.indicators.registry import LENSES, Indicator
from balances.params import DEFAULT_DRAWS
from balances.scoring import (
    AGGREGATORS,
    IMPUTERS,
    NORMALISERS,
    POPULATION_NORMALISERS,
    ScoringSpec,
    aggregate_scores,
    carry_distance,
    coverage_share,
    indicator_weights,
    lens_weight_matrix,
    prepare,
    resolve_spec,
)

FACTORS = ("weights", "normalise", "impute", "aggregate", "leave_one_out")
AGG_POWER = {"arithmetic": 1.0, "geometric": 0.0}


def _group_scores(x: np.ndarray, w: np.ndarray, p: float) -> np.ndarray:
    """Generalised means for many draws at once: x (Y, I) or (D, Y, I), w (D, I) -> (Y, D)."""
    if x.ndim == 2:
        x = x[None, :, :]
    present = np.isfinite(x)
    xs = np.where(present, x, 0.0) + 1.0
    pm = present.astype(float)
    den = np.einsum("dyi,di->yd", np.broadcast_to(pm, (w.shape[0], *pm.shape[1:])), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        if p == 1.0:
            t = xs * pm
        elif abs(p) < 1e-12:
            t = np.log(xs) * pm
        else:
            t = (xs**p) * pm
        num = np.einsum("dyi,di->yd", np.broadcast_to(t, (w.shape[0], *t.shape[1:])), w)
        m = num / den
        if abs(p) < 1e-12:
            m = np.exp(m)
        elif p != 1.0:
            m = m ** (1 / p)
    return np.where(den > 0, m - 1.0, np.nan)


def quantile_mc_error(out: np.ndarray, q: float) -> np.ndarray:
    """Half-width of a 95% interval for the ``q`` quantile of ``out`` along axis 0.

    From the order statistics at ``D q -/+ 1.96 sqrt(D q (1 - q))`` (distribution-free):
    how far the printed bound could move with another seed.
    """
    d = np.sum(np.isfinite(out), axis=0)
    srt = np.sort(out, axis=0)  # NaN sorted last
    half = 1.96 * np.sqrt(d * q * (1 - q))
    lo = np.clip(np.floor(d * q - half), 0, np.maximum(d - 1, 0)).astype(int)
    hi = np.clip(np.ceil(d * q + half), 0, np.maximum(d - 1, 0)).astype(int)
    a = np.take_along_axis(srt, lo[None], axis=0)[0]
    b = np.take_along_axis(srt, hi[None], axis=0)[0]
    return np.where(d > 0, (b - a) / 2, np.nan)


def stable_decimals(mc_error: float) -> int:
    """Decimals worth printing for a bound whose Monte Carlo error is ``mc_error``.

    Examples
    --------
    >>> stable_decimals(0.02), stable_decimals(0.3), stable_decimals(4.0)
    (1, 0, -1)
    """
    if not np.isfinite(mc_error) or mc_error <= 0:
        return 1
    return int(min(1, np.floor(-np.log10(mc_error * 2))))


def monte_carlo(
    panel: pd.DataFrame,
    registry: Mapping[str, Indicator],
    spec: ScoringSpec | str | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    vary: Sequence[str] = FACTORS,
    concentration: float = 20.0,
    levels: tuple[float, float] = (0.05, 0.95),
) -> dict[str, pd.DataFrame]:
    """Monte Carlo over scoring choices.

    Parameters
    ----------
    panel
        Long values panel from :func:`balances.indicators.panel.compute_panel`.
    registry
        Indicator registry (for lens and direction).
    spec
        The nominal spec; its choices are the centre of the perturbation.
    draws
        Number of draws.
    seed
        Seed of :func:`numpy.random.default_rng`.
    vary
        Which choices to perturb, among :data:`FACTORS`.
    concentration
        Dirichlet concentration: higher keeps draws closer to the nominal weights.
    levels
        Lower and upper quantiles of the band.

    Returns
    -------
    dict
        ``bands``: year, lens, score (nominal), median, low, high, n_indicators;
        ``sensitivity``: lens, factor, first_order (mean over years of the
        first-order variance share); ``draws``: the per-draw choices.
    """
    spec = resolve_spec(spec)
    unknown = set(vary) - set(FACTORS)
    if unknown:
        from balances.errors import ParameterError

        raise ParameterError("vary", sorted(unknown), f"names among {FACTORS}")
    rng = np.random.default_rng(seed)
    nominal = score_nominal(panel, registry, spec)
    norm0, _, _ = prepare(panel, registry, spec)
    ids = list(norm0.columns)
    weights0 = indicator_weights(norm0, registry, spec)
    lens_of = weights0["lens"].to_numpy()
    years = norm0.index

    population = spec.normalise in POPULATION_NORMALISERS
    # min-max against the population is offered to users but not drawn: one outlying
    # pair-year (US troops near Iran in 2007) would set the scale of everyone
    family = ["population", "population_zscore"] if population else list(NORMALISERS)
    norms = family if "normalise" in vary else [spec.normalise]
    # carrying keeps the indicator set fixed; its uncertainty enters as noise (below),
    # not as draws that let sources drop out
    carry = spec.impute == "carry"
    imps = [spec.impute] if carry or "impute" not in vary else [i for i in IMPUTERS if i != "carry"]
    aggs = list(AGGREGATORS) if "aggregate" in vary else [spec.aggregate]
    if "normalise" in vary and "distance" in norms and spec.reference_year not in years:
        norms.remove("distance")
    n_i = len(ids)
    # Leave one indicator out only where its sub-concept keeps another with data: the
    # draw tests the measurement of a concept, not whether the theory has the concept.
    has_data = norm0.notna().any()
    sub_key = [f"{registry[i].lens}:{registry[i].subconcept or i}" for i in ids]
    sub_n = pd.Series(has_data.to_numpy(), index=sub_key).groupby(level=0).transform("sum")
    droppable = np.flatnonzero(has_data.to_numpy() & (sub_n.to_numpy() > 1))
    candidates = np.r_[-1, droppable]
    choice = {
        "normalise": rng.integers(len(norms), size=draws),
        "impute": rng.integers(len(imps), size=draws),
        "aggregate": rng.integers(len(aggs), size=draws),
        "leave_one_out": (
            candidates[rng.integers(0, candidates.size, size=draws)]
            if "leave_one_out" in vary
            else np.full(draws, -1)
        ),
    }
    # Weights: Dirichlet within each lens and across lenses, centred on the nominal weights.
    within = np.zeros((draws, n_i))
    for name in LENSES:
        cols = np.flatnonzero(lens_of == name)
        base = weights0["within_lens"].to_numpy()[cols]
        if cols.size == 0:
            continue
        if "weights" in vary and cols.size > 1 and (base > 0).sum() > 1:
            alpha = np.where(base > 0, concentration * base * cols.size, 1e-9)
            within[:, cols] = rng.dirichlet(np.maximum(alpha, 1e-9), size=draws) * (base > 0)
        else:
            within[:, cols] = base
    lens_w0 = np.array([weights0.loc[lens_of == name, "overall"].sum() for name in LENSES])
    if "weights" in vary and (lens_w0 > 0).sum() > 1:
        alpha = np.where(lens_w0 > 0, concentration * lens_w0 * len(LENSES), 1e-9)
        lens_w = rng.dirichlet(np.maximum(alpha, 1e-9), size=draws) * (lens_w0 > 0)
    else:
        lens_w = np.tile(lens_w0, (draws, 1))
    loo = choice["leave_one_out"]
    mask = np.ones((draws, n_i))
    mask[np.flatnonzero(loo >= 0), loo[loo >= 0]] = 0.0
    within = within * mask
    lens_index = np.array([LENSES.index(name) for name in lens_of])
    if spec.weights == "equal":
        overall_w = np.tile(weights0["overall"].to_numpy(), (draws, 1)) * mask
        if "weights" in vary:
            overall_w = overall_w * rng.dirichlet(np.full(n_i, concentration), size=draws) * n_i
    else:
        overall_w = within * lens_w[:, lens_index]

    raw0 = panel.pivot(index="year", columns="indicator", values="value").reindex(
        index=years, columns=ids
    )
    if carry:
        from balances.indicators.population import step_sd

        # a carried value drifts as a random walk with the population's yearly step
        sd = step_sd(ids)[None, :] * np.sqrt(carry_distance(raw0).to_numpy(dtype=float))
        noise = rng.standard_normal((draws, len(years), n_i)) * np.nan_to_num(sd)
    else:
        noise = None
    out = np.full((draws, len(years), len(LENSES) + 1), np.nan)
    cache: dict[tuple[int, int], np.ndarray] = {}
    for ni, ii, ai in {
        (a, b, c)
        for a, b, c in zip(choice["normalise"], choice["impute"], choice["aggregate"], strict=True)
    }:
        sel = np.flatnonzero(
            (choice["normalise"] == ni) & (choice["impute"] == ii) & (choice["aggregate"] == ai)
        )
        if (ni, ii) not in cache:
            s = spec.model_copy(update={"normalise": norms[ni], "impute": imps[ii]})
            x, _, _ = prepare(panel, registry, s)
            cache[(ni, ii)] = x[ids].to_numpy(dtype=float)
        x = cache[(ni, ii)]
        if noise is not None:
            x = np.clip(x[None, :, :] + noise[sel], 0.0, 100.0)
        p = AGG_POWER.get(aggs[ai], spec.power)
        for li, name in enumerate(LENSES):
            w = within[sel] * (lens_of == name)
            out[sel, :, li] = _group_scores(x, w, p).T
        out[sel, :, len(LENSES)] = _group_scores(x, overall_w[sel], p).T

    lens_names = [*LENSES, "overall"]
    # a lens-year below the coverage threshold is missing in every draw, as in the nominal
    observed = raw0.notna()
    share = coverage_share(observed, norm0, lens_weight_matrix(weights0))
    out[:, share < spec.coverage_min - 1e-12] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a lens with no data in some years
        q_lo, q_med, q_hi = np.nanquantile(out, [levels[0], 0.5, levels[1]], axis=0)
        err = np.fmax(quantile_mc_error(out, levels[0]), quantile_mc_error(out, levels[1]))
    bands = pd.DataFrame(
        {
            "year": np.repeat(years.to_numpy(), len(lens_names)),
            "lens": np.tile(lens_names, len(years)),
            "median": q_med.ravel(),
            "low": q_lo.ravel(),
            "high": q_hi.ravel(),
            "mc_error": err.ravel(),
        }
    )
    bands = nominal.merge(bands, on=["year", "lens"], how="left")
    # the band holds the point estimate by construction: the nominal spec is one of the
    # analyst's admissible choices, so the interval over choices must contain it
    bands["low"] = np.fmin(bands["low"], bands["score"])
    bands["high"] = np.fmax(bands["high"], bands["score"])
    draw_table = pd.DataFrame(
        {
            "normalise": np.array(norms)[choice["normalise"]],
            "impute": np.array(imps)[choice["impute"]],
            "aggregate": np.array(aggs)[choice["aggregate"]],
            "leave_one_out": np.where(loo >= 0, np.array(ids + [""])[loo], "none"),
        }
    )
    for li, name in enumerate(LENSES):
        draw_table[f"weight_{name}"] = lens_w[:, li]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sens = sensitivity(out, draw_table, lens_names, vary)
    return {"bands": bands, "sensitivity": sens, "draws": draw_table, "scores": out}


def score_nominal(
    panel: pd.DataFrame, registry: Mapping[str, Indicator], spec: ScoringSpec
) -> pd.DataFrame:
    """Nominal scores (year, lens, score, n_indicators) for one spec."""
    norm, _, raw = prepare(panel, registry, spec)
    return aggregate_scores(
        norm, indicator_weights(norm, registry, spec), spec, observed=raw.notna()
    )


def _first_order(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Var(E[Y | group]) / Var(Y) for each column of y (draws x years)."""
    total = np.nanvar(y, axis=0)
    codes, inv = np.unique(groups, return_inverse=True)
    means = np.zeros((codes.size, y.shape[1]))
    counts = np.zeros(codes.size)
    for k in range(codes.size):
        rows = y[inv == k]
        means[k] = np.nanmean(rows, axis=0) if rows.size else np.nan
        counts[k] = rows.shape[0]
    grand = np.nanmean(y, axis=0)
    between = np.nansum(counts[:, None] * (means - grand) ** 2, axis=0) / counts.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, between / total, np.nan)


def sensitivity(
    out: np.ndarray, draws: pd.DataFrame, lens_names: Sequence[str], vary: Sequence[str]
) -> pd.DataFrame:
    """First-order variance shares of each choice, per lens, averaged over years.

    Discrete choices are grouped by value; each lens weight in the overall score
    is binned into deciles (the binned estimator of the first-order index).
    """
    factors: dict[str, np.ndarray] = {}
    for f in ("normalise", "impute", "aggregate", "leave_one_out"):
        if f in vary:
            factors[f] = draws[f].to_numpy()
    if "weights" in vary:
        for name in LENSES:
            col = draws[f"weight_{name}"]
            if col.nunique() > 10:
                factors[f"weight_{name}"] = pd.qcut(
                    col, 10, labels=False, duplicates="drop"
                ).to_numpy()
    rows = []
    for li, name in enumerate(lens_names):
        y = out[:, :, li]
        for f, g in factors.items():
            if f.startswith("weight_") and name != "overall":
                continue
            s = _first_order(y, g)
            rows.append({"lens": name, "factor": f, "first_order": float(np.nanmean(s))})
    return (
        pd.DataFrame(rows, columns=["lens", "factor", "first_order"])
        .sort_values(["lens", "first_order"], ascending=[True, False])
        .reset_index(drop=True)
    )
