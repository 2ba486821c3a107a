"""Command line: ``balances data|indicators|score|alignment|ko|claims|breaks|report|lab``.

Every command prints to stdout (tables as text, CSV or JSON) and reports
errors as one line on stderr naming what to fix, with exit code 2 for bad
parameters or data and 1 for failed reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balances import __version__
from balances.config import PANEL_END, STUDY_START
from balances.defaults import (
    DEFAULT_DRAWS,
    DEFAULT_END,
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    DEFAULT_SPEC,
    DEFAULT_START,
    MAX_DRAWS,
)
from balances.errors import BalancesError, BalancesWarning, ParameterError

#: The parameters of a scoring run, as the command line names them.
RUN_ARGS = ("focal", "reference", "start", "end", "spec", "draws", "seed", "indicators_dir")

#: Widest line a text table may print (``--format table``).
TABLE_WIDTH = 120
#: Run parameters that CSV/JSON output carries as columns, when the command takes them.
META_ARGS = ("focal", "reference", "start", "end", "spec", "draws", "seed", "series")


class _Run:
    """What the command line asked for beyond the command's own work: the output file and the
    run parameters (set once in :func:`main`, read by :func:`emit`)."""

    output: Path | None = None
    meta: dict[str, object] = {}


def run_meta(args: argparse.Namespace) -> dict[str, object]:
    """The run parameters of a command (triad, spec and its digest, seed, ...) and the version."""
    # "end" is a reserved word in Stata: the period's ends are period_start, period_end
    names = {"start": "period_start", "end": "period_end"}
    meta: dict[str, object] = {
        names.get(k, k): getattr(args, k) for k in META_ARGS if hasattr(args, k)
    }
    if not meta:
        return {}
    if isinstance(meta.get("spec"), str):
        from balances.scoring import resolve_spec

        try:
            meta["spec_hash"] = resolve_spec(meta["spec"]).digest()
        except BalancesError:
            pass  # the command itself reports the bad spec
    meta["balances_version"] = __version__
    return meta


def _wrap_table(df: pd.DataFrame, width: int = TABLE_WIDTH) -> str:
    """Text table no wider than ``width``: the widest columns are narrowed and their cells wrapped."""
    import textwrap

    import pandas as pd

    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    cells = [
        [
            ""
            if pd.isna(v)
            else (f"{v:.4g}" if isinstance(v, float) else str(v)).replace("\n", " ")
            for v in df[c]
        ]
        for c in df.columns
    ]
    heads = [str(c) for c in df.columns]
    widths = [max([len(h)] + [len(x) for x in col]) for h, col in zip(heads, cells, strict=True)]
    # narrow the widest column first, but not below its longest word (ids stay whole) while
    # another column can give way; then any but the first (the row's key) down to a floor
    words = [
        min(24, max(len(w) for x in [h, *col] for w in (x.split() or [""])))
        for h, col in zip(heads, cells, strict=True)
    ]
    for floor in (words, words[:1] + [6] * (len(widths) - 1)):
        while sum(widths) + 2 * (len(widths) - 1) > width:
            room = [w - f if w > f else -1 for w, f in zip(widths, floor, strict=True)]
            if max(room) < 0:
                break
            widths[max(range(len(widths)), key=lambda i: widths[i] if room[i] >= 0 else -1)] -= 1
    lines = []
    for row in [heads] + [list(r) for r in zip(*cells, strict=True)] if cells else [heads]:
        wrapped = [
            textwrap.wrap(x, w, break_long_words=True) or [""]
            for x, w in zip(row, widths, strict=True)
        ]
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for w, num, text in zip(widths, numeric, wrapped, strict=True):
                piece = text[k] if k < len(text) else ""
                parts.append(piece.rjust(w) if num else piece.ljust(w))
            lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


if TYPE_CHECKING:  # pandas is imported by the commands that use it: `report` starts light
    import pandas as pd

    from balances.params import RunParams


def emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a frame as a text table (at most :data:`TABLE_WIDTH` wide), CSV or JSON records.

    CSV and JSON rows carry the command's run parameters (:func:`run_meta`) as extra columns.
    With ``--output FILE`` the frame goes to the file instead, in the format its suffix names
    (``.csv``, ``.json``, ``.txt``, ``.parquet``, ``.dta``, ``.xlsx``).
    """

    out = _Run.output
    if out is not None:
        fmt = {".json": "json", ".txt": "table"}.get(out.suffix.lower(), "file")
    if fmt in ("csv", "json", "file") and _Run.meta:
        df = df.assign(**{k: v for k, v in _Run.meta.items() if k not in df.columns})
    if fmt == "file":
        from balances.io import export

        export(df, out, meta=_Run.meta)
    elif fmt == "csv":
        text = df.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    elif fmt == "json":
        text = df.to_json(orient="records", double_precision=6) + "\n"
    else:
        text = _wrap_table(df)
    if out is None:
        sys.stdout.write(text)
    elif fmt != "file":
        from balances.io import write_text_atomic

        write_text_atomic(out, text)
    if out is not None:
        print(f"wrote {len(df)} rows to {out}", file=sys.stderr)


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    _add_output(p)


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write the table to FILE instead of stdout; its suffix picks the format: "
        ".csv, .json, .txt, .parquet, .dta (Stata, with variable labels) or .xlsx",
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
    import pandas as pd

    from balances.config import FROM_CLONE, PROJECT_DIR
    from balances.fetch import fetch

    if args.dest:
        dest = Path(args.dest)
    elif FROM_CLONE:
        dest = PROJECT_DIR / ".cache" / "raw"
    else:  # an installed package: the user's cache, not the environment's share/ folder
        import pooch

        dest = Path(pooch.os_cache("balances")) / "raw"
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
    import pandas as pd

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
    import pandas as pd

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
    _focal_args(p)
    _indicators_dir_arg(p, default=argparse.SUPPRESS)


