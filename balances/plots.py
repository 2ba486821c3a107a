"""Plots (seaborn/matplotlib): each takes ``ax=None`` and returns the Axes.

:func:`save` writes a figure to PNG and/or SVG for papers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

LENS_COLOURS = {
    "power": "#1f77b4",
    "threat": "#d62728",
    "interests": "#2ca02c",
    "overall": "#222222",
}
STATUS_COLOURS = {
    "present": "#4c9f70",
    "estimate": "#e0b13c",
    "imputed": "#7aa6d6",
    "missing": "#dddddd",
}


def _ax(ax: Axes | None, size: tuple[float, float] = (8, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _years_axis(ax: Axes) -> None:
    """Whole years on the x axis."""
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def lens_scores(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    lenses: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Lens and overall scores over time, with the Monte Carlo band shaded.

    ``table`` has ``year, lens, score`` and optionally ``low, high``
    (:meth:`balances.analysis.ScoreResult.table`).
    """
    ax = _ax(ax)
    for lens in lenses or ["power", "threat", "interests", "overall"]:
        d = table[table["lens"] == lens].sort_values("year")
        if d["score"].notna().sum() == 0:
            continue
        colour = LENS_COLOURS.get(lens, None)
        lw = 2.6 if lens == "overall" else 1.4
        ax.plot(d["year"], d["score"], label=lens, color=colour, lw=lw)
        if {"low", "high"} <= set(d.columns) and d["low"].notna().any():
            ax.fill_between(d["year"], d["low"], d["high"], color=colour, alpha=0.12, lw=0)
    ax.set_ylim(0, 100)
    _years_axis(ax)
    ax.set_ylabel("score (0-100, higher = closer alignment)")
    ax.set_xlabel("year")
    ax.legend(loc="upper left", ncols=4, frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def shade_periods(
    periods: pd.DataFrame, ax: Axes, *, label_col: str = "label", alpha: float = 0.10
) -> Axes:
    """Shade named periods (columns ``start, end`` and a label) behind a time plot."""
    palette = sns.color_palette("pastel", len(periods))
    top = ax.get_ylim()[1]
    for (_, p), colour in zip(periods.iterrows(), palette, strict=False):
        ax.axvspan(p["start"] - 0.5, p["end"] + 0.5, color=colour, alpha=alpha * 3, lw=0, zorder=0)
        ax.text(
            (p["start"] + p["end"]) / 2,
            top,
            str(p[label_col]),
            ha="center",
            va="bottom",
            fontsize=7,
            rotation=0,
            clip_on=False,
        )
    return ax


def contributions(
    contrib: pd.DataFrame,
    ax: Axes | None = None,
    *,
    start: int | None = None,
    end: int | None = None,
) -> Axes:
    """Heatmap of each indicator's contribution to the overall score by year."""
    d = contrib
    if start is not None:
        d = d[d["year"].between(start, end or d["year"].max())]
    grid = d.pivot_table(index=["lens", "indicator"], columns="year", values="contribution")
    ax = _ax(ax, (10, max(3, 0.28 * len(grid))))
    sns.heatmap(
        grid,
        ax=ax,
        cmap="viridis",
        cbar_kws={"label": "points of the overall score"},
        yticklabels=[f"{i} ({lens})" for lens, i in grid.index],
    )
    ax.set_ylabel("")
    return ax


def coverage(grid: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Indicator x year grid of statuses (present, estimate, imputed, missing)."""
    codes = {s: k for k, s in enumerate(STATUS_COLOURS)}
    num = grid.apply(lambda col: col.map(codes)).astype(float)
    ax = _ax(ax, (10, max(3, 0.25 * len(grid))))
    cmap = matplotlib.colors.ListedColormap(list(STATUS_COLOURS.values()))
    sns.heatmap(num, ax=ax, cmap=cmap, vmin=-0.5, vmax=len(codes) - 0.5, cbar=False, linewidths=0.2)
    handles = [matplotlib.patches.Patch(color=c, label=s) for s, c in STATUS_COLOURS.items()]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8
    )
    ax.set_ylabel("")
    return ax


def sensitivity(sens: pd.DataFrame, ax: Axes | None = None, *, lens: str = "overall") -> Axes:
    """Bars: first-order variance share of each scoring choice."""
    d = sens[sens["lens"] == lens].sort_values("first_order", ascending=False)
    ax = _ax(ax, (6, 3))
    sns.barplot(data=d, y="factor", x="first_order", ax=ax, color="#5b7fa6")
    ax.set_xlabel("share of the score's variance (first order)")
    ax.set_ylabel("")
    ax.set_xlim(0, 1)
    return ax


def similarity(
    sim: pd.DataFrame,
    ax: Axes | None = None,
    *,
    measure: str = "agreement",
    dyads: Iterable[tuple[str, str]] = (("RUS", "CHN"), ("RUS", "USA"), ("CHN", "USA")),
) -> Axes:
    """Foreign-policy similarity over time for several dyads (long table with iso3_1, iso3_2, year)."""
    ax = _ax(ax)
    for a, b in dyads:
        d = sim[(sim["iso3_1"] == a) & (sim["iso3_2"] == b)].sort_values("year")
        ax.plot(d["year"], d[measure], label=f"{a}-{b}", lw=1.6)
    ax.set_ylabel(measure)
    ax.set_xlabel("year")
    _years_axis(ax)
    ax.legend(frameon=False, fontsize=8)
    return ax


def ladder(
    levels: pd.DataFrame, ax: Axes | None = None, *, rung_names: Sequence[str] | None = None
) -> Axes:
    """Step plot of the alignment ladder level per year (``year, level``)."""
    ax = _ax(ax, (8, 3))
    ax.step(levels["year"], levels["level"], where="mid", color="#6a3d9a", lw=2)
    if rung_names:
        ax.set_yticks(range(len(rung_names)))
        ax.set_yticklabels(rung_names, fontsize=7)
    _years_axis(ax)
    ax.set_xlabel("year")
    ax.set_ylabel("")
    return ax


def regimes(probs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Smoothed regime probabilities of a Markov-switching model (index year, one column per regime)."""
    ax = _ax(ax, (8, 2.5))
    ax.stackplot(probs.index, probs.T.to_numpy(), labels=[str(c) for c in probs.columns], alpha=0.7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.legend(loc="upper left", frameon=False, fontsize=8, ncols=len(probs.columns))
    return ax


VERDICT_COLOURS = {"supported": "#4c9f70", "inconclusive": "#c9c9c9", "contradicted": "#c0504d"}


def verdicts(claims: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Claim verdict table as a chart: one row per claim, coloured by verdict, period as a bar."""
    d = claims.iloc[::-1].reset_index(drop=True)
    ax = _ax(ax, (8, 0.35 * max(len(d), 4) + 1))
    span = d["period"].str.split("-", expand=True).astype(int)
    for i, row in d.iterrows():
        ax.barh(
            i,
            span.loc[i, 1] - span.loc[i, 0] + 1,
            left=span.loc[i, 0] - 0.5,
            color=VERDICT_COLOURS.get(row["verdict"], "#999999"),
            height=0.7,
        )
    ax.set_yticks(range(len(d)))
    ax.set_yticklabels(d["claim_id"], fontsize=7)
    ax.set_xlabel("years the claim concerns")
    handles = [matplotlib.patches.Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items()]
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return ax


def save(
    fig_or_ax: Figure | Axes,
    path: str | Path,
    *,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 200,
) -> list[Path]:
    """Save a figure for a paper, once per format, next to ``path`` (its suffix is replaced).

    Returns the files written.
    """
    fig = fig_or_ax.figure if isinstance(fig_or_ax, Axes) else fig_or_ax
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = base.with_suffix(f".{fmt}")
        fig.savefig(target, dpi=dpi, bbox_inches="tight", format=fmt)
        written.append(target)
    return written


__all__ = [
    "lens_scores",
    "shade_periods",
    "contributions",
    "coverage",
    "sensitivity",
    "similarity",
    "ladder",
    "regimes",
    "verdicts",
    "save",
]


def styled(df: pd.DataFrame, widths: dict[str, str] | None = None, precision: int = 3):
    """A DataFrame as a compact HTML table for reports: no index, wrapped text, fixed column widths.

    Returns a :class:`pandas.io.formats.style.Styler` (displayed by Jupyter and exported by nbconvert).
    """
    sty = df.style.hide(axis="index").format(precision=precision, na_rep="")
    sty = sty.set_table_styles(
        [
            {
                "selector": "td, th",
                "props": "text-align: left; vertical-align: top; white-space: normal; "
                "font-size: 0.85em; padding: 3px 6px;",
            }
        ]
    )
    for col, width in (widths or {}).items():
        if col in df.columns:
            sty = sty.set_properties(subset=[col], **{"min-width": width, "max-width": width})
    return sty
