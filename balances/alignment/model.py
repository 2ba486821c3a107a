"""A dynamic one-factor measurement model of dyadic alignment, fitted by EM for every dyad at once.

The model
---------
For dyad ``d`` in year ``t`` the alignment is a latent scalar ``x[d, t]``;
each input ``k`` (a behaviour: vote agreement, shared IGOs, arms transfers,
exercises, disputes, ...) observes it with its own intercept, loading and noise:

    y[d, t, k] = a[k] + b[k] * x[d, t] + e,    e ~ N(0, s2[k])          (measurement)
    x[d, t]    = rho * x[d, t-1] + w,          w ~ N(0, q)               (dynamics)
    x[d, t0]   ~ N(m0, P0)        in the first year t0 the dyad exists   (entry)

``rho = 1`` gives a local-level (random-walk) state, the default: the
alignment carries on where it was when inputs stop, and its variance grows by
``q`` a year. ``dynamics="ar1"`` estimates ``rho`` (< 1), so an unobserved
dyad's estimate drifts back to the population mean: the declared alternative.
A cell whose input is missing is simply unobserved: the filter skips it, the
estimate carries on, and its variance widens. The composite's make-up never
changes; only how much each year's data tell us does.

This is a dynamic factor model in state-space form (Harvey 1989, ch. 3;
Durbin & Koopman 2012, ch. 4 and 7), the linear-Gaussian counterpart of the
dynamic latent-variable models of alliance and UN-vote similarity (Bailey,
Strezhnev & Voeten 2017; Fariss 2014 for the random-walk prior). Parameters
(``a``, ``b``, ``s2``, ``q``, ``rho``, ``m0``, ``P0``) are shared by every dyad
and estimated by expectation-maximisation (Shumway & Stoffer 1982): the
E-step is a Kalman filter and Rauch-Tung-Striebel smoother run for all dyads at
once (a loop over years, vectorised over dyads and inputs), the M-step closed
form. Each input is standardised over the declared population first.

Assumptions, stated: (1) one latent dimension; (2) inputs are conditionally
independent given the latent (two inputs from one source, such as kappa and
ideal-point distance, share that source's quirks; the model cannot know);
(3) 0/1 inputs enter as Gaussian (a linear-probability measurement; their
rare 1s carry large standardised values and are down-weighted by their
estimated noise); (4) parameters do not change over time; (5) missing cells
are missing at random given the latent. Bands are the smoother's posterior
intervals given the estimated parameters: they widen where inputs are sparse;
parameter uncertainty, tiny with ~900,000 dyad-years, is not added.

Identification: the latent scale is fixed after every M-step by rescaling to
mean 0 and variance 1 over all dyad-years of the population, and the sign so
that UNGA kappa loads positively.

Chunking: the E-step works on any subset of dyads and returns sufficient
statistics that add up, so the dyads are split into chunks; ``map_fn`` (the
builtin ``map`` by default, or a ``dask.distributed`` client's, see
:func:`fit`) runs the chunks.

References
----------
Bailey, M. A., Strezhnev, A. and Voeten, E. (2017). Estimating dynamic state preferences from
United Nations voting data. *Journal of Conflict Resolution* 61(2): 430-456.
Durbin, J. and Koopman, S. J. (2012). *Time Series Analysis by State Space Methods*, 2nd ed.
Oxford University Press.
Fariss, C. J. (2014). Respect for human rights has improved over time: modeling the changing
standard of accountability. *American Political Science Review* 108(2): 297-318.
Harvey, A. C. (1989). *Forecasting, Structural Time Series Models and the Kalman Filter*.
Cambridge University Press.
Shumway, R. H. and Stoffer, D. S. (1982). An approach to time series smoothing and forecasting
using the EM algorithm. *Journal of Time Series Analysis* 3(4): 253-264.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from balances.errors import ParameterError

Dynamics = Literal["random_walk", "ar1"]
#: The dynamics a fit can take: the default and its declared alternative.
DYNAMICS: tuple[str, ...] = ("random_walk", "ar1")
#: Floors that keep EM away from degenerate variances.
#: The noise floor is declared: no input may explain more than half of its own
#: variance over the population, so the smoothest input cannot become the latent by itself
#: (a Heywood case: unchecked, EM hands the factor to COW IGO shares).
MIN_NOISE = 0.5
_MIN_Q, _MIN_P0 = 1e-6, 1e-3


@dataclass(frozen=True)
class Panel:
    """Inputs as arrays: ``y[d, t, k]`` (standardised, NaN = unobserved) and ``active[d, t]``."""

    dyads: pd.DataFrame  # ccode1, ccode2 (one row per dyad, in array order)
    years: np.ndarray  # (T,)
    inputs: tuple[str, ...]
    y: np.ndarray  # (D, T, K) float64
    active: np.ndarray  # (D, T) bool: the dyad is in the population that year
    centre: np.ndarray  # (K,) population mean of each input (raw units)
    scale: np.ndarray  # (K,) population sd of each input (raw units)

    @functools.cached_property
    def observed_flat(self) -> np.ndarray:
        """``(D*T, K)`` 1.0 where an input is observed in an active dyad-year, else 0.0."""
        seen = ~np.isnan(self.y) & self.active[:, :, None]
        return seen.reshape(-1, self.y.shape[2]).astype(np.float64)

    @functools.cached_property
    def values_flat(self) -> np.ndarray:
        """``(D*T, K)`` inputs with 0.0 where unobserved."""
        return np.where(self.observed_flat > 0, self.y.reshape(-1, self.y.shape[2]), 0.0)

    @functools.cached_property
    def input_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per input: number observed, sum and sum of squares (they do not change in EM)."""
        v = self.values_flat
        return self.observed_flat.sum(axis=0), v.sum(axis=0), (v**2).sum(axis=0)

    def take(self, rows: np.ndarray) -> Panel:
        """The panel restricted to dyads ``rows`` (same years, inputs and standardisation)."""
        return replace(
            self,
            dyads=self.dyads.iloc[rows].reset_index(drop=True),
            y=self.y[rows],
            active=self.active[rows],
        )

    def drop_inputs(self, names: Iterable[str]) -> Panel:
        """The panel with inputs ``names`` set to unobserved everywhere (a source stopping)."""
        y = self.y.copy()
        for name in names:
            y[:, :, self.inputs.index(name)] = np.nan
        return replace(self, y=y)


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Normal scores of the observed values (NaN kept): ``Phi^-1((rank - 1/2) / n)``, ties averaged.

    Every input then has a standard normal margin over the population, and a
    0/1 input becomes the two conditional means of a latent normal cut at its
    threshold (the Gaussian-copula treatment of mixed data: Hoff 2007; Murray
    et al. 2013), so a rare 1 counts as a few standard deviations, not dozens.
    """
    from scipy.special import ndtri

    out = np.full(values.shape, np.nan)
    seen = ~np.isnan(values)
    v = values[seen]
    if v.size == 0:
        return out
    order = np.argsort(v, kind="mergesort")
    z = ndtri((np.arange(1, v.size + 1) - 0.5) / v.size)
    sorted_v = v[order]
    # average the scores within each block of tied values
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]])
    block_mean = np.add.reduceat(z, starts) / np.diff(np.r_[starts, v.size])
    scores = np.empty(v.size)
    scores[order] = np.repeat(block_mean, np.diff(np.r_[starts, v.size]))
    out[seen] = scores
    return out


def make_panel(
    df: pd.DataFrame,
    inputs: Sequence[str],
    *,
    transform: Literal["normal_scores", "zscore", "none"] = "normal_scores",
) -> Panel:
    """Arrays of a long undirected dyad-year table (``ccode1, ccode2, year`` and ``inputs``).

    Every row is a dyad-year of the population (``active``). Each input is
    put on one scale over the population's observed cells: normal scores
    (default, :func:`normal_scores`) or z-scores (mean 0, sd 1); ``"none"``
    keeps the values as they are (the hostility rates read raw 0/1).
    """
    missing = [c for c in ("ccode1", "ccode2", "year", *inputs) if c not in df.columns]
    if missing:
        raise ParameterError("inputs", missing, f"columns of the inputs table: {list(df.columns)}")
    dyad_codes = df["ccode1"].to_numpy(np.int64) * 10_000 + df["ccode2"].to_numpy(np.int64)
    uniq, d_idx = np.unique(dyad_codes, return_inverse=True)
    years = np.arange(int(df["year"].min()), int(df["year"].max()) + 1)
    t_idx = df["year"].to_numpy(np.int64) - years[0]
    values = df[list(inputs)].to_numpy(np.float64)
    centre = np.nanmean(values, axis=0)
    scale = np.nanstd(values, axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    if transform == "normal_scores":
        std = np.column_stack([normal_scores(values[:, k]) for k in range(len(inputs))])
    elif transform == "zscore":
        std = (values - centre) / scale
    elif transform == "none":
        std = values
    else:
        raise ParameterError("transform", transform, "'normal_scores', 'zscore' or 'none'")
    y = np.full((len(uniq), len(years), len(inputs)), np.nan)
    y[d_idx, t_idx] = std
    active = np.zeros((len(uniq), len(years)), bool)
    active[d_idx, t_idx] = True
    dyads = pd.DataFrame({"ccode1": uniq // 10_000, "ccode2": uniq % 10_000})
    return Panel(dyads, years, tuple(inputs), y, active, np.asarray(centre), np.asarray(scale))


@dataclass(frozen=True)
class Params:
    """Shared parameters of the model (see the module docstring)."""

    a: np.ndarray  # (K,) intercepts
    b: np.ndarray  # (K,) loadings
    s2: np.ndarray  # (K,) noise variances
    q: float  # state noise variance
    rho: float  # state persistence (1 for a random walk)
    m0: float  # entry mean
    p0: float  # entry variance


@dataclass(frozen=True)
class Smoothed:
    """Posterior of the latent for a chunk: means, variances, and the number of inputs seen."""

    mean: np.ndarray  # (D, T), NaN where inactive
    var: np.ndarray  # (D, T)
    n_obs: np.ndarray  # (D, T) int


@dataclass(frozen=True)
class Stats:
    """Sufficient statistics of one E-step over a chunk; they add across chunks."""

    loglik: float
    n: np.ndarray  # (K,)
    sy: np.ndarray
    syy: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray
    sxy: np.ndarray
    n_trans: float
    s_tt: float  # sum E[x_t^2] over transitions
    s_pp: float  # sum E[x_{t-1}^2]
    s_tp: float  # sum E[x_t x_{t-1}]
    n_entry: float
    s_entry: float
    s_entry2: float  # sum of E[x^2] at entry
    n_active: float
    s_x: float
    s_x2: float  # sum E[x^2] over active cells

    def __add__(self, other: Stats) -> Stats:
        return Stats(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)  # type: ignore[arg-type]
        )


def smooth(panel: Panel, p: Params) -> tuple[Smoothed, Stats]:
    """Kalman filter and RTS smoother for every dyad of ``panel`` at once.

    Returns the posterior of the latent and the E-step's sufficient statistics.
    The inputs enter in information form (each year's observed inputs add
    ``b_k^2 / s2_k`` to the precision), so the per-year work is a handful of
    vector operations over dyads; everything over inputs is a matrix product.
    """
    n_d, n_t, n_k = panel.y.shape
    active = panel.active
    obs, y0 = panel.observed_flat, panel.values_flat  # (D*T, K): 0/1 and y with 0 where unseen
    h = (obs @ (p.b**2 / p.s2)).reshape(n_d, n_t)  # information from the inputs
    g = (y0 @ (p.b / p.s2) - obs @ (p.a * p.b / p.s2)).reshape(n_d, n_t)
    mp, pp = np.empty((n_d, n_t)), np.empty((n_d, n_t))
    mf, pf = np.empty((n_d, n_t)), np.empty((n_d, n_t))
    cont = np.zeros((n_d, n_t), bool)
    cont[:, 1:] = active[:, 1:] & active[:, :-1]
    m_prev, p_prev = np.full(n_d, p.m0), np.full(n_d, p.p0)
    for t in range(n_t):
        c = cont[:, t]
        mp[:, t] = np.where(c, p.rho * m_prev, p.m0)
        pp[:, t] = np.where(c, p.rho**2 * p_prev + p.q, p.p0)
        pf[:, t] = 1.0 / (1.0 / pp[:, t] + h[:, t])
        mf[:, t] = pf[:, t] * (mp[:, t] / pp[:, t] + g[:, t])
        m_prev, p_prev = mf[:, t], pf[:, t]
    # log-likelihood: prediction-error decomposition in information form
    r = y0 - obs * (p.a + np.outer(mp.ravel(), p.b))
    u = (r @ (p.b / p.s2)).reshape(n_d, n_t)
    q1 = ((r**2) @ (1.0 / p.s2)).reshape(n_d, n_t)
    logdet = np.log1p(pp * h) + (obs @ np.log(2 * np.pi * p.s2)).reshape(n_d, n_t)
    ll_cells = -0.5 * (logdet + q1 - pp * u**2 / (1.0 + pp * h))
    loglik = float(ll_cells[active].sum())
    ms, ps = mf.copy(), pf.copy()
    lag = np.zeros((n_d, n_t))  # Cov(x_t, x_{t-1} | all), defined where cont[:, t]
    for t in range(n_t - 2, -1, -1):
        c = cont[:, t + 1]
        j = np.where(c, p.rho * pf[:, t] / pp[:, t + 1], 0.0)
        ms[:, t] = mf[:, t] + j * (ms[:, t + 1] - mp[:, t + 1])
        ps[:, t] = pf[:, t] + j**2 * (ps[:, t + 1] - pp[:, t + 1])
        lag[:, t + 1] = j * ps[:, t + 1]
    ex = np.where(active, ms, 0.0)
    ex2 = np.where(active, ms**2 + ps, 0.0)
    entry = active & ~cont
    prev_ex = np.zeros_like(ex)
    prev_ex[:, 1:] = ex[:, :-1]
    prev_ex2 = np.zeros_like(ex2)
    prev_ex2[:, 1:] = ex2[:, :-1]
    n, sy, syy = panel.input_sums
    stats = Stats(
        loglik=loglik,
        n=n,
        sy=sy,
        syy=syy,
        sx=obs.T @ ex.ravel(),
        sxx=obs.T @ ex2.ravel(),
        sxy=y0.T @ ex.ravel(),
        n_trans=float(cont.sum()),
        s_tt=float(ex2[cont].sum()),
        s_pp=float(prev_ex2[cont].sum()),
        s_tp=float((ex * prev_ex + lag)[cont].sum()),
        n_entry=float(entry.sum()),
        s_entry=float(ex[entry].sum()),
        s_entry2=float(ex2[entry].sum()),
        n_active=float(active.sum()),
        s_x=float(ex.sum()),
        s_x2=float(ex2.sum()),
    )
    n_obs = obs.sum(axis=1).reshape(n_d, n_t).astype(np.int64)
    return (
        Smoothed(np.where(active, ms, np.nan), np.where(active, ps, np.nan), n_obs),
        stats,
    )


def m_step(
    s: Stats,
    p: Params,
    dynamics: Dynamics,
    signs: np.ndarray | None = None,
    min_noise: float = MIN_NOISE,
) -> Params:
    """Closed-form maximisation given the E-step's statistics, then the scale fixed to N(0, 1).

    ``signs`` (+1, -1 or 0 per input) constrains each loading to its declared
    sign (0: free); a loading whose unconstrained estimate has the wrong sign
    is set to 0 and its intercept re-estimated (the constrained maximum).
    """
    det = s.n * s.sxx - s.sx**2
    b = np.where(det > 0, (s.n * s.sxy - s.sx * s.sy) / np.where(det > 0, det, 1), p.b)
    if signs is not None:
        b = np.where((signs != 0) & (b * signs < 0), 0.0, b)
    a = np.where(s.n > 0, (s.sy - b * s.sx) / np.maximum(s.n, 1), p.a)
    rss = s.syy - 2 * a * s.sy - 2 * b * s.sxy + s.n * a**2 + 2 * a * b * s.sx + b**2 * s.sxx
    var_y = np.where(s.n > 0, s.syy / np.maximum(s.n, 1) - (s.sy / np.maximum(s.n, 1)) ** 2, 1.0)
    s2 = np.maximum(np.where(s.n > 0, rss / np.maximum(s.n, 1), p.s2), min_noise * var_y)
    if dynamics == "ar1":
        rho = float(np.clip(s.s_tp / s.s_pp, 0.0, 0.999)) if s.s_pp > 0 else p.rho
    else:
        rho = 1.0
    q = (s.s_tt - 2 * rho * s.s_tp + rho**2 * s.s_pp) / max(s.n_trans, 1.0)
    m0 = s.s_entry / max(s.n_entry, 1.0)
    p0 = s.s_entry2 / max(s.n_entry, 1.0) - m0**2
    # fix the scale: latent mean 0, variance 1 over the population's dyad-years
    mu = s.s_x / s.n_active
    sd = float(np.sqrt(max(s.s_x2 / s.n_active - mu**2, 1e-12)))
    return Params(
        a=a + b * mu,
        b=b * sd,
        s2=s2,
        q=max(q / sd**2, _MIN_Q),
        rho=rho,
        m0=(m0 - mu) / sd if dynamics == "random_walk" else (m0 - mu) / sd,
        p0=max(p0 / sd**2, _MIN_P0),
    )


def initial_params(panel: Panel, dynamics: Dynamics) -> Params:
    """Start values: loadings from the first principal component of the inputs' correlations."""
    k = len(panel.inputs)
    flat = panel.y.reshape(-1, k)
    corr = pd.DataFrame(flat).corr(min_periods=50).fillna(0.0).to_numpy()
    np.fill_diagonal(corr, 1.0)
    vals, vecs = np.linalg.eigh(corr)
    sd = np.sqrt(np.nanvar(flat, axis=0))
    b = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
    b = b * np.sign(b[0] if b[0] != 0 else 1.0)
    s2 = np.clip(1.0 - b**2, MIN_NOISE, None) * sd**2
    b = b * sd
    return Params(np.zeros(k), b, s2, 0.05, 1.0 if dynamics == "random_walk" else 0.95, 0.0, 1.0)


