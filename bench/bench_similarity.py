"""Benchmark: UNGA vote agreement and Cohen's kappa for every dyad-year, 1946-2022.

Compares :func:`balances.similarity.similarity` (one-hot votes, one matrix
product per year) with a straightforward pandas implementation (self-merge of
the votes on the roll call, then groupby dyad-year), on the same votes read
once beforehand (file reading is not timed). Both return each unordered dyad
once; the script checks they agree before printing the timings.

BLAS threads: the per-year products are small (about 600 x 100 by 100 x 600),
so OpenBLAS's threads only add start-up cost; on a busy 2-core machine they made
the vectorised path 3x slower (1.26 s against 0.43 s single-threaded). The
script therefore defaults ``OPENBLAS_NUM_THREADS`` (and ``OMP_NUM_THREADS``) to
1 before numpy loads; set them yourself to measure another setting.

Run: ``.venv/bin/python bench/bench_similarity.py [--raw-dir DIR]``
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # must precede the numpy import; see the docstring

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from balances.config import raw_dir  # noqa: E402
from balances.similarity import similarity  # noqa: E402
from balances.sources.raw import RawFiles  # noqa: E402
from balances.sources.unga import read_votes  # noqa: E402

LAST_YEAR = 2022
KEYS = ["year", "ccode1", "ccode2"]


def pandas_similarity(votes: pd.DataFrame) -> pd.DataFrame:
    """Agreement and kappa per unordered dyad-year by a self-merge and groupby, year by year.

    The merge runs one year at a time only to bound memory (all years at once
    would be ~120 million pairs of country-votes).
    """
    out = []
    for _, v in votes[["rcid", "year", "ccode", "vote"]].groupby("year"):
        pairs = v.merge(v, on=["rcid", "year"], suffixes=("1", "2"))
        pairs = pairs[pairs["ccode1"] < pairs["ccode2"]]
        ind = {"same": pairs["vote1"] == pairs["vote2"]}
        for k in (1, 2, 3):
            ind[f"r{k}"] = pairs["vote1"] == k
            ind[f"c{k}"] = pairs["vote2"] == k
        shares = pd.DataFrame(ind).assign(**{k: pairs[k] for k in KEYS}).groupby(KEYS).mean()
        shares["n_votes"] = pairs.groupby(KEYS).size()
        pe = sum(shares[f"r{k}"] * shares[f"c{k}"] for k in (1, 2, 3))
        shares["agreement"] = shares["same"]
        shares["kappa"] = ((shares["same"] - pe) / (1 - pe)).where(pe < 1)
        out.append(shares[["n_votes", "agreement", "kappa"]].reset_index())
    return pd.concat(out, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", default=None, help="raw-data directory")
    args = parser.parse_args()
    raw = RawFiles(raw_dir(args.raw_dir))
    votes = read_votes(raw)
    votes = votes[votes["year"] <= LAST_YEAR]
    print(f"BLAS threads: OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print(
        f"votes: {len(votes):,} country-votes, {votes['rcid'].nunique():,} roll calls, "
        f"{votes['ccode'].nunique()} states, {votes['year'].min()}-{votes['year'].max()}"
    )

    t0 = time.perf_counter()
    fast = similarity(votes, measures=("agreement", "kappa"), directed=False)
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    slow = pandas_similarity(votes)
    t_slow = time.perf_counter() - t0

    both = fast.merge(slow, on=KEYS, suffixes=("", "_pd"), validate="one_to_one")
    if len(both) != len(fast) or len(both) != len(slow):
        raise SystemExit(f"row counts differ: numpy {len(fast)}, pandas {len(slow)}")
    for col in ("n_votes", "agreement", "kappa"):
        if not np.allclose(both[col], both[f"{col}_pd"], rtol=0, atol=1e-12, equal_nan=True):
            raise SystemExit(f"{col} differs between the two implementations")

    print(f"dyad-years: {len(fast):,} (unordered dyads, both implementations agree)")
    print(f"vectorised (numpy one-hot matmul): {t_fast:8.2f} s")
    print(f"pandas self-merge + groupby:       {t_slow:8.2f} s")
    print(f"speed-up: {t_slow / t_fast:,.0f}x")


if __name__ == "__main__":
    main()
