"""Short text and HTML summaries of result objects, for the console and for notebooks.

A :class:`~balances.analysis.ScoreResult` holds a dozen frames; printed whole it
runs to tens of thousands of characters. Its ``repr`` is one line and its HTML
repr a small table, with the attributes to look at next.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

#: A :class:`~balances.analysis.ScoreResult` (not imported: analysis imports this module).
ScoreResult = Any

#: Longest one-line repr (a test holds the package to it).
MAX_REPR = 240


def _num(x: float) -> str:
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1f}"


def _last_overall(res: ScoreResult) -> str:
    t = res.table()
    d = t[(t["lens"] == "overall") & t["score"].notna()]
    if d.empty:
        return "no overall score"
    row = d.iloc[-1]
    band = f" [{_num(row['low'])}, {_num(row['high'])}]" if res.bands is not None else ""
    return f"overall {int(row['year'])}: {_num(row['score'])}{band}"


def _n_indicators(res: ScoreResult) -> int:
    p = res.period_panel()
    return int(p.loc[p["status"] != "missing", "indicator"].nunique())


def _draws(res: ScoreResult) -> str:
    return "no bands" if res.bands is None else "5-95% bands"


def result_repr(res: ScoreResult) -> str:
    """``ScoreResult(RUS-CHN vs USA, 1992-2024, spec 1a2b..., 31 indicators, ...)``."""
    text = (
        f"ScoreResult({res.triad.label}, {res.start}-{res.end}, spec {res.spec.digest()}, "
        f"{_n_indicators(res)} indicators, {_draws(res)}, {_last_overall(res)})"
    )
    return text[: MAX_REPR - 1] + "\u2026)" if len(text) > MAX_REPR else text


def result_html(res: ScoreResult, summary: pd.DataFrame) -> str:
    """A heading, the period's summary per lens (``period_summary(res)``) and what to explore."""
    cols = [
        c
        for c in ("lens", "mean", "mean_low", "mean_high", "first", "last", "change")
        if c in summary
    ]
    table = summary[cols].to_html(
        index=False, float_format=lambda x: f"{x:.1f}", na_rep="", border=0
    )
    head = html.escape(
        f"{res.triad.label}, {res.start}-{res.end}: spec {res.spec.digest()}, "
        f"{_n_indicators(res)} indicators with data, {_draws(res)}"
    )
    hint = (
        "<code>.table()</code> per year and lens; <code>.contributions</code>, "
        "<code>.weights</code>, <code>.sensitivity</code>, <code>.panel</code>; "
        "<code>balances.plots.lens_scores(result)</code>"
    )
    return (
        f"<div><strong>ScoreResult</strong> &mdash; {head}{table}"
        f"<p style='font-size:0.85em'>{hint}</p></div>"
    )