MapFn = Callable[..., Iterable[tuple[Smoothed, Stats]]]


@dataclass(frozen=True)
class Fit:
    """A fitted model: parameters, the latent's posterior for every dyad-year, and the EM trace."""

    panel: Panel
    params: Params
    dynamics: str
    smoothed: Smoothed
    loglik: tuple[float, ...]
    converged: bool
    chunks: int = field(default=1)

    @property
    def n_iter(self) -> int:
        """Number of EM iterations run."""
        return len(self.loglik)

    def param_table(self) -> pd.DataFrame:
        """One row per input: population centre and scale, intercept, loading, noise sd, share of
        its variance explained by the latent (``r2``)."""
        p = self.params
        return pd.DataFrame(
            {
                "input": self.panel.inputs,
                "centre": self.panel.centre,
                "scale": self.panel.scale,
                "intercept": p.a,
                "loading": p.b,
                "noise_sd": np.sqrt(p.s2),
                "r2": p.b**2 / (p.b**2 + p.s2),
            }
        )


def _chunks(n: int, size: int) -> list[np.ndarray]:
    return [np.arange(i, min(i + size, n)) for i in range(0, n, size)]


def _estep(args: tuple[Panel, Params]) -> tuple[Smoothed, Stats]:
    return smooth(*args)


