"""One statistics core: the Monte Carlo scores its draws with the nominal aggregators.

:func:`balances.uncertainty.score_draws` gives :data:`balances.scoring.AGGREGATORS`
a draws axis. These properties pin that the fast path equals the simple one: for
every draw, the score the nominal scoring computes for that draw's weights, and a
weighted power mean written out indicator by indicator.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from balances.indicators.registry import LENSES
from balances.scoring import AGGREGATORS
from balances.uncertainty import score_draws

#: Order p of the generalised mean drawn in the properties (1 arithmetic, 0 geometric).
POWERS = st.sampled_from([1.0, 0.0, 0.5, -1.0, 2.0])
score = st.one_of(st.just(math.nan), st.floats(0.0, 100.0))
weight = st.one_of(st.just(0.0), st.floats(0.0, 1.0))


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores (Y, I) or (D, Y, I), weights within lenses and overall (D, I), each column's lens."""
    per_lens = draw(st.integers(1, 3))
    n_i, n_d, n_y = per_lens * len(LENSES), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    shape = (n_d, n_y, n_i) if draw(st.booleans()) else (n_y, n_i)
    x = draw(arrays(np.float64, shape, elements=score))
    within = draw(arrays(np.float64, (n_d, n_i), elements=weight))
    overall = draw(arrays(np.float64, (n_d, n_i), elements=weight))
    return x, within, overall, np.repeat(np.array(LENSES), per_lens)


def _power_mean(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """Weighted power mean of ``x + 1`` over the present indicators, minus 1 (one draw, one year)."""
    pairs = [(xi + 1.0, wi) for xi, wi in zip(x, w, strict=True) if math.isfinite(xi)]
    total = sum(wi for _, wi in pairs)
    if total <= 0:
        return math.nan
    if p == 0.0:
        return math.exp(sum(wi * math.log(xi) for xi, wi in pairs) / total) - 1.0
    return (sum(wi * xi**p for xi, wi in pairs) / total) ** (1 / p) - 1.0


@given(problem=problems(), name=st.sampled_from(sorted(AGGREGATORS)), p=POWERS)
@settings(deadline=None)  # examples: the profile (conftest.py)
def test_draws_axis_equals_the_nominal_aggregator_per_draw(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], name: str, p: float
) -> None:
    x, within, overall, lens_of = problem
    out = score_draws(x, within, overall, lens_of, name, p)
    assert out.shape == (within.shape[0], x.shape[-2], len(LENSES) + 1)
    for d in range(within.shape[0]):
        xd = x[d] if x.ndim == 3 else x
        weights = [within[d] * (lens_of == lens) for lens in LENSES] + [overall[d]]
        for k, w in enumerate(weights):
            # as balances.scoring.aggregate_scores calls it: one weight row for all years
            nominal = AGGREGATORS[name](xd, w[None, :], p)
            np.testing.assert_allclose(out[d, :, k], nominal, rtol=1e-12, atol=1e-12)


@given(problem=problems(), p=POWERS)
@settings(deadline=None)  # examples: the profile (conftest.py)
def test_draws_axis_equals_the_power_mean_written_out(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], p: float
) -> None:
    x, within, overall, lens_of = problem
    out = score_draws(x, within, overall, lens_of, "generalised", p)
    for d in range(within.shape[0]):
        xd = x[d] if x.ndim == 3 else x
        for y in range(xd.shape[0]):
            expected = _power_mean(xd[y], overall[d], p)
            np.testing.assert_allclose(out[d, y, -1], expected, rtol=1e-9, atol=1e-9)


def test_arithmetic_and_geometric_ignore_the_spec_power() -> None:
    """The names fix the order; only 'generalised' reads the spec's power."""
    x = np.array([[10.0, 40.0, np.nan, 90.0, 20.0, 50.0]])
    w = np.full((1, 6), 1.0)
    lens_of = np.repeat(np.array(LENSES), 2)
    for name, p in (("arithmetic", 1.0), ("geometric", 0.0)):
        a = score_draws(x, w, w, lens_of, name, 0.5)
        b = score_draws(x, w, w, lens_of, "generalised", p)
        np.testing.assert_array_equal(a, b)
