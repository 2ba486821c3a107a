"""Benchmark `balances report`: cold run, warm (cached) run, the naive shell loop, and the
cached run as a user runs it: the `balances report` command from a shell, process start and
imports included.

Runs every period declared in ``notebooks/params/periods.yml`` (or ``--periods FILE``). With
the real notebooks (``notebooks/alignment_report.ipynb``, ``notebooks/ko_comparison.ipynb``)
when they exist; otherwise with ``tests/notebooks/ok.ipynb`` once per period.
Prints figures only; nothing is asserted. Output goes to a temporary folder, or to ``--out``.

    .venv/bin/python bench/bench_report.py [--jobs N] [--periods FILE]
    .venv/bin/python bench/bench_report.py --shell-only --out reports   # after `make reports`
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

from balances.config import PROJECT_DIR
from balances.reports import (
    DEFAULT_NOTEBOOKS,
    DEFAULT_NOTEBOOKS_DIR,
    DEFAULT_PERIODS_FILE,
    PeriodsConfig,
    load_periods,
    run_reports,
)
from balances.reports import cache as report

BIN = Path(sys.executable).parent


def periods_config(tmp: Path, periods: Path | None = None) -> tuple[PeriodsConfig, str]:
    """The shipped periods (or ``periods``), with the real notebooks or the test stand-in."""
    if periods is not None:
        return load_periods(periods), f"the notebooks named in {periods}"
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


def shell_cached_seconds(
    periods: Path, out: Path, n: int = 5
) -> tuple[list[float], list[float], list[str]]:
    """Wall and CPU (user + system) seconds of `balances report` from a shell on a fully cached
    folder (n runs), with the status words the n runs printed."""
    import resource

    cmd = [str(BIN / "balances"), "report", "--periods", str(periods), "--out", str(out)]
    # one untimed run first: it runs whatever is missing or out of date, so the timed ones are
    # the quiet, fully cached case
    subprocess.run(cmd, capture_output=True, text=True, check=False)
    walls, cpus, statuses = [], [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        words = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
        statuses += [w for w in words if w in ("ok", "cached", "failed")]
    return walls, cpus, statuses


def print_shell(periods: Path, out: Path) -> None:
    walls, cpus, statuses = shell_cached_seconds(periods, out)
    print(
        "cached run from a shell (`balances report`, process start and imports included): "
        f"wall median {statistics.median(walls):.2f} s (min {min(walls):.2f} s), "
        f"CPU median {statistics.median(cpus):.2f} s, over {len(walls)} runs; "
        f"{statuses.count('cached')}/{len(statuses)} report runs cached; target < 1 s on a quiet "
        f"machine (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--periods", type=Path, help="periods file (default: the shipped one)")
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary one)")
    parser.add_argument(
        "--shell-only",
        action="store_true",
        help="only time the cached `balances report` command on --out (already built)",
    )
    args = parser.parse_args()
    if args.shell_only:
        if args.out is None:
            parser.error("--shell-only needs --out, a folder `balances report` has filled")
        print_shell(args.periods or DEFAULT_PERIODS_FILE, args.out)
        return
    # The tree may be edited while this runs (other work in progress): freeze the source and
    # data hashes so the warm run measures the cache, not those edits.
    pkg, data = report.package_hash(), report.data_hashes()
    report.package_hash = lambda: pkg
    report.data_hashes = lambda directory=None: dict(data)
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp_name:
        tmp = Path(tmp_name)
        config, which = periods_config(tmp, args.periods)
        n_runs = sum(len(p.notebooks) for p in config.periods.values())
        print(f"periods: {len(config.periods)}, reports: {n_runs}, notebooks: {which}")
        print(f"jobs: {args.jobs} (cpus: {os.cpu_count()})")

        t0 = time.perf_counter()
        out = args.out or tmp / "ours"
        cold = run_reports(config, out=out, jobs=args.jobs, progress=False)
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
        warm = run_reports(config, out=out, jobs=args.jobs, progress=False)
        t_warm = time.perf_counter() - t0
        cached = sum(r["status"] == "cached" for r in warm.reports)
        print(
            f"warm run (in-process):  {t_warm:6.2f} s wall  ({cached}/{n_runs} cached; "
            "summaries and figure from the cache)"
        )
        reasons = sorted({r["reason"] for r in warm.reports if r["status"] != "cached"})
        if reasons:
            print(f"  re-ran because: {', '.join(reasons)} (the tree changed during the benchmark)")

        print_shell(config.path, out)

        t_naive, naive_failed = naive_loop(config, tmp / "naive")
        print(
            f"naive loop (papermill + jupyter nbconvert per report, sequential): "
            f"{t_naive:6.1f} s  ({naive_failed} failed)"
        )
        print(f"naive / ours: cold {t_naive / t_cold:.2f}x, warm {t_naive / t_warm:.1f}x")


if __name__ == "__main__":
    main()
