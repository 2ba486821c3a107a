"""Benchmark: the all-dyad alignment fit, one triad from the committed tables, and dask.

Prints, for the 2-core target machine:

* the wall time of the whole fit (load the committed inputs, prepare, EM to
  convergence, smooth every dyad-year 1946-2024; target under 60 s) and per EM
  iteration;
* the time to read one triad's "aligned against" series from the committed
  outcome in a fresh process's first call (target under 1 s), and in a shell
  with process start and imports (``balances alignment --pairs ...``);
* with ``--dask``, the same E-step on a local ``dask.distributed`` cluster of
  two workers, checked equal to the in-process result.

Run: ``.venv/bin/python bench/bench_alignment.py [--dask] [--iterations N]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dask", action="store_true", help="also run the E-step on a local cluster")
    p.add_argument("--iterations", type=int, default=200, help="EM iteration cap (default 200)")
    args = p.parse_args()

    from balances.alignment import OutcomeSpec, against, fit_outcome

    t0 = time.perf_counter()
    from balances.alignment.outcome import _load, _scored_all  # cold read of the outcome

    _load.cache_clear()
    _scored_all.cache_clear()
    a = against(("RUS", "CHN"), "USA")
    t_triad = time.perf_counter() - t0
    print(f"one triad (RUS,CHN vs USA, {len(a)} years) from the committed outcome: {t_triad:.2f} s")

    t0 = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("balances")), "alignment", "--pairs", "RUS,CHN"],
        check=True,
        capture_output=True,
    )
    print(f"`balances alignment --pairs RUS,CHN` from a shell: {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    outcome, fitted = fit_outcome(OutcomeSpec(max_iter=args.iterations))
    fit = fitted.coop  # the cooperation model (EM); hostility has closed-form rates
    total = time.perf_counter() - t0
    n = fit.n_iter
    print(
        f"all-dyad fit: {len(outcome.table):,} dyad-years, {len(fit.panel.dyads):,} dyads, "
        f"{n} EM iterations (converged={fit.converged}): {total:.1f} s in all, "
        f"{outcome.meta['fit_seconds'] / max(n, 1):.2f} s per iteration"
    )

    if args.dask:
        from dask.distributed import Client, LocalCluster

        from balances.alignment.model import fit as fit_model

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
            with Client(cluster) as client:
                t0 = time.perf_counter()
                f2 = fit_model(
                    fit.panel,
                    params=fit.params,
                    max_iter=0,
                    map_fn=lambda f, xs: client.gather(client.map(f, xs)),
                )
                print(f"one E-step on a 2-worker dask cluster: {time.perf_counter() - t0:.1f} s")
        same = np.allclose(f2.smoothed.mean, fit.smoothed.mean, equal_nan=True)
        print(f"dask result equals the in-process one: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
