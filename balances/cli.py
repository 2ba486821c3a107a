"""Command line: ``balances data|indicators|score|alignment|ko|breaks|report|lab``.

Every command prints to stdout (tables as text, CSV or JSON) and reports
errors as one line on stderr naming what to fix, with exit code 2 for bad
parameters or data and 1 for failed reports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from balances import __version__
from balances.errors import BalancesError


def emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a frame as an aligned table, CSV or JSON records."""
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    elif fmt == "json":
        sys.stdout.write(df.to_json(orient="records", double_precision=6) + "\n")
    else:
        with pd.option_context(
            "display.max_rows",
            None,
            "display.max_columns",
            None,
            "display.width",
            200,
            "display.float_format",
            "{:.4g}".format,
        ):
            sys.stdout.write(df.to_string(index=False) + "\n")


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )


# ---------------------------------------------------------------- data
def _cmd_data_build(args: argparse.Namespace) -> int:
    from balances.build import build
    from balances.config import processed_dir, raw_dir

    root = raw_dir(args.raw_dir)
    out = Path(args.out) if args.out else processed_dir()
    prov = build(
        root,
        out,
        only=args.only or None,
        verify=not args.no_verify,
        progress=lambda n: print(f"building {n}", file=sys.stderr),
    )
    print(f"wrote {len(prov)} tables to {out}")
    return 0


def _cmd_data_check(args: argparse.Namespace) -> int:
    from balances.build import check_processed
    from balances.config import processed_dir, raw_dir
    from balances.sources.raw import RawFiles

    out = Path(args.out) if args.out else processed_dir()
    for line in check_processed(out):
        print(line)
    root = raw_dir(args.raw_dir, required=args.raw_dir is not None)
    if root is not None:
        raw = RawFiles(root)
        n = 0
        for sid, src in sorted(raw.catalogue.items()):
            for f in src.files:
                raw.path(sid, f.path)
                n += 1
        print(f"raw: {n} files in {root} match the catalogue's SHA-256")
    else:
        print("raw: no raw directory found; only the processed tables were checked")
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from balances.config import PROJECT_DIR
    from balances.fetch import fetch

    dest = Path(args.dest) if args.dest else PROJECT_DIR / ".cache" / "raw"
    results = fetch(
        dest,
        base_url=args.base_url,
        only=args.only or None,
        progress=lambda p: print(f"fetching {p}", file=sys.stderr),
    )
    df = pd.DataFrame([r.__dict__ for r in results])
    emit(df, args.format)
    manual = int((df["status"] == "manual").sum()) if len(df) else 0
    if manual:
        print(
            f"{manual} file(s) have no direct download; fetch them by hand (see 'detail')",
            file=sys.stderr,
        )
    return 0


def _cmd_data_sources(args: argparse.Namespace) -> int:
    from balances.sources.catalogue import load_catalogue

    rows = [
        {
            "id": s.id,
            "title": s.title,
            "producer": s.producer,
            "version": s.version,
            "coverage": f"{s.coverage[0]}-{s.coverage[1]}",
            "status": s.status,
            "licence": s.licence,
            "citation": s.citation,
            "url": s.url,
        }
        for s in load_catalogue().values()
    ]
    df = pd.DataFrame(rows)
    if args.format == "markdown":
        lines = [
            "| source | producer, version | coverage | status | licence | citation |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            cells = [
                f"`{r['id']}` [{r['title']}]({r['url']})",
                f"{r['producer']}; {r['version']}",
                r["coverage"],
                r["status"],
                r["licence"],
                r["citation"],
            ]
            lines.append(
                "| " + " | ".join(str(c).replace("|", "/").replace("\n", " ") for c in cells) + " |"
            )
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        emit(df, args.format)
    return 0


def _cmd_data_summary(args: argparse.Namespace) -> int:
    from balances.data import tables

    rows = [
        {
            "table": k,
            "level": v["level"],
            "rows": v["rows"],
            "first_year": (v["years"] or [None, None])[0],
            "last_year": (v["years"] or [None, None])[1],
            "sources": ", ".join(v["sources"]),
        }
        for k, v in tables().items()
    ]
    emit(pd.DataFrame(rows), args.format)
    return 0


# ---------------------------------------------------------------- indicators and scores
def _triad_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--focal", default="RUS,CHN", help="focal pair, ISO3 codes (default RUS,CHN)")
    p.add_argument("--reference", default="USA", help="reference power, ISO3 (default USA)")
    p.add_argument(
        "--indicators-dir",
        help="directory of your own indicator YAML files and CSV tables "
        "(default: $BALANCES_USER_DIR)",
    )


