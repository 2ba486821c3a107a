"""``balances ko`` and ``balances claims``: Ko's and Korolev's claims judged on the data."""

from __future__ import annotations

import argparse
import sys

from balances.cli_common import (
    add_focal,
    add_format,
    emit,
)
from balances.errors import BalancesError, ParameterError


def add_claims_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``ko`` and ``claims``."""
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


def _add_claims_args(p: argparse.ArgumentParser, default_author: str) -> None:
    import shutil

    p.add_argument(
        "--author",
        choices=("ko", "korolev", "all"),
        default=default_author,
        help=f"whose claims (default: {default_author})",
    )
    add_focal(p)
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
    add_format(p)
    p.set_defaults(func=_cmd_ko)


def _cmd_ko(args: argparse.Namespace) -> int:
    import pandas as pd

    from balances.ko import circularity, format_claims, judge, sensitivity, stance_agreement
    from balances.ko_claims import CLAIM_FILES, load_claims
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
    works = {a: load_claims(CLAIM_FILES[a]).citation for a in authors}
    if args.format == "table":
        import textwrap

        cited = "".join(
            textwrap.fill(f"{a}: {w}", args.width, initial_indent="  ", subsequent_indent="    ")
            + "\n"
            for a, w in works.items()
        )
        sys.stdout.write(format_claims(claims, args.width) + "\nClaims paraphrased from:\n" + cited)
    else:
        emit(claims.assign(work=claims["author"].map(works)), args.format)
    return 0
