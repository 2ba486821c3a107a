"""``balances indicators|score|breaks|lenses|cite``: the registry, the scores and their tests."""

from __future__ import annotations

import argparse
import sys

from balances.cli_common import (
    RUN_ARGS,
    add_focal,
    add_format,
    add_triad,
    emit,
    run_params,
)
from balances.config import PANEL_END, STUDY_START
from balances.defaults import (
    DEFAULT_DRAWS,
    DEFAULT_END,
    DEFAULT_SEED,
    DEFAULT_SPEC,
    DEFAULT_START,
    MAX_DRAWS,
)


def add_indicators_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances indicators``."""
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
    add_triad(p)
    add_format(p)
    p.set_defaults(func=_cmd_indicators)


def add_score_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances score``."""
    p = sub.add_parser(
        "score",
        help="driver lens and overall scores per year (0-100, higher = the lens's theory expects "
        "closer alignment of the focal pair against the reference) and the measured outcome "
        "(lens alignment, -100 to 100), with bands",
    )
    add_triad(p)
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
    add_format(p)
    p.set_defaults(func=_cmd_score)


def add_breaks_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances breaks``."""
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
    add_focal(p)
    add_format(p)
    p.set_defaults(func=_cmd_breaks)


def add_lenses_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances lenses``."""
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
    add_format(p)
    p.set_defaults(func=_cmd_lenses)


def add_cite_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``balances cite``."""
    p = sub.add_parser(
        "cite",
        help="BibTeX for the package and for each source a result used (like peacesciencer's ps_cite)",
    )
    add_triad(p)
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


def _cmd_indicators(args: argparse.Namespace) -> int:
    import pandas as pd

    from balances.indicators.panel import Tables, compute_panel

    params = run_params(args, "focal", "reference", "start", "end", "indicators_dir")
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
                "concept": ind.concept,
                "unit": ind.unit,
                "direction": ind.direction,
                "sources": " ".join(ind.sources),
                "citation": ind.citation,
                "notes": ind.notes,
                "first_year": present["min"].get(iid),
                "last_year": present["max"].get(iid),
            }
        )
    head = ["id", "lens", "subconcept", "expected_sign", "first_year-last_year"]
    body = ["title", "concept", "unit", "sources", "citation", "notes"]
    emit(pd.DataFrame(rows), args.format, records=(head, body))
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from balances.analysis import run

    params = run_params(args, *RUN_ARGS)
    emit(run(params).table(), args.format)
    return 0


def _cmd_breaks(args: argparse.Namespace) -> int:
    from balances.analysis import breaks

    params = run_params(args, "spec", "seed")
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
