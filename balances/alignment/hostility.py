"""The hostility side of the alignment outcome: how likely a pair is to fight or face off in a year.

Why a second dimension
----------------------
Cooperation and hostility are not one scale's two ends. Neighbours share
regional organisations, trade and often vote alike, and they are also the
pairs that have disputes, crises and wars (India and Pakistan, Greece and
Turkey); distant enemies share little of anything (Israel and Iran). A
one-factor model of all behaviour reads cooperation and gives rare hostile
events a loading near zero, so it scored India-Pakistan 96 and Israel-Iran 52
(of 100) in 2018. Hostility is therefore estimated on its own and subtracted.

The model
---------
For each hostile behaviour ``k`` (a militarized dispute, an interstate armed
conflict, an international crisis: 0/1 per dyad-year) the yearly probability
``p[d, t, k]`` is a discounted Beta-Bernoulli local level (the discount
models of West & Harrison 1997, ch. 14; Harvey & Fernandes 1989 for counts):
each observed year ``s`` counts with weight ``discount ** |t - s|``, so

    alpha = prior' * base_k + sum_s w_s * y[d, s, k]
    beta  = prior' * (1 - base_k) + sum_s w_s * (1 - y[d, s, k])
    p     = alpha / (alpha + beta),   Var p = alpha * beta / ((alpha + beta)^2 (alpha + beta + 1))

with ``base_k`` the population's share of 1s and ``prior'`` a few hundredths of a
pseudo-year (shrunk with the evidence's weight ``sum_s w_s`` when that is below one year, so
that the prior never outweighs the last years seen). The sums run both ways in time (a smoother, as the cooperation
latent is). A year a source does not cover carries no weight: after a source
stops, the estimate keeps its level and the band widens as the weights decay.
The pair's hostility is the probability of at least one hostile behaviour in
the year, ``h = 1 - prod_k (1 - p_k)`` (treating the behaviours as
independent given the rates), with a delta-method variance.

Alignment is ``cooperation - weight * h``: with the default weight 3, certain
hostility every year takes a pair with the closest cooperation there is (three
population standard deviations above the mean) to the median. The weight is
declared, not fitted to the validation sets; ``balances alignment validate``
prints how the validation figures move with it.

References
----------
Harvey, A. C. and Fernandes, C. (1989). Time series models for count or qualitative
observations. *Journal of Business & Economic Statistics* 7(4): 407-417.
West, M. and Harrison, J. (1997). *Bayesian Forecasting and Dynamic Models*, 2nd ed. Springer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Hostility:
    """Per-input yearly probabilities and the pair's hostility, for every dyad-year of a panel."""

    inputs: tuple[str, ...]
    base: np.ndarray  # (K,) population share of 1s
    rate: np.ndarray  # (D, T, K) posterior mean probability of each behaviour
    rate_var: np.ndarray  # (D, T, K)
    h: np.ndarray  # (D, T) probability of at least one hostile behaviour
    h_var: np.ndarray  # (D, T)
    n_obs: np.ndarray  # (D, T) number of hostile inputs observed that year
    y: np.ndarray  # (D, T, K) the 0/1 inputs (NaN unobserved)
    active: np.ndarray | None
    discount: float
    prior: float

    @property
    def observed(self) -> np.ndarray:
        """``(D, T, K)`` True where an input is observed."""
        return ~np.isnan(self.y)

    def rediscounted(self, discount: float) -> Hostility:
        """The same evidence with another discount (for the sensitivity table)."""
        return estimate(
            self.y, self.inputs, discount=discount, prior=self.prior, active=self.active
        )

    def without(self, name: str) -> Hostility:
        """The rates re-estimated with input ``name`` unobserved everywhere (a source stopping)."""
        y = self.y.copy()
        y[:, :, self.inputs.index(name)] = np.nan
        return replace(self, y=y).rediscounted(self.discount)


