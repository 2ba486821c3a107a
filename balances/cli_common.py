"""What every ``balances`` command shares: run parameters, output (text table, CSV, JSON,
file) and the common options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from balances import __version__
from balances.defaults import (
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
)
from balances.errors import BalancesError

#: The parameters of a scoring run, as the command line names them.
RUN_ARGS = ("focal", "reference", "start", "end", "spec", "draws", "seed", "indicators_dir")

#: Widest line a text table may print (``--format table``).
TABLE_WIDTH = 120
#: Run parameters that CSV/JSON output carries as columns, when the command takes them.
META_ARGS = ("focal", "reference", "start", "end", "spec", "draws", "seed", "series")


class Invocation:
    """What the command line asked for beyond the command's own work: the output file and the
    run parameters (set once in :func:`balances.cli.main`, read by :func:`emit`)."""

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


def records_text(
    df: pd.DataFrame, head: Sequence[str], body: Sequence[str], width: int = TABLE_WIDTH
) -> str:
    """One block per row, for listings too wide for columns: ``head`` fields on the first line
    (``"a-b"`` joins fields ``a`` and ``b`` with a dash, as a span of years), each ``body`` field
    below it as ``name: value``, wrapped to ``width``.
    """
    import textwrap

    import pandas as pd

    def text(v: object) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    blocks = []
    for _, row in df.iterrows():
        first = ["-".join(text(row[f]) for f in c.split("-")).strip("-") for c in head]
        lines = ["  ".join(x for x in first if x)]
        for c in body:
            if text(row[c]):
                lines += textwrap.wrap(
                    f"{c}: {text(row[c])}", width, initial_indent="    ", subsequent_indent="      "
                )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


if TYPE_CHECKING:  # pandas is imported by the commands that use it: `report` starts light
    import pandas as pd

    from balances.params import RunParams


def emit(df: pd.DataFrame, fmt: str, records: tuple[list[str], list[str]] | None = None) -> None:
    """Print a frame as a text table (at most :data:`TABLE_WIDTH` wide), CSV or JSON records.

    CSV and JSON rows carry the command's run parameters (:func:`run_meta`) as extra columns.
    With ``--output FILE`` the frame goes to the file instead, in the format its suffix names
    (``.csv``, ``.json``, ``.txt``, ``.parquet``, ``.dta``, ``.xlsx``). ``records`` (head
    and body columns) prints a text table as one block per row (:func:`records_text`).
    """

    out = Invocation.output
    if out is not None:
        fmt = {".json": "json", ".txt": "table"}.get(out.suffix.lower(), "file")
    if fmt in ("csv", "json", "file") and Invocation.meta:
        df = df.assign(**{k: v for k, v in Invocation.meta.items() if k not in df.columns})
    if fmt == "file":
        from balances.io import export

        export(df, out, meta=Invocation.meta)
    elif fmt == "csv":
        text = df.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    elif fmt == "json":
        text = df.to_json(orient="records", double_precision=6) + "\n"
    elif records is not None:
        text = records_text(df, *records)
    else:
        text = _wrap_table(df)
    if out is None:
        sys.stdout.write(text)
    elif fmt != "file":
        from balances.io import write_text_atomic

        write_text_atomic(out, text)
    if out is not None:
        print(f"wrote {len(df)} rows to {out}", file=sys.stderr)


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    add_output(p)


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write the table to FILE instead of stdout; its suffix picks the format: "
        ".csv, .json, .txt, .parquet, .dta (Stata, with variable labels) or .xlsx",
    )


def add_triad(p: argparse.ArgumentParser) -> None:
    add_focal(p)
    add_indicators_dir(p, default=argparse.SUPPRESS)


def add_focal(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--focal", default=DEFAULT_FOCAL, help=f"focal pair, ISO3 codes (default: {DEFAULT_FOCAL})"
    )
    p.add_argument(
        "--reference",
        default=DEFAULT_REFERENCE,
        help=f"reference power, ISO3 (default: {DEFAULT_REFERENCE})",
    )


def add_indicators_dir(p: argparse.ArgumentParser, default: object = None) -> None:
    """``--indicators-dir`` before or after the subcommand: the subcommand's copy is SUPPRESSed
    so that leaving it out does not overwrite the value given before the subcommand."""
    p.add_argument(
        "--indicators-dir",
        default=default,
        help="directory of your own indicator YAML files and CSV tables "
        "(default: $BALANCES_USER_DIR); accepted before or after the subcommand",
    )


def run_params(args: argparse.Namespace, *names: str) -> RunParams:
    """The run parameters given on the command line, validated once."""
    from balances.params import RunParams

    return RunParams(**{n: getattr(args, n) for n in names if getattr(args, n, None) is not None})
