"""Benchmark `balances report`: cold run, warm (cached) run, and the naive shell loop.

Runs every period declared in ``notebooks/params/periods.yml``. With the real
notebooks (``notebooks/alignment_report.ipynb``, ``notebooks/ko_comparison.ipynb``)
when they exist; otherwise with ``tests/notebooks/ok.ipynb`` once per period.
Prints figures only; nothing is asserted. Output goes to a temporary folder.

    .venv/bin/python bench/bench_report.py [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from balances import report
from balances.config import PROJECT_DIR
from balances.report import (
    DEFAULT_NOTEBOOKS,
    DEFAULT_NOTEBOOKS_DIR,
    DEFAULT_PERIODS_FILE,
    PeriodsConfig,
    load_periods,
    run_reports,
)

BIN = Path(sys.executable).parent


def periods_config(tmp: Path) -> tuple[PeriodsConfig, str]:
    """The shipped periods, with the real notebooks or the test stand-in."""
    if all((DEFAULT_NOTEBOOKS_DIR / f"{nb}.ipynb").is_file() for nb in DEFAULT_NOTEBOOKS):
        return load_periods(DEFAULT_PERIODS_FILE), "the real notebooks in notebooks/"
    doc = yaml.safe_load(DEFAULT_PERIODS_FILE.read_text(encoding="utf-8"))
    doc["notebooks"] = ["ok"]
    doc["notebooks_dir"] = str(PROJECT_DIR / "tests" / "notebooks")
    path = tmp / "periods.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_periods(path), "tests/notebooks/ok.ipynb once per period (real notebooks not found)"


def kernel_start_seconds(n: int = 3) -> float:
    """Median time to start a python3 kernel and get it ready (jupyter_client, as nbclient does)."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        km, kc = start_new_kernel(
            kernel_name="python3", extra_arguments=["--IPKernelApp.log_level=CRITICAL"]
        )
        times.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.shutdown_kernel()
    return statistics.median(times)


def naive_loop(config: PeriodsConfig, out: Path) -> tuple[float, int]:
    """Wall time of a shell loop: papermill, then `jupyter nbconvert --no-input`, per report."""
    lines = ["failed=0"]
    for p in config.periods.values():
        for nb in p.notebooks:
            src = config.notebook_path(nb)
            dest = out / p.name / f"{nb}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            params = " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in p.parameters().items())
            lines.append(
                f"{shlex.quote(str(BIN / 'papermill'))} --no-progress-bar -k python3 "
                f"{shlex.quote(str(src))} {shlex.quote(str(dest))} {params} 2>/dev/null "
                "|| failed=$((failed + 1))"
            )
            lines.append(
                f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --no-input "
                f"{shlex.quote(str(dest))} 2>/dev/null"
            )
    lines.append('echo "$failed"')
    script = out / "naive.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    done = subprocess.run(
        ["bash", str(script)], check=True, cwd=config.notebooks_dir, capture_output=True, text=True
    )
    return time.perf_counter() - t0, int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    # The tree may be edited while this runs (other work in progress): freeze the source and
    # data hashes so the warm run measures the cache, not those edits.
    pkg, data = report.package_hash(), report.data_hashes()
    report.package_hash = lambda: pkg
    report.data_hashes = lambda directory=None: dict(data)
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp_name:
        tmp = Path(tmp_name)
        config, which = periods_config(tmp)
        n_runs = sum(len(p.notebooks) for p in config.periods.values())
        print(f"periods: {len(config.periods)}, reports: {n_runs}, notebooks: {which}")
        print(f"jobs: {args.jobs} (cpus: {os.cpu_count()})")

        t0 = time.perf_counter()
        cold = run_reports(config, out=tmp / "ours", jobs=args.jobs, progress=False)
        t_cold = time.perf_counter() - t0
        failed = len(cold.failed)
        run_s = sum(r["duration_s"] for r in cold.reports)
        print(
            f"cold run:  {t_cold:6.1f} s wall  ({failed} failed; sum of per-report times "
            f"{run_s:.1f} s)"
        )

        t_kernel = kernel_start_seconds()
        kernel_wall = t_kernel * n_runs / min(args.jobs, n_runs)
        share = 100 * kernel_wall / t_cold
        print(
            f"kernel start: {t_kernel:.2f} s each; x {n_runs} runs / {min(args.jobs, n_runs)} "
            f"jobs = {kernel_wall:.1f} s, {share:.0f}% of the cold wall time"
        )

        t0 = time.perf_counter()
        warm = run_reports(config, out=tmp / "ours", jobs=args.jobs, progress=False)
        t_warm = time.perf_counter() - t0
        cached = sum(r["status"] == "cached" for r in warm.reports)
        print(
            f"warm run:  {t_warm:6.1f} s wall  ({cached}/{n_runs} cached; the index and the "
            "summary scores are recomputed)"
        )
        reasons = sorted({r["reason"] for r in warm.reports if r["status"] != "cached"})
        if reasons:
            print(f"  re-ran because: {', '.join(reasons)} (the tree changed during the benchmark)")

        t_naive, naive_failed = naive_loop(config, tmp / "naive")
        print(
            f"naive loop (papermill + jupyter nbconvert per report, sequential): "
            f"{t_naive:6.1f} s  ({naive_failed} failed)"
        )
        print(f"naive / ours: cold {t_naive / t_cold:.2f}x, warm {t_naive / t_warm:.1f}x")


if __name__ == "__main__":
    main()
