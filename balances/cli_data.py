"""``balances data build|check|fetch|sources|summary``: the processed tables and their sources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from balances.cli_common import (
    add_format,
    add_output,
    emit,
)


def add_data_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances data`` and its subcommands."""
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
    add_format(p)
    p.set_defaults(func=_cmd_data_fetch)
    p = data.add_parser("sources", help="list the source catalogue (citation, version, licence)")
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "markdown"),
        default="table",
        help="output format; markdown is the README's table",
    )
    add_output(p)
    p.set_defaults(func=_cmd_data_sources)
    p = data.add_parser("summary", help="list the processed tables")
    add_format(p)
    p.set_defaults(func=_cmd_data_summary)


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
            "caveats": " ".join(s.caveats),
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
        body = ["title", "producer", "version", "licence", "citation", "url", "caveats"]
        emit(df, args.format, records=(["id", "coverage", "status"], body))
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