def _focal_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--focal", default=DEFAULT_FOCAL, help=f"focal pair, ISO3 codes (default: {DEFAULT_FOCAL})"
    )
    p.add_argument(
        "--reference",
        default=DEFAULT_REFERENCE,
        help=f"reference power, ISO3 (default: {DEFAULT_REFERENCE})",
    )


def _indicators_dir_arg(p: argparse.ArgumentParser, default: object = None) -> None:
    """``--indicators-dir`` before or after the subcommand: the subcommand's copy is SUPPRESSed
    so that leaving it out does not overwrite the value given before the subcommand."""
    p.add_argument(
        "--indicators-dir",
        default=default,
        help="directory of your own indicator YAML files and CSV tables "
        "(default: $BALANCES_USER_DIR); accepted before or after the subcommand",
    )


def _cmd_indicators(args: argparse.Namespace) -> int:
    import pandas as pd

    from balances.indicators.panel import Tables, compute_panel

    params = _params(args, "focal", "reference", "start", "end", "indicators_dir")
    source = Tables(params.indicators_dir)
    triad = params.triad
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


def _params(args: argparse.Namespace, *names: str) -> RunParams:
    """The run parameters given on the command line, validated once."""
    from balances.params import RunParams

    return RunParams(**{n: getattr(args, n) for n in names if getattr(args, n, None) is not None})


def _cmd_score(args: argparse.Namespace) -> int:
    from balances.analysis import run

    params = _params(args, *RUN_ARGS)
    emit(run(params).table(), args.format)
    return 0


# ---------------------------------------------------------------- reports
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


def _cmd_ko(args: argparse.Namespace) -> int:
    import pandas as pd

    from balances.ko import circularity, format_claims, judge, sensitivity, stance_agreement
    from balances.triad import Triad

    triad, ko = Triad.parse(args.focal, args.reference), Triad()
    if {triad.focal1, triad.focal2, triad.reference} != {ko.focal1, ko.focal2, ko.reference} or (
        triad.reference != ko.reference
    ):
        raise ParameterError(
            "focal/reference",
            f"{args.focal} vs {args.reference}",
            "RUS,CHN vs USA: Ko's and Korolev's claims are about Russia, China and the US; "
            "score and breaks take any triad",
        )
    if getattr(args, "figures", False):
        from balances.ko_figures import revisions

        emit(revisions(), args.format)
        return 0
    if getattr(args, "stances", False):
        emit(stance_agreement()["summary"], args.format)
        return 0
    authors = ("ko", "korolev") if args.author == "all" else (args.author,)
    if args.sensitivity:
        emit(pd.concat([sensitivity(a) for a in authors], ignore_index=True), args.format)
        return 0
    if args.circularity:
        emit(circularity(), args.format)
        return 0
    judged = [judge(a, beyond=not args.ko_only, grid=not args.evidence) for a in authors]
    if args.evidence:
        rows = pd.concat([j.evidence for j in judged], ignore_index=True)
        rows = rows[rows["claim_id"] == args.evidence]
        if rows.empty:
            raise BalancesError(f"no claim {args.evidence!r}; `balances claims` lists them")
        emit(rows, "table" if args.format == "table" else args.format)
        return 0
    claims = pd.concat([j.claims for j in judged], ignore_index=True)
    if args.format == "table":
        sys.stdout.write(format_claims(claims, args.width))
    else:
        emit(claims, args.format)
    return 0


