"""Uncertainty and sensitivity of the scores over the analyst's choices (Monte Carlo).

Each draw perturbs the spec: weights from a Dirichlet centred on the nominal
weights, and (if asked) a normalisation, an imputation, an aggregation drawn
uniformly, and one indicator left out (or none). Draws are grouped by their
discrete choices and scored with the nominal aggregators of
:mod:`balances.scoring`, vectorised over a draws axis (:func:`score_draws`), so
10,000 draws take about a second. Nothing is interactive; the same seed gives
the same numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


def score_draws(
    x: np.ndarray,
    within: np.ndarray,
    overall: np.ndarray,
    lens_of: np.ndarray,
    aggregate: str,
    power: float,
) -> np.ndarray:
    """Lens and overall scores of many draws with the nominal aggregators, vectorised.

    ``x`` is (Y, I) or (D, Y, I), the weights ``within`` (each lens's, zero
    outside it) and ``overall`` are (D, I); the result is (D, Y, lenses + 1).
    Each draw's scores are those :func:`balances.scoring.aggregate_scores`
    computes for its weights: the same function of :data:`AGGREGATORS`, given a
    draws axis.
    """
    agg = AGGREGATORS[aggregate]
    xs = x if x.ndim == 3 else x[None, :, :]
    out = np.empty((within.shape[0], xs.shape[1], len(LENSES) + 1))
    for li, name in enumerate(LENSES):
        out[:, :, li] = agg(xs, (within * (lens_of == name))[:, None, :], power)
    out[:, :, len(LENSES)] = agg(xs, overall[:, None, :], power)
    return out


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


@dataclass(frozen=True)
class _Menus:
    """The alternatives each discrete choice draws from (the nominal one alone if not varied)."""

    normalise: list[str]
    impute: list[str]
    aggregate: list[str]

    @classmethod
    def of(cls, spec: ScoringSpec, vary: Sequence[str], years: pd.Index) -> _Menus:
        population = spec.normalise in POPULATION_NORMALISERS
        # min-max against the population is offered to users but not drawn: one outlying
        # pair-year (US troops near Iran in 2007) would set the scale of everyone
        family = ["population", "population_zscore"] if population else list(NORMALISERS)
        norms: list[str] = family if "normalise" in vary else [spec.normalise]
        # carrying keeps the indicator set fixed; its uncertainty enters as noise (see
        # _carry_noise), not as draws that let sources drop out
        carry = spec.impute == "carry"
        imps: list[str] = (
            [spec.impute]
            if carry or "impute" not in vary
            else [i for i in IMPUTERS if i != "carry"]
        )
        aggs: list[str] = list(AGGREGATORS) if "aggregate" in vary else [spec.aggregate]
        if "normalise" in vary and "distance" in norms and spec.reference_year not in years:
            norms.remove("distance")
        return cls(norms, imps, aggs)


def _droppable(norm0: pd.DataFrame, registry: Mapping[str, Indicator]) -> np.ndarray:
    """Column positions a draw may leave out, after -1 (leave none out).

    Only where its sub-concept keeps another indicator with data: the draw tests
    the measurement of a concept, not whether the theory has the concept.
    """
    ids = list(norm0.columns)
    has_data = norm0.notna().any()
    sub_key = [f"{registry[i].lens}:{registry[i].subconcept or i}" for i in ids]
    sub_n = pd.Series(has_data.to_numpy(), index=sub_key).groupby(level=0).transform("sum")
    return np.r_[-1, np.flatnonzero(has_data.to_numpy() & (sub_n.to_numpy() > 1))]


def _draw_choices(
    rng: np.random.Generator,
    draws: int,
    menus: _Menus,
    candidates: np.ndarray,
    vary: Sequence[str],
) -> dict[str, np.ndarray]:
    """Each draw's discrete choices, as positions in the menus (and the indicator left out)."""
    return {
        "normalise": rng.integers(len(menus.normalise), size=draws),
        "impute": rng.integers(len(menus.impute), size=draws),
        "aggregate": rng.integers(len(menus.aggregate), size=draws),
        "leave_one_out": (
            candidates[rng.integers(0, candidates.size, size=draws)]
            if "leave_one_out" in vary
            else np.full(draws, -1)
        ),
    }


