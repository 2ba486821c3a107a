"""Benchmark: Monte Carlo over scoring choices, vectorised vs a per-draw loop.

Prints the wall time of 10,000 draws over 1991-2024 with every indicator
(target: under 2 s on a 2-core machine) and, in the same run, the time of a
straightforward loop that re-scores the panel once per draw with
``score_panel`` (measured on fewer draws and scaled), and their ratio.
Run: ``python bench/bench_scoring.py``.
"""

from __future__ import annotations

import time

import numpy as np

from balances.analysis import indicator_panel
from balances.scoring import AGGREGATORS, IMPUTERS, NORMALISERS, ScoringSpec, score_panel
from balances.uncertainty import monte_carlo

DRAWS = 10_000
LOOP_DRAWS = 200


def naive(panel, registry, draws: int, seed: int) -> None:
    """One full scoring per draw (what a first implementation would do)."""
    rng = np.random.default_rng(seed)
    ids = list(dict.fromkeys(panel["indicator"]))
    for _ in range(draws):
        w = rng.dirichlet(np.full(len(ids), 20.0))
        spec = ScoringSpec(
            normalise=rng.choice(list(NORMALISERS)),
            impute=rng.choice(list(IMPUTERS)),
            aggregate=rng.choice(list(AGGREGATORS)),
            weights="manual",
            manual_weights=dict(zip(ids, w.tolist(), strict=True)),
        )
        score_panel(panel, registry, spec)


def main() -> None:
    panel, registry = indicator_panel()
    n_ind = panel["indicator"].nunique()
    years = panel["year"].nunique()
    monte_carlo(panel, registry, draws=100, seed=0)  # warm caches and imports
    t0 = time.perf_counter()
    res = monte_carlo(panel, registry, draws=DRAWS, seed=1)
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive(panel, registry, LOOP_DRAWS, seed=1)
    slow = (time.perf_counter() - t0) * DRAWS / LOOP_DRAWS
    print(f"panel: {n_ind} indicators x {years} years")
    print(f"vectorised Monte Carlo, {DRAWS} draws: {fast:.2f} s (target < 2 s)")
    print(f"per-draw loop, {LOOP_DRAWS} draws scaled to {DRAWS}: {slow:.1f} s")
    print(f"ratio loop / vectorised: {slow / fast:.0f}x")
    print(f"bands computed: {len(res['bands'])} rows; sensitivity rows: {len(res['sensitivity'])}")


if __name__ == "__main__":
    main()
