"""The Ko report's chart of stances and its generated explanations.

:func:`stance_strips` draws Ko's and Korolev's stances and the data's (the Walt
rule's prediction and the stance revealed by UN votes), year by year, one strip
per source, with Cohen's kappa between each author and each data stance and the
years of disagreement. :func:`explain` writes one sentence per contradicted or
inconclusive verdict from the evidence behind it, never from prose kept per claim.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from balances.ko import Judgement, stance_agreement
from balances.walt import STANCES

#: Colour per stance (bandwagon with the US, hedge, balance with China).
STANCE_COLOURS = {"bandwagon": "#4c72b0", "hedge": "#c8c8c8", "balance": "#c44e52"}
#: Strips, top to bottom: column of the stance table -> label.
STRIPS = {
    "ko": "Ko (periods)",
    "korolev": "Korolev (reading)",
    "walt_rule": "Walt rule (data)",
    "votes": "UN votes, kappa gap (data)",
}


def stance_strips(
    agreement: dict | None = None,
    ax: Axes | None = None,
    *,
    start: int = 1992,
    end: int = 2024,
) -> Axes:
    """Stances year by year, one strip per source, with kappa and the years of disagreement.

    Parameters
    ----------
    agreement
        The result of :func:`balances.ko.stance_agreement` (computed if None).
    ax
        Axes to draw on (a new figure if None).

    Returns
    -------
    Axes
    """
    agreement = agreement or stance_agreement()
    years = agreement["years"]
    years = years[(years["year"] >= start) & (years["year"] <= end)]
    summary = agreement["summary"].set_index("compared")
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 3.6))
    for row, (col, _label) in enumerate(STRIPS.items()):
        y = len(STRIPS) - 1 - row
        for year, stance in zip(years["year"], years[col], strict=True):
            if stance is None or (isinstance(stance, float) and np.isnan(stance)):
                ax.add_patch(
                    plt.Rectangle((year - 0.5, y - 0.4), 1, 0.8, fill=False, hatch="//", lw=0)
                )
                continue
            ax.add_patch(
                plt.Rectangle((year - 0.5, y - 0.4), 1, 0.8, color=STANCE_COLOURS[stance], lw=0)
            )
        # years where an author's stance differs from the votes' stance
        if col in ("ko", "korolev"):
            d = years[years[col].notna() & years["votes"].notna() & (years[col] != years["votes"])]
            ax.plot(d["year"], [y] * len(d), "kx", ms=5, mew=1)
    ax.set_yticks(range(len(STRIPS)))
    ax.set_yticklabels(list(STRIPS.values())[::-1])
    ax.set_xlim(start - 0.5, end + 0.5)
    ax.set_ylim(-0.6, len(STRIPS) - 0.4)
    ax.set_xlabel("year")
    notes = []
    for author in ("ko", "korolev"):
        parts = []
        for data in ("walt_rule", "votes"):
            r = summary.loc[f"{author} vs {data}"]
            k = "undefined" if pd.isna(r["kappa"]) else f"{r['kappa']:.2f}"
            differ = r["years"] - round(r["agreement"] * r["years"])
            parts.append(f"vs {data}: kappa {k}, {differ} of {r['years']} years differ")
        notes.append(f"{author}: " + "; ".join(parts))
    ax.set_title(
        "Stances toward the US: authors and data (x = the author differs from the votes)",
        fontsize=10,
    )
    ax.text(0, -0.22, "\n".join(notes), transform=ax.transAxes, fontsize=8, va="top")
    handles = [Patch(color=STANCE_COLOURS[s], label=s) for s in STANCES]
    handles.append(Patch(fill=False, hatch="//", label="not covered"))
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    return ax


def disagreement_years(agreement: dict | None = None) -> pd.DataFrame:
    """The summary of :func:`balances.ko.stance_agreement`: kappa and years of disagreement."""
    agreement = agreement or stance_agreement()
    return agreement["summary"][
        ["compared", "years", "agreement", "kappa", "note", "disagreements"]
    ]


def _clause(t: pd.Series) -> str:
    return f"{t['evidence']} {t['verdict']} ({t['comparison']}: {t['measured']}; {t['reason']})"


def explain(judgement: Judgement, *, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One generated sentence per contradicted or inconclusive verdict.

    The sentence is assembled from the verdict per evidence kind, the tests'
    comparisons, measured values and reasons, and the fragility of the verdict.

    Returns
    -------
    DataFrame
        claim_id, verdict, sentence.
    """
    claims = judgement.claims
    if scope is not None:
        claims = claims[claims["scope"].isin(scope)]
    tests = judgement.tests
    rows = []
    for c in claims.itertuples(index=False):
        if c.verdict == "supported":
            continue
        t = tests[tests["claim_id"] == c.claim_id]
        kinds = t["evidence"].unique()
        if c.verdict == "contradicted":
            against = t[t["verdict"] == "contradicted"]
            body = "the data go against it: " + "; ".join(_clause(r) for _, r in against.iterrows())
        elif len(kinds) > 1 and "kinds disagree" in c.reason:
            body = "the kinds of evidence disagree: " + "; ".join(
                _clause(r) for _, r in t.iterrows()
            )
        else:
            open_ = t[t["verdict"] != "supported"]
            body = "the evidence does not decide it: " + "; ".join(
                _clause(r) for _, r in open_.iterrows()
            )
        sentence = f"{c.claim_id} ({c.period}) is {c.verdict} because {body}."
        if "possibility" in c.reason:
            sentence += (
                " The author states a possibility, which its absence so far does not refute."
            )
        if str(c.fragility).startswith("fragile"):
            sentence += f" The verdict is fragile: {str(c.fragility)[len('fragile: ') :]}."
        rows.append({"claim_id": c.claim_id, "verdict": c.verdict, "sentence": sentence})
    return pd.DataFrame(rows, columns=["claim_id", "verdict", "sentence"])
