"""``balances report`` and ``balances lab``: the notebooks run as reports, or opened in JupyterLab."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances report``."""
    p = sub.add_parser(
        "report",
        help="run each period's notebooks with papermill and write HTML "
        "reports, index.html and manifest.json",
    )
    p.add_argument("--periods", help="periods YAML (default: notebooks/params/periods.yml)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="period names to run (default: all)")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes, one kernel each (default: number of CPUs)",
    )
    inp = p.add_mutually_exclusive_group()
    inp.add_argument(
        "--no-input",
        dest="with_input",
        action="store_false",
        help="hide code cells in the HTML (default)",
    )
    inp.add_argument(
        "--with-input", dest="with_input", action="store_true", help="keep code cells in the HTML"
    )
    p.set_defaults(with_input=False)
    p.add_argument("--force", action="store_true", help="re-run reports even when nothing changed")
    p.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or a dask.distributed cluster",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler address, with --executor dask"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=1800,
        metavar="SECONDS",
        help="time limit of one report; a report that takes longer fails alone (default: 1800)",
    )
    p.add_argument(
        "--indicators-dir",
        help="directory of your own indicator YAML files and CSV tables, passed to every "
        "report and part of its cache key (default: $BALANCES_USER_DIR)",
    )
    p.set_defaults(func=_cmd_report)


def add_lab_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances lab``."""
    p = sub.add_parser(
        "lab",
        help="start JupyterLab on the notebooks (notebooks/explore.ipynb is the interactive explorer)",
    )
    p.add_argument(
        "--port", type=int, help="port (default: JupyterLab's, 8888 or the next free one)"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "jupyter_args",
        nargs="*",
        metavar="-- JUPYTERLAB_OPTION",
        help="options passed on to JupyterLab after '--', e.g. -- --allow-root",
    )
    p.set_defaults(func=_cmd_lab)


def _cmd_report(args: argparse.Namespace) -> int:
    from balances.reports import run_reports
    from balances.reports.loading import load_periods_cached

    config = load_periods_cached(args.periods, args.out)
    try:
        result = run_reports(
            config,
            only=args.only,
            out=args.out,
            jobs=args.jobs,
            with_input=args.with_input,
            force=args.force,
            executor=args.executor,
            scheduler=args.scheduler,
            timeout=args.timeout,
            indicators_dir=args.indicators_dir,
        )
    except KeyboardInterrupt:
        print(
            "balances: interrupted; finished reports were kept, unfinished ones left as they "
            "were (the next run redoes only what is missing or out of date)",
            file=sys.stderr,
        )
        return 130
    try:
        _print_report_summary(result)
    except OSError as exc:  # stdout closed or full: the reports and the index are written
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so that the exit flush is quiet
        print(
            f"balances: error: cannot write to stdout ({exc.strerror}); the reports and "
            f"{result.index} were written",
            file=sys.stderr,
        )
        return 1
    if result.failed:
        print(
            f"balances: {len(result.failed)} report(s) failed; the last good ones were kept",
            file=sys.stderr,
        )
        return 1
    return 0


def _print_report_summary(result: Any) -> None:
    for rec in result.reports:
        err = rec.get("error") or {}
        detail = f"  {err.get('ename')}: {err.get('evalue')}" if err else ""
        took = rec.get("duration_s") or 0.0
        why = f" ({rec['reason']})" if rec.get("reason") and rec["status"] != "cached" else ""
        print(f"{rec['status']:<7} {rec['period']}/{rec['notebook']}  {took:.1f} s{why}{detail}")
    for s in result.manifest["summary"]:
        if s["error"]:
            print(
                f"balances: warning: summary score of {s['period']} failed: {s['error']}",
                file=sys.stderr,
            )
    print(f"index: {result.index}", flush=True)


def _cmd_lab(args: argparse.Namespace) -> int:
    from balances.lab import lab

    return lab(port=args.port, open_browser=not args.no_browser, extra_args=args.jupyter_args)