def _cmd_indicators(args: argparse.Namespace) -> int:
    from balances.indicators.panel import Tables, compute_panel
    from balances.triad import Triad

    source = Tables(args.indicators_dir)
    triad = Triad.parse(args.focal, args.reference)
    if args.lens == "alignment":
        from balances.ladder import as_panel, ladder, registry_rows

        outcome = as_panel(ladder(triad, start=args.start, end=args.end, source=source))
        if args.values:
            emit(outcome, args.format)
            return 0
        span = outcome.dropna(subset=["value"]).groupby("indicator")["year"].agg(["min", "max"])
        rows = registry_rows()
        rows["first_year"] = rows["id"].map(span["min"])
        rows["last_year"] = rows["id"].map(span["max"])
        emit(rows, args.format)
        return 0
    lenses = [args.lens] if args.lens else None
    panel = compute_panel(triad, start=args.start, end=args.end, source=source, lenses=lenses)
    if args.values:
        emit(panel[["year", "indicator", "lens", "value", "status", "note"]], args.format)
        return 0
    registry = source.registry()
    present = panel[panel["status"] != "missing"].groupby("indicator")["year"].agg(["min", "max"])
    rows = []
    for iid in dict.fromkeys(panel["indicator"]):
        ind = registry[iid]
        rows.append(
            {
                "id": iid,
                "lens": ind.lens,
                "subconcept": ind.subconcept,
                "expected_sign": "+" if ind.direction > 0 else "-",
                "title": ind.title,
                "unit": ind.unit,
                "direction": ind.direction,
                "sources": " ".join(ind.sources),
                "citation": ind.citation,
                "first_year": present["min"].get(iid),
                "last_year": present["max"].get(iid),
            }
        )
    emit(pd.DataFrame(rows), args.format)
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from balances.analysis import score

    res = score(
        focal=args.focal,
        reference=args.reference,
        start=args.start,
        end=args.end,
        spec=args.spec,
        draws=args.draws,
        seed=args.seed,
        indicators_dir=args.indicators_dir,
    )
    emit(res.table(), args.format)
    return 0