def _add_claims_args(p: argparse.ArgumentParser, default_author: str) -> None:
    import shutil

    p.add_argument(
        "--author",
        choices=("ko", "korolev", "all"),
        default=default_author,
        help=f"whose claims (default: {default_author})",
    )
    _focal_args(p)
    p.add_argument("--ko-only", action="store_true", help="skip the re-runs on later periods")
    p.add_argument(
        "--sensitivity",
        action="store_true",
        help="print every verdict over the grid of thresholds and tolerances",
    )
    p.add_argument(
        "--circularity",
        action="store_true",
        help="print the Walt rule's inputs beside what each stance claim checks it against",
    )
    p.add_argument(
        "--evidence", metavar="CLAIM_ID", help="print the evidence rows behind one claim's verdict"
    )
    p.add_argument(
        "--width",
        type=int,
        default=min(120, shutil.get_terminal_size((100, 24)).columns),
        help="text width of the table format (at most 120)",
    )
    _add_format(p)
    p.set_defaults(func=_cmd_ko)


def _cmd_breaks(args: argparse.Namespace) -> int:
    from balances.analysis import breaks

    params = _params(args, "spec", "seed")
    res = breaks(
        args.series,
        spec=params.spec,
        seed=params.seed,
        focal=args.focal,
        reference=args.reference,
    )
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


