"""``balances alignment``: the outcome dataset, its build, its validation and its inputs.

balances alignment [--pairs RUS,CHN ...] [--start Y] [--end Y] [--format csv|parquet|table]
                   [--components] [--output FILE]
balances alignment build [--dynamics random_walk|ar1] [--scheduler ADDRESS]
balances alignment validate [--stability]
balances alignment inputs
"""

from __future__ import annotations

import argparse
import sys
import time

ACTIONS = ("scores", "build", "validate", "inputs")
#: Columns of the published dataset, in order (the outcome's, less its latent-scale pair;
#: a test checks they match balances.alignment.outcome.COLUMNS). Written out so that the
#: command line loads no pandas until the command runs.
DATASET_COLUMNS = [
    "iso3_1",
    "iso3_2",
    "ccode1",
    "ccode2",
    "year",
    "score",
    "low",
    "high",
    "n_indicators",
]
#: With ``--components``: the two sides of the score (see balances.alignment.outcome).
COMPONENT_COLUMNS = ["cooperation", "hostility"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``alignment`` command on the ``balances`` parser."""
    p = sub.add_parser(
        "alignment",
        help="the alignment outcome for any pair of UN members (dataset, build, validate)",
        description=(
            "Alignment of pairs of states per year, 0-100: the share of all pair-years of UN "
            "members 1946-2024 less aligned than this one (see README, 'The alignment outcome')."
        ),
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=ACTIONS,
        default="scores",
        help="scores (default): write the dataset; build: refit from the committed inputs; "
        "validate: print the checks against alliances; inputs: list the declared inputs",
    )
    p.add_argument(
        "--pairs",
        nargs="+",
        metavar="ISO3,ISO3",
        help="pairs to write, e.g. RUS,CHN RUS,USA (default: every pair)",
    )
    p.add_argument("--start", type=int, help="first year (default: 1946)")
    p.add_argument("--end", type=int, help="last year (default: 2024)")
    p.add_argument(
        "--format",
        choices=("csv", "parquet", "table"),
        default="csv",
        help="output format (default: csv; parquet needs --output)",
    )
    p.add_argument(
        "--components",
        action="store_true",
        help="also write cooperation (population sd units) and hostility (the probability of a "
        "dispute, armed conflict or crisis in the year)",
    )
    p.add_argument("--output", help="write to this file instead of stdout")
    p.add_argument(
        "--dynamics",
        choices=("random_walk", "ar1"),
        default="random_walk",
        help="build: the latent's dynamics (default: random_walk)",
    )
    p.add_argument("--scheduler", help="build: dask.distributed scheduler address for the E-step")
    p.add_argument(
        "--stability",
        action="store_true",
        help="validate: also refit-free source-stop checks (about a minute)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch the ``alignment`` action."""
    return {"scores": _scores, "build": _build, "validate": _validate, "inputs": _inputs}[
        args.action
    ](args)


def _scores(args: argparse.Namespace) -> int:
    from balances.alignment import dyad_scores
    from balances.errors import ParameterError

    columns = DATASET_COLUMNS + (COMPONENT_COLUMNS if args.components else [])
    df = dyad_scores(args.pairs, args.start, args.end)[columns]
    if args.format == "parquet":
        if not args.output:
            raise ParameterError("--output", None, "a file to write Parquet to")
        df.to_parquet(args.output, index=False)
        return 0
    if args.format == "table":
        text = df.to_string(index=False, float_format=lambda v: f"{v:.1f}") + "\n"
    else:
        text = df.to_csv(index=False, float_format="%.2f", lineterminator="\n")
    if args.output:
        from balances.io import write_text_atomic

        write_text_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _build(args: argparse.Namespace) -> int:
    from balances.alignment import OutcomeSpec, fit_outcome, save_outcome

    spec = OutcomeSpec(dynamics=args.dynamics)
    map_fn, client = None, None
    if args.scheduler:
        from dask.distributed import Client

        client = Client(args.scheduler)
        map_fn = lambda f, xs: client.gather(client.map(f, xs))  # noqa: E731
    t0 = time.perf_counter()

    def progress(it: int, ll: float) -> None:
        if it % 10 == 0:
            print(f"  EM iteration {it}: log-likelihood {ll:,.0f}", file=sys.stderr)

    try:
        outcome, _ = fit_outcome(spec, map_fn=map_fn, progress=progress)
    finally:
        if client is not None:
            client.close()
    path = save_outcome(outcome)
    print(
        f"fitted {len(outcome.table):,} dyad-years in {time.perf_counter() - t0:.1f} s "
        f"({outcome.meta['n_iter']} EM iterations, converged={outcome.meta['converged']})"
    )
    print(outcome.params.round(3).to_string(index=False))
    print(f"wrote {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from balances.alignment import dyad_scores
    from balances.alignment.validate import validate

    scores = dyad_scores()
    for line in validate(scores).lines():
        print(line)
    trio = dyad_scores(["RUS,CHN", "RUS,USA", "CHN,USA"], 1991, None)
    wide = trio.pivot_table(index="year", columns=["iso3_1", "iso3_2"], values="score")
    wide.columns = [f"{a}-{b}" for a, b in wide.columns]
    picks = [y for y in (1992, 1996, 2001, 2008, 2014, 2018, 2022, 2024) if y in wide.index]
    print("Scores of the triad's pairs (0-100):")
    print(wide.loc[picks].round(1).to_string())
    from balances.alignment.validate import beside_ladder

    lad, rho = beside_ladder()
    print(
        f"Russia-China: evidence-coded ladder level vs outcome score, 1991-2024: Spearman "
        f"{rho:.2f} (ladder {lad['level'].min()} -> {lad['level'].max()}, score "
        f"{lad['score'].iloc[0]:.1f} -> {lad['score'].iloc[-1]:.1f})"
    )
    if args.stability:
        from balances.alignment.outcome import held_fit
        from balances.alignment.validate import sensitivity, stability

        fitted = held_fit()
        for line in stability(fitted).lines():
            print(line)
        print(
            f"Declared hostility weight {fitted.weight:g} and discount "
            f"{fitted.hostility.discount:g} (not fitted to these sets): the validation figures "
            "with other values"
        )
        print(sensitivity(fitted).round(3).to_string(index=False))
    return 0


def _inputs(args: argparse.Namespace) -> int:
    import pandas as pd

    from balances.alignment import DEFAULT_INPUTS, HOSTILE_INPUTS
    from balances.alignment.outcome import load_outcome

    _, meta = load_outcome()
    est = {r["input"]: r for r in meta["parameters"]}
    rows = [
        {
            "input": i.name,
            "behaviour": i.label,
            "source": i.source,
            "sign": f"{i.sign:+d}",
            "loading": round(est.get(i.name, {}).get("loading", float("nan")), 3),
            "r2": round(est.get(i.name, {}).get("r2", float("nan")), 3),
        }
        for i in DEFAULT_INPUTS
    ]
    print("Cooperation (dynamic factor model: loading and share of variance explained):")
    print(pd.DataFrame(rows).to_string(index=False))
    base = meta["fit"].get("hostility_base_rates", {})
    hostile = [
        {
            "input": i.name,
            "behaviour": i.label,
            "source": i.source,
            "base_rate": round(base.get(i.name, float("nan")), 5),
        }
        for i in HOSTILE_INPUTS
    ]
    print(
        f"Hostility (discounted yearly rates, discount {meta['spec']['discount']:g}; alignment = "
        f"cooperation - {meta['spec']['hostility_weight']:g} x P(any of these in the year)):"
    )
    print(pd.DataFrame(hostile).to_string(index=False))
    return 0