def fit(
    panel: Panel,
    *,
    dynamics: Dynamics = "random_walk",
    max_iter: int = 200,
    tol: float = 1e-6,
    chunk_size: int = 4000,
    params: Params | None = None,
    signs: Sequence[int] | None = None,
    min_noise: float = MIN_NOISE,
    map_fn: MapFn | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> Fit:
    """Estimate the model by EM and smooth every dyad.

    Parameters
    ----------
    panel
        From :func:`make_panel`.
    dynamics
        ``"random_walk"`` (default) or ``"ar1"``.
    max_iter, tol
        Stop after ``max_iter`` iterations, or when the log-likelihood gains
        less than ``tol`` per dyad-year.
    chunk_size
        Dyads per E-step task.
    params
        Start values (default :func:`initial_params`); with ``max_iter=0`` the
        panel is only smoothed with these parameters.
    signs
        Declared sign of each input's loading (+1 cooperation, -1 hostility,
        0 free); default all free.
    min_noise
        Floor of each input's noise variance as a share of its population
        variance (:data:`MIN_NOISE`): no single input may become the latent.
    map_fn
        ``map``-like callable over ``(panel_chunk, params)`` tuples; pass a
        ``dask.distributed.Client``'s ``lambda f, xs: client.gather(client.map(f, xs))``
        to run the chunks on a cluster.
    progress
        Called with (iteration, log-likelihood) after each iteration.
    """
    if dynamics not in DYNAMICS:
        raise ParameterError("dynamics", dynamics, f"one of {list(DYNAMICS)}")
    run = map_fn or (lambda f, xs: list(map(f, xs)))
    parts = [panel.take(rows) for rows in _chunks(len(panel.dyads), chunk_size)]
    p = params or initial_params(panel, dynamics)
    sg = None if signs is None else np.asarray(signs, dtype=float)
    if sg is not None:
        p = replace(p, b=np.where(sg != 0, np.abs(p.b) * sg, p.b))
    n_cells = max(float(panel.active.sum()), 1.0)
    trace: list[float] = []
    converged = max_iter == 0
    for it in range(max_iter):
        results = list(run(_estep, [(part, p) for part in parts]))
        stats = results[0][1]
        for _, s in results[1:]:
            stats = stats + s
        trace.append(stats.loglik)
        if progress:
            progress(it + 1, stats.loglik)
        if it > 0 and (trace[-1] - trace[-2]) / n_cells < tol:
            converged = True
            break
        p = m_step(stats, p, dynamics, sg, min_noise)
    # orient: the first input (UNGA kappa by default) loads positively
    if sg is None and p.b[0] < 0:
        p = replace(p, b=-p.b, m0=-p.m0)
    results = list(run(_estep, [(part, p) for part in parts]))
    sm = Smoothed(
        np.concatenate([r[0].mean for r in results]),
        np.concatenate([r[0].var for r in results]),
        np.concatenate([r[0].n_obs for r in results]),
    )
    return Fit(panel, p, dynamics, sm, tuple(trace), converged, len(parts))
