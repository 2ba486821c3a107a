"""Command line: ``balances data|indicators|score|alignment|ko|claims|breaks|report|lab``.

Every command prints to stdout (tables as text, CSV or JSON) and reports
errors as one line on stderr naming what to fix, with exit code 2 for bad
parameters or data and 1 for failed reports.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from balances import __version__
from balances.cli_claims import add_claims_parsers
from balances.cli_common import (
    META_ARGS,
    RUN_ARGS,
    TABLE_WIDTH,
    Invocation,
    add_indicators_dir,
    emit,
    run_meta,
)
from balances.cli_data import add_data_parser
from balances.cli_reports import add_lab_parser, add_report_parser
from balances.cli_results import (
    add_breaks_parser,
    add_cite_parser,
    add_indicators_parser,
    add_lenses_parser,
    add_score_parser,
)
from balances.errors import BalancesError, BalancesWarning

__all__ = ["META_ARGS", "RUN_ARGS", "TABLE_WIDTH", "build_parser", "emit", "main", "run_meta"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``balances`` command."""
    parser = argparse.ArgumentParser(prog="balances", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"balances {__version__}")
    add_indicators_dir(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    add_data_parser(sub)
    add_indicators_parser(sub)
    add_score_parser(sub)
    add_report_parser(sub)
    add_claims_parsers(sub)
    add_breaks_parser(sub)
    add_lenses_parser(sub)
    add_cite_parser(sub)
    add_lab_parser(sub)

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
    Invocation.output = getattr(args, "output", None)
    Invocation.meta = run_meta(args)
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