def _draw_weights(
    rng: np.random.Generator,
    draws: int,
    weights0: pd.DataFrame,
    spec: ScoringSpec,
    vary: Sequence[str],
    concentration: float,
    loo: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights per draw: within each lens, of the lenses, and overall (each (D, ...)).

    Dirichlet within each lens and across lenses, centred on the nominal
    weights; the indicator a draw leaves out weighs nothing in it.
    """
    lens_of = weights0["lens"].to_numpy()
    n_i = lens_of.size
    varied = "weights" in vary
    within = np.zeros((draws, n_i))
    for name in LENSES:
        cols = np.flatnonzero(lens_of == name)
        base = weights0["within_lens"].to_numpy()[cols]
        if cols.size == 0:
            continue
        if varied and cols.size > 1 and (base > 0).sum() > 1:
            alpha = np.where(base > 0, concentration * base * cols.size, 1e-9)
            within[:, cols] = rng.dirichlet(np.maximum(alpha, 1e-9), size=draws) * (base > 0)
        else:
            within[:, cols] = base
    lens_w0 = np.array([weights0.loc[lens_of == name, "overall"].sum() for name in LENSES])
    if varied and (lens_w0 > 0).sum() > 1:
        alpha = np.where(lens_w0 > 0, concentration * lens_w0 * len(LENSES), 1e-9)
        lens_w = rng.dirichlet(np.maximum(alpha, 1e-9), size=draws) * (lens_w0 > 0)
    else:
        lens_w = np.tile(lens_w0, (draws, 1))
    mask = np.ones((draws, n_i))
    mask[np.flatnonzero(loo >= 0), loo[loo >= 0]] = 0.0
    within = within * mask
    if spec.weights == "equal":
        overall = np.tile(weights0["overall"].to_numpy(), (draws, 1)) * mask
        if varied:
            overall = overall * rng.dirichlet(np.full(n_i, concentration), size=draws) * n_i
    else:
        lens_index = np.array([LENSES.index(name) for name in lens_of])
        overall = within * lens_w[:, lens_index]
    return within, lens_w, overall


def _carry_noise(
    rng: np.random.Generator, raw0: pd.DataFrame, draws: int, carry: bool
) -> np.ndarray | None:
    """(D, Y, I) noise on carried values: a random walk with the population's yearly step."""
    if not carry:
        return None
    from balances.indicators.population import step_sd

    sd = step_sd(list(raw0.columns))[None, :] * np.sqrt(carry_distance(raw0).to_numpy(dtype=float))
    return rng.standard_normal((draws, len(raw0.index), raw0.shape[1])) * np.nan_to_num(sd)


def _score_groups(
    panel: pd.DataFrame,
    registry: Mapping[str, Indicator],
    spec: ScoringSpec,
    menus: _Menus,
    choice: dict[str, np.ndarray],
    weights: tuple[np.ndarray, np.ndarray],
    lens_of: np.ndarray,
    noise: np.ndarray | None,
    norm0: pd.DataFrame,
) -> np.ndarray:
    """Scores of every draw (D, Y, lenses + 1), grouped by the draws' discrete choices.

    ``norm0`` is the nominal spec's normalised panel, reused for the draws that
    keep the nominal normalisation and imputation.
    """
    within, overall = weights
    ids = list(norm0.columns)
    out = np.full((within.shape[0], len(norm0.index), len(LENSES) + 1), np.nan)
    cache: dict[tuple[int, int], np.ndarray] = {}
    if spec.normalise in menus.normalise and spec.impute in menus.impute:
        nominal = (menus.normalise.index(spec.normalise), menus.impute.index(spec.impute))
        cache[nominal] = norm0.to_numpy(dtype=float)
    picks = zip(choice["normalise"], choice["impute"], choice["aggregate"], strict=True)
    for ni, ii, ai in set(picks):
        sel = np.flatnonzero(
            (choice["normalise"] == ni) & (choice["impute"] == ii) & (choice["aggregate"] == ai)
        )
        if (ni, ii) not in cache:
            s = spec.model_copy(
                update={"normalise": menus.normalise[ni], "impute": menus.impute[ii]}
            )
            norm, _, _ = prepare(panel, registry, s)
            cache[(ni, ii)] = norm[ids].to_numpy(dtype=float)
        x = cache[(ni, ii)]
        if noise is not None:
            x = np.clip(x[None, :, :] + noise[sel], 0.0, 100.0)
        out[sel] = score_draws(
            x, within[sel], overall[sel], lens_of, menus.aggregate[ai], spec.power
        )
    return out


def _bands(
    out: np.ndarray, nominal: pd.DataFrame, years: pd.Index, levels: tuple[float, float]
) -> pd.DataFrame:
    """Median, band and Monte Carlo error per year and lens, merged onto the nominal scores."""
    lens_names = [*LENSES, "overall"]
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
    return bands


def _draw_table(
    menus: _Menus, choice: dict[str, np.ndarray], ids: list[str], lens_w: np.ndarray
) -> pd.DataFrame:
    """Each draw's choices by name, and its lens weights."""
    loo = choice["leave_one_out"]
    table = pd.DataFrame(
        {
            "normalise": np.array(menus.normalise)[choice["normalise"]],
            "impute": np.array(menus.impute)[choice["impute"]],
            "aggregate": np.array(menus.aggregate)[choice["aggregate"]],
            "leave_one_out": np.where(loo >= 0, np.array(ids + [""])[loo], "none"),
        }
    )
    for li, name in enumerate(LENSES):
        table[f"weight_{name}"] = lens_w[:, li]
    return table


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
    norm0, _, prepared = prepare(panel, registry, spec)
    ids = list(norm0.columns)
    weights0 = indicator_weights(norm0, registry, spec)
    nominal = aggregate_scores(norm0, weights0, spec, observed=prepared.notna())
    lens_of = weights0["lens"].to_numpy()
    years = norm0.index
    menus = _Menus.of(spec, vary, years)
    choice = _draw_choices(rng, draws, menus, _droppable(norm0, registry), vary)
    loo = choice["leave_one_out"]
    within, lens_w, overall = _draw_weights(rng, draws, weights0, spec, vary, concentration, loo)
    raw0 = panel.pivot(index="year", columns="indicator", values="value").reindex(
        index=years, columns=ids
    )
    noise = _carry_noise(rng, raw0, draws, spec.impute == "carry")
    out = _score_groups(
        panel, registry, spec, menus, choice, (within, overall), lens_of, noise, norm0
    )
    # a lens-year below the coverage threshold is missing in every draw, as in the nominal
    share = coverage_share(raw0.notna(), norm0, lens_weight_matrix(weights0))
    out[:, share < spec.coverage_min - 1e-12] = np.nan
    bands = _bands(out, nominal, years, levels)
    draw_table = _draw_table(menus, choice, ids, lens_w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sens = sensitivity(out, draw_table, [*LENSES, "overall"], vary)
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
