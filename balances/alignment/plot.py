"""Chart of the outcome for a few pairs, with bands: ``python -m balances.alignment.plot --out F``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from matplotlib.axes import Axes

from balances.alignment.outcome import dyad_scores
from balances.countries import country_name

#: Okabe-Ito colours (colour-blind safe).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
SOURCE_LINE = (
    "Source: balances alignment outcome (UNGA votes: Voeten, UN DL; COW IGO v3, Trade v4; "
    "SIPRI; MME, JME; COW-MID v5; UCDP/PRIO ACD; ICB v15). Bands: 90%."
)
#: Last year each default input covers every pair: drawn as 'data end' marks.
SOURCE_ENDS = {2010: "exercises", 2014: "IGOs, trade, MIDs"}


def plot_pairs(
    ax: Axes,
    pairs: Sequence[str] = ("RUS,CHN", "RUS,USA", "CHN,USA"),
    start: int = 1991,
    end: int = 2024,
    *,
    title: str = "Alignment of each pair (0-100)",
) -> Axes:
    """Score and 90% band of each pair per year on one axis; marks where sources end."""
    d = dyad_scores(list(pairs), start, end)
    for colour, pair in zip(PALETTE, pairs, strict=False):
        a, b = pair.split(",")
        g = d[(d["iso3_1"] == a) & (d["iso3_2"] == b)]
        label = f"{country_name(a)} – {country_name(b)}"
        ax.fill_between(g["year"], g["low"], g["high"], color=colour, alpha=0.15, linewidth=0)
        ax.plot(g["year"], g["score"], color=colour, linewidth=2, label=label)
    for year, what in SOURCE_ENDS.items():
        if start <= year <= end:
            ax.axvline(year + 0.5, color="0.6", linewidth=0.8, linestyle=":")
            ax.text(year + 0.6, 1, f"{what} end", rotation=90, fontsize=7, color="0.4", va="bottom")
    ax.set_xlim(start, end)
    ax.set_ylim(0, 100)
    ax.set_ylabel("alignment score (percentile of all pair-years, 0-100)")
    ax.set_title(title, loc="left")
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.text(0.01, 0.01, SOURCE_LINE, fontsize=6, color="0.35")
    return ax


def main(argv: Sequence[str] | None = None) -> int:
    """Write the README's chart."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True, help="file to write (.png, .svg or .pdf)")
    p.add_argument("--pairs", nargs="+", default=["RUS,CHN", "RUS,USA", "CHN,USA"])
    p.add_argument("--title", default="Russia and China drew together as each drifted from the US")
    args = p.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # a file, not a window (never at import: notebooks keep their backend)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=150)
    plot_pairs(ax, args.pairs, title=args.title)
    fig.subplots_adjust(bottom=0.12)
    fig.savefig(args.out, metadata={"Software": None} if args.out.endswith(".png") else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