# ---------------------------------------------------------------- reports
def _cmd_report(args: argparse.Namespace) -> int:
    from balances.report import load_periods, run_reports

    config = load_periods(args.periods)
    result = run_reports(
        config,
        only=args.only,
        out=args.out,
        jobs=args.jobs,
        with_input=args.with_input,
        force=args.force,
        executor=args.executor,
        scheduler=args.scheduler,
    )
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
    print(f"index: {result.index}")
    if result.failed:
        print(
            f"balances: {len(result.failed)} report(s) failed; the last good ones were kept",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_ko(args: argparse.Namespace) -> int:
    from balances.ko import evaluate_claims, stance_agreement

    if args.figures:
        from balances.ko_figures import revisions

        emit(revisions(), args.format)
        return 0
    claims = evaluate_claims(beyond=not args.ko_only)
    if args.stances:
        emit(stance_agreement()["summary"], args.format)
        return 0
    cols = ["claim_id", "period", "condition", "expected", "measured", "verdict", "reason"]
    emit(
        claims[cols + (["ko_figures", "statement", "location"] if args.format != "table" else [])],
        args.format,
    )
    return 0


def _cmd_breaks(args: argparse.Namespace) -> int:
    from balances.analysis import breaks

    res = breaks(args.series, spec=args.spec, seed=args.seed)
    if args.regimes:
        emit(res["regimes"], args.format)
    else:
        emit(res["tests"], args.format)
    return 0


def _cmd_lenses(args: argparse.Namespace) -> int:
    from balances import lenses

    if args.build_population:
        from balances.indicators.population import POPULATION, write_population

        path = write_population()
        print(f"wrote {path} ({POPULATION.label})")
        return 0
    triads = (
        [(t.split(":")[0], t.split(":")[1] if ":" in t else "USA") for t in args.triads]
        if args.triads
        else lenses.FIVE_TRIADS
    )
    if args.test:
        out = lenses.comparative_test(
            start=args.start, end=args.end, triads=None if not args.triads else triads
        )
        print(out["method"])
        emit(out["table"].round(4) if args.format == "table" else out["table"], args.format)
        print(out["summary"])
        if out["caution"]:
            print(f"caution: {out['caution']}")
        return 0
    table = lenses.triad_table(triads, args.start, args.end, draws=args.draws, seed=args.seed)
    if args.format == "table":
        emit(lenses.wide(table).reset_index(names="triad"), args.format)
        print(
            "lens: period mean [5-95% band of the period mean]; R2: share of the lens's variance "
            "a straight line in the year explains (near 1 = the series mostly measures time)"
        )
    else:
        emit(table, args.format)
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    from balances.lab import lab

    return lab(port=args.port, open_browser=not args.no_browser, extra_args=args.jupyter_args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``balances`` command."""
    parser = argparse.ArgumentParser(prog="balances", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"balances {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="fetch, build and check the data").add_subparsers(
        dest="data_command", required=True
    )
    p = data.add_parser("build", help="build the processed tables from the raw files")
    p.add_argument(
        "--raw-dir", help="raw-data directory (default: $BALANCES_RAW_DIR or ../shared/data/raw)"
    )
    p.add_argument("--out", help="processed directory (default: data/processed)")
    p.add_argument("--only", nargs="*", help="table names to rebuild")
    p.add_argument(
        "--no-verify", action="store_true", help="skip raw-file hash checks (newer upstream)"
    )
    p.set_defaults(func=_cmd_data_build)
    p = data.add_parser(
        "check", help="verify processed tables (and raw files if found) against their hashes"
    )
    p.add_argument("--raw-dir")
    p.add_argument("--out", help="processed directory (default: data/processed)")
    p.set_defaults(func=_cmd_data_check)
    p = data.add_parser("fetch", help="download raw upstream files with hash checks (pooch)")
    p.add_argument("--dest", help="target raw directory (default: .cache/raw)")
    p.add_argument("--base-url", help="mirror serving the raw-directory layout")
    p.add_argument("--only", nargs="*", help="source ids")
    _add_format(p)
    p.set_defaults(func=_cmd_data_fetch)
    p = data.add_parser("sources", help="list the source catalogue (citation, version, licence)")
    p.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table")
    p.set_defaults(func=_cmd_data_sources)
    p = data.add_parser("summary", help="list the processed tables")
    _add_format(p)
    p.set_defaults(func=_cmd_data_summary)

    p = sub.add_parser("indicators", help="list the indicator registry, or its values (--values)")
    p.add_argument("--lens", choices=("power", "threat", "interests", "alignment", "context"))
    p.add_argument(
        "--values",
        action="store_true",
        help="print the computed panel (year, indicator, value, status)",
    )
    p.add_argument("--start", type=int, default=1991)
    p.add_argument("--end", type=int, default=2024)
    _triad_args(p)
    _add_format(p)
    p.set_defaults(func=_cmd_indicators)

    p = sub.add_parser(
        "score",
        help="lens and overall alignment scores per year (0-100, higher = closer alignment of the focal pair "
        "against the reference), with 5-95%% Monte Carlo bands",
    )
    _triad_args(p)
    p.add_argument("--start", type=int, default=1992)
    p.add_argument("--end", type=int, default=2024)
    p.add_argument("--spec", default="default", help="preset name or YAML file of a ScoringSpec")
    p.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (0: no bands)")
    p.add_argument("--seed", type=int, default=0)
    _add_format(p)
    p.set_defaults(func=_cmd_score)

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
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "ko", help="Ko Sangtu's claims evaluated against the data (one row per claim)"
    )
    p.add_argument("--ko-only", action="store_true", help="skip the re-runs on later periods")
    p.add_argument(
        "--stances",
        action="store_true",
        help="print the agreement of Ko's period stances with the data's (Cohen's kappa)",
    )
    p.add_argument(
        "--figures",
        action="store_true",
        help="print Ko's own figures beside the current SIPRI release",
    )
    _add_format(p)
    p.set_defaults(func=_cmd_ko)

    p = sub.add_parser(
        "breaks", help="trend, Chow, sup-F and CUSUM tests and Markov regimes of a series"
    )
    p.add_argument(
        "--series",
        default="overall",
        choices=("overall", "power", "threat", "interests", "vote_gap"),
    )
    p.add_argument(
        "--regimes", action="store_true", help="print the Markov-switching regime spells instead"
    )
    p.add_argument("--spec", default="default")
    p.add_argument("--seed", type=int, default=0)
    _add_format(p)
    p.set_defaults(func=_cmd_breaks)

    p = sub.add_parser(
        "lenses",
        help="the three driver lenses across triads on one scale, with R2 on the year; "
        "--test: how each lens relates to the alignment outcome",
    )
    p.add_argument(
        "--triads",
        nargs="+",
        metavar="F1,F2:REF",
        help="triads to compare (default: RUS,CHN RUS,IRN CHN,PAK FRA,DEU IND,PAK against USA)",
    )
    p.add_argument("--start", type=int, default=1992, help="first year (default 1992)")
    p.add_argument("--end", type=int, default=2024, help="last year (default 2024)")
    p.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    p.add_argument(
        "--test",
        action="store_true",
        help="the comparative test: lagged changes of each lens against changes of the "
        "alignment outcome, for RUS-CHN vs USA, a placebo and the population of triads",
    )
    p.add_argument(
        "--build-population",
        action="store_true",
        help="rebuild balances/indicators/population.csv (the declared population's distributions)",
    )
    _add_format(p)
    p.set_defaults(func=_cmd_lenses)

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

    from balances.alignment.cli import add_parser as add_alignment_parser

    add_alignment_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``balances`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BalancesError as exc:
        print(f"balances: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