def _cmd_cite(args: argparse.Namespace) -> int:
    from balances.cite import cite

    if args.source:
        text = cite(sources=args.source, package=not args.no_package)
    else:
        from balances.analysis import score

        res = score(
            focal=args.focal,
            reference=args.reference,
            start=args.start,
            end=args.end,
            draws=0,
            indicators_dir=args.indicators_dir,
        )
        text = cite(res, package=not args.no_package)
    sys.stdout.write(text)
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    from balances.lab import lab

    return lab(port=args.port, open_browser=not args.no_browser, extra_args=args.jupyter_args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``balances`` command."""
    parser = argparse.ArgumentParser(prog="balances", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"balances {__version__}")
    _indicators_dir_arg(parser)
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
    p.add_argument(
        "--raw-dir", help="raw-data directory to verify too (default: $BALANCES_RAW_DIR if set)"
    )
    p.add_argument("--out", help="processed directory (default: data/processed)")
    p.set_defaults(func=_cmd_data_check)
    p = data.add_parser("fetch", help="download raw upstream files with hash checks (pooch)")
    p.add_argument(
        "--dest",
        help="target raw directory (default: .cache/raw in a clone, the user cache "
        "~/.cache/balances/raw when installed)",
    )
    p.add_argument("--base-url", help="mirror serving the raw-directory layout")
    p.add_argument("--only", nargs="*", help="source ids")
    _add_format(p)
    p.set_defaults(func=_cmd_data_fetch)
    p = data.add_parser("sources", help="list the source catalogue (citation, version, licence)")
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "markdown"),
        default="table",
        help="output format; markdown is the README's table",
    )
    _add_output(p)
    p.set_defaults(func=_cmd_data_sources)
    p = data.add_parser("summary", help="list the processed tables")
    _add_format(p)
    p.set_defaults(func=_cmd_data_summary)

    p = sub.add_parser("indicators", help="list the indicator registry, or its values (--values)")
    p.add_argument(
        "--lens",
        choices=("power", "threat", "interests", "alignment", "context"),
        help="only this lens (alignment: the outcome ladder); default: the three lenses",
    )
    p.add_argument(
        "--values",
        action="store_true",
        help="print the computed panel (year, indicator, value, status)",
    )
    p.add_argument(
        "--start", type=int, default=STUDY_START, help=f"first year (default: {STUDY_START})"
    )
    p.add_argument("--end", type=int, default=PANEL_END, help=f"last year (default: {PANEL_END})")
    _triad_args(p)
    _add_format(p)
    p.set_defaults(func=_cmd_indicators)

    p = sub.add_parser(
        "score",
        help="lens and overall alignment scores per year (0-100, higher = closer alignment of the focal pair "
        "against the reference), with 5-95%% Monte Carlo bands",
    )
    _triad_args(p)
    p.add_argument(
        "--start", type=int, default=DEFAULT_START, help=f"first year (default: {DEFAULT_START})"
    )
    p.add_argument(
        "--end", type=int, default=DEFAULT_END, help=f"last year (default: {DEFAULT_END})"
    )
    p.add_argument(
        "--spec",
        default=DEFAULT_SPEC,
        help=f"preset name or YAML file of a ScoringSpec (default: {DEFAULT_SPEC})",
    )
    p.add_argument(
        "--draws",
        type=int,
        default=DEFAULT_DRAWS,
        help=f"Monte Carlo draws (default: {DEFAULT_DRAWS}); 0-{MAX_DRAWS}, 0 for no bands",
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
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

    p = sub.add_parser(
        "ko", help="Ko Sangtu's claims judged on the data (expected, measured, evidence, verdict)"
    )
    p.add_argument(
        "--stances",
        action="store_true",
        help="print the agreement of Ko's and Korolev's stances with the data's (Cohen's kappa)",
    )
    p.add_argument(
        "--figures",
        action="store_true",
        help="print Ko's own figures beside the current SIPRI release",
    )
    _add_claims_args(p, "ko")
    p = sub.add_parser(
        "claims", help="Ko's and Korolev's claims judged on the data (--author ko|korolev|all)"
    )
    _add_claims_args(p, "all")

    p = sub.add_parser(
        "breaks", help="trend, Chow, sup-F and CUSUM tests and Markov regimes of a series"
    )
    p.add_argument(
        "--series",
        default="overall",
        choices=("overall", "power", "threat", "interests", "vote_gap"),
        help="a score series, or vote_gap (Russia's UNGA agreement with China minus with the reference)",
    )
    p.add_argument(
        "--regimes", action="store_true", help="print the Markov-switching regime spells instead"
    )
    p.add_argument(
        "--spec",
        default=DEFAULT_SPEC,
        help=f"scoring preset or YAML file (default: {DEFAULT_SPEC})",
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    _focal_args(p)
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
    p.add_argument(
        "--start", type=int, default=DEFAULT_START, help=f"first year (default {DEFAULT_START})"
    )
    p.add_argument(
        "--end", type=int, default=DEFAULT_END, help=f"last year (default {DEFAULT_END})"
    )
    p.add_argument(
        "--draws",
        type=int,
        default=DEFAULT_DRAWS,
        help=f"Monte Carlo draws for the bands of the period means (default {DEFAULT_DRAWS})",
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"Monte Carlo seed (default {DEFAULT_SEED})"
    )
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
        "cite",
        help="BibTeX for the package and for each source a result used (like peacesciencer's ps_cite)",
    )
    _triad_args(p)
    p.add_argument("--start", type=int, default=1992, help="first year of the result cited")
    p.add_argument("--end", type=int, default=2024, help="last year of the result cited")
    p.add_argument(
        "--source",
        nargs="+",
        metavar="ID",
        help="cite these catalogued sources instead ('all' for the whole catalogue)",
    )
    p.add_argument("--no-package", action="store_true", help="omit the package's own entries")
    p.set_defaults(func=_cmd_cite)

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
    return _show_defaults(parser)


class _HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default unless its help already states it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" not in text and _has_default(action):
            text = f"{text} (default: %(default)s)".strip()
        return text


def _has_default(action: argparse.Action) -> bool:
    d = action.default
    return bool(action.option_strings) and not (
        d is None or d is False or d is argparse.SUPPRESS or isinstance(d, bool)
    )


def _show_defaults(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give the parser and every subcommand's parser the formatter that shows defaults."""
    parser.formatter_class = _HelpFormatter
    for action in parser._actions:
        if action.help is None and _has_default(action):
            action.help = "(default: %(default)s)"
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _show_defaults(sub)
    return parser


_SHOW_WARNING = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
    """Print the package's own warnings as one line, others as Python does."""
    if issubclass(category, BalancesWarning):
        print(f"balances: warning: {message}", file=sys.stderr)
    else:
        _SHOW_WARNING(message, category, filename, lineno, file, line)


def _tolerant_streams() -> None:
    """Print what a terminal's encoding cannot show as escapes (``PYTHONIOENCODING=ascii``)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass  # not a text stream we can reconfigure, or closed: leave it


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``balances`` console script."""
    _tolerant_streams()
    args = build_parser().parse_args(argv)
    _Run.output = getattr(args, "output", None)
    _Run.meta = run_meta(args)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", BalancesWarning)
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except BalancesError as exc:
        print(f"balances: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