def _two_sided(x: np.ndarray, discount: float) -> np.ndarray:
    """``sum_s discount**|t-s| * x[:, s]`` for every ``t`` (axis 1), in two passes over years."""
    n_t = x.shape[1]
    fwd, bwd = np.empty_like(x), np.empty_like(x)
    fwd[:, 0] = x[:, 0]
    for t in range(1, n_t):
        fwd[:, t] = discount * fwd[:, t - 1] + x[:, t]
    bwd[:, -1] = x[:, -1]
    for t in range(n_t - 2, -1, -1):
        bwd[:, t] = discount * bwd[:, t + 1] + x[:, t]
    return fwd + bwd - x


def estimate(
    y: np.ndarray,
    inputs: tuple[str, ...],
    *,
    discount: float = 0.7,
    prior: float = 0.05,
    active: np.ndarray | None = None,
) -> Hostility:
    """Hostility rates of every dyad-year from 0/1 behaviour ``y[d, t, k]`` (NaN = unobserved).

    Parameters
    ----------
    y
        ``(D, T, K)`` array of 0/1 values, NaN where the source does not cover
        the dyad-year.
    inputs
        Names of the ``K`` behaviours.
    discount
        Weight of a year's evidence one year away (0 < discount < 1).
    prior
        Pseudo-years of the population base rate in each rate.
    active
        ``(D, T)`` dyad-years in the population; outside it the values are NaN.

    Examples
    --------
    A pair with a dispute every year, and one without any, over five years:

    >>> y = np.array([[[1.0]] * 5, [[0.0]] * 5])
    >>> hs = estimate(y, ("mid",))
    >>> np.round(hs.h[:, 2], 3).tolist()
    [0.993, 0.007]
    """
    if not 0 < discount < 1:
        raise ValueError(f"discount must be between 0 and 1, got {discount}")
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 3 or y.shape[2] != len(inputs):
        raise ValueError(f"y must be (dyads, years, {len(inputs)}), got {y.shape}")
    seen = ~np.isnan(y)
    if active is not None:
        seen &= active[:, :, None]
    ones = np.where(seen, y, 0.0)
    n_k = seen.sum(axis=(0, 1))
    base = np.where(n_k > 0, ones.sum(axis=(0, 1)) / np.maximum(n_k, 1), 0.0)
    d, t, k = y.shape
    flat_ones = ones.transpose(0, 2, 1).reshape(d * k, t)
    flat_seen = seen.transpose(0, 2, 1).reshape(d * k, t).astype(np.float64)
    s1 = _two_sided(flat_ones, discount).reshape(d, k, t).transpose(0, 2, 1)
    sn = _two_sided(flat_seen, discount).reshape(d, k, t).transpose(0, 2, 1)
    # the prior's weight shrinks with the evidence's, so that years after a source stops keep
    # the last level (and widen) rather than drift back to the base rate; with no evidence at
    # all for a dyad the rate is the base rate with a wide band
    w0 = prior * np.where(sn > 0, np.minimum(sn, 1.0), 1.0)
    alpha = w0 * base + s1
    beta = w0 * (1.0 - base) + (sn - s1)
    total = alpha + beta
    rate = alpha / total
    rate_var = alpha * beta / (total**2 * (total + 1.0))
    survive = np.prod(1.0 - rate, axis=2)
    h = 1.0 - survive
    grad = survive[:, :, None] / np.maximum(1.0 - rate, 1e-12)  # d h / d rate_k
    h_var = (grad**2 * rate_var).sum(axis=2)
    n_obs = seen.sum(axis=2)
    if active is not None:
        h = np.where(active, h, np.nan)
        h_var = np.where(active, h_var, np.nan)
    return Hostility(
        tuple(inputs), base, rate, rate_var, h, h_var, n_obs, y, active, discount, prior
    )


def combine(
    coop_mean: np.ndarray,
    coop_var: np.ndarray,
    hostility: Hostility,
    weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Alignment latent ``cooperation - weight * h`` and its variance (the two taken as independent).

    Examples
    --------
    >>> hs = estimate(np.array([[[1.0]] * 3]), ("mid",))
    >>> m, v = combine(np.array([[2.0, 2.0, 2.0]]), np.array([[0.1, 0.1, 0.1]]), hs, 3.0)
    >>> bool(m[0, 1] < -0.9), bool(v[0, 1] >= 0.1)
    (True, True)
    """
    return coop_mean - weight * hostility.h, coop_var + weight**2 * hostility.h_var
