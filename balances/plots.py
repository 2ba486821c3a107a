"""Plots for papers (seaborn/matplotlib): each takes ``ax=None`` and returns the Axes.

Every chart labels indicators with their registry titles, states units on its
axes, can carry a source line (:func:`source_note`) and marks the years where
a source stops (:func:`mark_data_ends`). Colours are the Okabe-Ito palette,
safe for the common colour-vision deficiencies, and lenses also differ by line
style so a chart survives greyscale printing. With ``ax=None`` a chart is drawn
at one column width (:data:`COLUMN_WIDTH`) in fonts that stay legible there;
:func:`save` writes PNG, SVG and PDF.

Plot functions that take a table also take the
:class:`~balances.analysis.ScoreResult` itself, which lets them add the source
line, the data-end marks and, for contributions, tell missing years from zeros.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from balances.plots_style import (
    COLUMN_WIDTH,
    CYCLE,
    LENS_COLOURS,
    LENS_STYLES,
    LENS_TITLES,
    MISSING_COLOUR,
    OKABE_ITO,
    PAGE_WIDTH,
    PAPER_RC,
    SCORE_LABEL,
    SMALL_FONT,
    STATUS_COLOURS,
    _ax,
    _paper,
    _result,
    _years_axis,
    data_ends,
    figure,
    mark_data_ends,
    paper_style,
    source_note,
    source_text,
)

if TYPE_CHECKING:
    from balances.analysis import ScoreResult


@_paper
def lens_scores(
    table: pd.DataFrame | ScoreResult,
    ax: Axes | None = None,
    *,
    lenses: Sequence[str] | None = None,
    title: str | None = None,
    bands: Sequence[str] = ("overall",),
    source: str | None = None,
) -> Axes:
    """Lens and overall scores over time, with the Monte Carlo band of the overall score.

    ``table`` has ``year, lens, score`` and optionally ``low, high``
    (:meth:`balances.analysis.ScoreResult.table`), or is the result itself:
    then the title names the triad and period, a source line lists the data
    sets and dotted lines mark where a source stops. Only the lenses in
    ``bands`` get a shaded band (one band keeps the chart readable).
    """
    res = _result(table)
    d_all = res.table() if res is not None else table
    ax = _ax(ax)
    for lens in lenses or ["power", "threat", "interests", "overall"]:
        d = d_all[d_all["lens"] == lens].sort_values("year")
        if d["score"].notna().sum() == 0:
            continue
        colour = LENS_COLOURS.get(lens)
        lw = 2.0 if lens == "overall" else 1.2
        ax.plot(
            d["year"],
            d["score"],
            label=LENS_TITLES.get(lens, lens),
            color=colour,
            lw=lw,
            ls=LENS_STYLES.get(lens, "-"),
            zorder=3 if lens == "overall" else 2,
        )
        if lens in bands and {"low", "high"} <= set(d.columns) and d["low"].notna().any():
            ax.fill_between(d["year"], d["low"], d["high"], color=colour, alpha=0.15, lw=0)
    ax.set_ylim(0, 100)
    _years_axis(ax)
    ax.set_ylabel("Score (0-100, higher = closer alignment)")
    ax.set_xlabel("Year")
    handles, labels = ax.get_legend_handles_labels()
    if any(b in (lenses or LENS_COLOURS) for b in bands) and {"low", "high"} <= set(d_all.columns):
        if d_all["low"].notna().any():
            handles.append(matplotlib.patches.Patch(color="#000000", alpha=0.15, lw=0))
            labels.append("5-95% band")
    ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=3,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.0,
        borderaxespad=0.2,
    )
    if res is not None:
        title = title or f"{res.triad.label}, {res.start}-{res.end}"
        mark_data_ends(ax, data_ends(res))
        if source is None:
            from balances.cite import sources_used

            source = source_text(sources_used(res), extra=f"Scoring spec {res.spec.digest()}.")
    if title:
        rows = -(-len(labels) // 3)
        ax.set_title(title, loc="left", pad=6 + 10 * rows)
    if source:
        source_note(ax, source)
    return ax


@_paper
def shade_periods(
    periods: pd.DataFrame, ax: Axes, *, label_col: str = "label", alpha: float = 0.10
) -> Axes:
    """Shade named periods (columns ``start, end`` and a label) behind a time plot.

    Periods alternate two greys (the shading only separates them; it encodes
    nothing); labels sit inside the top of the axes, each in the highest row
    where it overlaps no other label.
    """
    greys = ("#000000", "#777777")
    renderer = ax.figure.canvas.get_renderer()
    placed: list[list[Any]] = []
    for k, (_, p) in enumerate(periods.sort_values("start").iterrows()):
        ax.axvspan(
            p["start"] - 0.5,
            p["end"] + 0.5,
            color=greys[k % 2],
            alpha=alpha * (0.5 + k % 2 * 0.3),
            lw=0,
            zorder=0,
        )
        t = ax.text(
            (p["start"] + p["end"]) / 2,
            0.985,
            str(p[label_col]),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=SMALL_FONT,
            color="#333333",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            zorder=5,
        )
        t.set_gid("period-label")
        for row in range(6):
            t.set_y(0.985 - 0.075 * row)
            box = t.get_window_extent(renderer)
            others = placed[row] if row < len(placed) else []
            if not any(box.overlaps(o.get_window_extent(renderer)) for o in others):
                break
        while len(placed) <= row:
            placed.append([])
        placed[row].append(t)
    return ax


def _titles(ids: Iterable[str], registry: Mapping[str, Any] | None, width: int = 48) -> list[str]:
    """Registry titles for indicator ids, shortened to ``width`` characters."""
    if registry is None:
        from balances.indicators.panel import Tables

        registry = Tables().registry()
    out = []
    for i in ids:
        t = registry[i].title if i in registry else i
        out.append(t if len(t) <= width else t[: width - 1].rstrip() + "…")
    return out


def contribution_grid(
    contrib: pd.DataFrame,
    panel: pd.DataFrame | None = None,
    *,
    start: int | None = None,
    end: int | None = None,
) -> pd.DataFrame:
    """(lens, indicator) x year contributions, NaN where the indicator has no value that year.

    The scoring gives a missing indicator-year a contribution of 0 (it carries
    no weight); ``panel`` (with ``status``) tells those apart from real zeros.
    """
    d = contrib
    if start is not None:
        d = d[d["year"].between(start, end if end is not None else d["year"].max())]
    if panel is not None:
        missing = panel.loc[panel["status"] == "missing", ["year", "indicator"]].assign(_m=True)
        d = d.merge(missing, on=["year", "indicator"], how="left")
        d = d.assign(contribution=d["contribution"].where(d["_m"].isna())).drop(columns="_m")
    return d.set_index(["lens", "indicator", "year"])["contribution"].unstack("year").sort_index()


@_paper
def contributions(
    contrib: pd.DataFrame | ScoreResult,
    ax: Axes | None = None,
    *,
    start: int | None = None,
    end: int | None = None,
    panel: pd.DataFrame | None = None,
    registry: Mapping[str, Any] | None = None,
    source: str | None = None,
) -> Axes:
    """Heatmap of each indicator's contribution to the overall score by year.

    Rows are labelled with the registry's titles, grouped by lens. Years where
    an indicator has no value are drawn hatched grey, not as 0: pass the result
    itself (or its ``panel``) so they can be told apart from real zeros.
    """
    res = _result(contrib)
    if res is not None:
        contrib, panel, registry = res.contributions, res.panel, res.registry
        start = res.start if start is None else start
        end = res.end if end is None else end
        if source is None:
            from balances.cite import sources_used

            source = source_text(sources_used(res))
    grid = contribution_grid(contrib, panel, start=start, end=end)
    ax = _ax(ax, max(2.5, 0.14 * len(grid) + 1))
    ax.set_facecolor(MISSING_COLOUR)
    ax.patch.set_hatch("////")
    ax.patch.set_edgecolor("white")
    labels = [
        f"{t} ({lens[:3]}.)"
        for t, (lens, _) in zip(
            _titles(grid.index.get_level_values(1), registry), grid.index, strict=True
        )
    ]
    sns.heatmap(
        grid,
        ax=ax,
        cmap="viridis",
        mask=grid.isna(),
        cbar_kws={"label": "Points of the overall score (hatched: no data)", "shrink": 0.8},
        yticklabels=labels,
        xticklabels=True,
    )
    ax.tick_params(axis="y", labelsize=SMALL_FONT)
    ax.tick_params(axis="x", labelsize=SMALL_FONT, rotation=90)
    ax.set_ylabel("")
    ax.set_xlabel("Year")
    if panel is None:
        ax.set_title("(missing years not marked: pass the result)", fontsize=SMALL_FONT, loc="left")
    if source:
        source_note(ax, source)
    return ax


@_paper
def coverage(
    grid: pd.DataFrame, ax: Axes | None = None, *, registry: Mapping[str, Any] | None = None
) -> Axes:
    """Indicator x year grid of statuses (present, estimate, imputed, missing), rows titled."""
    codes = {s: k for k, s in enumerate(STATUS_COLOURS)}
    num = grid.apply(lambda col: col.map(codes)).astype(float)
    ax = _ax(ax, max(2.5, 0.14 * len(grid) + 1))
    cmap = matplotlib.colors.ListedColormap(list(STATUS_COLOURS.values()))
    sns.heatmap(
        num,
        ax=ax,
        cmap=cmap,
        vmin=-0.5,
        vmax=len(codes) - 0.5,
        cbar=False,
        linewidths=0.2,
        yticklabels=_titles(grid.index, registry),
        xticklabels=True,
    )
    handles = [matplotlib.patches.Patch(color=c, label=s) for s, c in STATUS_COLOURS.items()]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=4, frameon=False)
    ax.tick_params(axis="y", labelsize=SMALL_FONT)
    ax.tick_params(axis="x", labelsize=SMALL_FONT, rotation=90)
    ax.set_ylabel("")
    ax.set_xlabel("Year")
    return ax


FACTOR_LABELS = {
    "weights": "Weights",
    "normalise": "Normalisation",
    "aggregate": "Aggregation",
    "impute": "Imputation",
    "leave_out": "Indicator left out",
}


@_paper
def sensitivity(sens: pd.DataFrame, ax: Axes | None = None, *, lens: str = "overall") -> Axes:
    """Bars: first-order variance share of each scoring choice."""
    d = sens[sens["lens"] == lens].sort_values("first_order", ascending=False)
    ax = _ax(ax, 2.2)
    ax.barh(
        [FACTOR_LABELS.get(f, f) for f in d["factor"]], d["first_order"], color=OKABE_ITO["blue"]
    )
    ax.invert_yaxis()
    ax.set_xlabel(
        f"Share of the {LENS_TITLES.get(lens, lens).lower()} score's variance (first order, 0-1)"
    )
    ax.set_ylabel("")
    ax.set_xlim(0, 1)
    return ax


SIMILARITY_LABELS = {
    "agreement": "Vote agreement (share of roll calls, 0-1)",
    "kappa": "Cohen's kappa (-1 to 1)",
    "scott_pi": "Scott's pi (-1 to 1)",
    "s_abs": "Signorino-Ritter S, absolute (-1 to 1)",
    "s_sq": "Signorino-Ritter S, squared (-1 to 1)",
}


@_paper
def similarity(
    sim: pd.DataFrame,
    ax: Axes | None = None,
    *,
    measure: str = "agreement",
    dyads: Iterable[tuple[str, str]] = (("RUS", "CHN"), ("RUS", "USA"), ("CHN", "USA")),
    source: str | None = None,
    end: int | None = None,
) -> Axes:
    """Foreign-policy similarity over time for several dyads (long table with iso3_1, iso3_2, year).

    A dotted line marks the last year with data when it falls before ``end``; the
    source line defaults to the UN General Assembly roll-call data.
    """
    ax = _ax(ax)
    last = None
    for k, (a, b) in enumerate(dyads):
        d = sim[(sim["iso3_1"] == a) & (sim["iso3_2"] == b)].sort_values("year")
        ax.plot(
            d["year"],
            d[measure],
            label=f"{a}-{b}",
            lw=1.3,
            color=CYCLE[k % len(CYCLE)],
            ls=("-", "--", "-.", ":")[k % 4],
        )
        have = d.dropna(subset=[measure])["year"]
        if len(have):
            last = max(last or 0, int(have.max()))
    ax.set_ylabel(SIMILARITY_LABELS.get(measure, measure))
    ax.set_xlabel("Year")
    _years_axis(ax)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False)
    if last is not None and end is not None and last < end:
        mark_data_ends(ax, pd.DataFrame({"source": ["UNGA votes"], "last_year": [last]}))
    if source is None:
        from balances.cite import sources_of_tables

        source = source_text(sources_of_tables(["unga_similarity"]))
    if source:
        source_note(ax, source)
    return ax


@_paper
def ladder(
    levels: pd.DataFrame,
    ax: Axes | None = None,
    *,
    rung_names: Sequence[str] | None = None,
    source: str | None = None,
) -> Axes:
    """Step plot of the alignment ladder level per year (``year, level``)."""
    ax = _ax(ax, 2.4)
    ax.step(levels["year"], levels["level"], where="mid", color=OKABE_ITO["reddish_purple"], lw=2)
    if rung_names:
        ax.set_yticks(range(len(rung_names)))
        ax.set_yticklabels(rung_names, fontsize=SMALL_FONT)
    _years_axis(ax)
    ax.set_xlabel("Year")
    ax.set_ylabel("Rung of Korolev's alignment ladder")
    if source:
        source_note(ax, source)
    return ax


@_paper
def regimes(probs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Smoothed regime probabilities of a Markov-switching model (index year, one column per regime)."""
    ax = _ax(ax, 2.0)
    ax.stackplot(
        probs.index,
        probs.T.to_numpy(),
        labels=[f"regime {c}" for c in probs.columns],
        colors=CYCLE[: len(probs.columns)],
        alpha=0.8,
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("Probability (0-1)")
    ax.set_xlabel("Year")
    _years_axis(ax)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=len(probs.columns))
    return ax


VERDICT_COLOURS = {
    "supported": OKABE_ITO["bluish_green"],
    "inconclusive": "#bbbbbb",
    "contradicted": OKABE_ITO["vermillion"],
}
VERDICT_HATCHES = {"supported": "", "inconclusive": "..", "contradicted": "//"}


@_paper
def verdicts(claims: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Claim verdict table as a chart: one row per claim, coloured and hatched by verdict.

    The legend sits above the bars, never over them.
    """
    d = claims.iloc[::-1].reset_index(drop=True)
    ax = _ax(ax, 0.16 * max(len(d), 4) + 1)
    span = d["period"].str.split("-", expand=True).astype(int)
    for i, row in d.iterrows():
        ax.barh(
            i,
            span.loc[i, 1] - span.loc[i, 0] + 1,
            left=span.loc[i, 0] - 0.5,
            color=VERDICT_COLOURS.get(row["verdict"], "#999999"),
            hatch=VERDICT_HATCHES.get(row["verdict"], ""),
            edgecolor="white",
            lw=0.3,
            height=0.7,
        )
    ax.set_yticks(range(len(d)))
    ax.set_yticklabels(d["claim_id"], fontsize=SMALL_FONT)
    ax.set_xlabel("Years the claim concerns")
    _years_axis(ax)
    handles = [
        matplotlib.patches.Patch(facecolor=c, hatch=VERDICT_HATCHES[v], edgecolor="white", label=v)
        for v, c in VERDICT_COLOURS.items()
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False)
    return ax


def save(
    fig_or_ax: Figure | Axes,
    path: str | Path,
    *,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = 300,
) -> list[Path]:
    """Save a figure for a paper, once per format, next to ``path`` (its suffix is replaced).

    PNG at ``dpi``, SVG with text kept as text, PDF with embedded TrueType fonts.
    Returns the files written.
    """
    fig = fig_or_ax.figure if isinstance(fig_or_ax, Axes) else fig_or_ax
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}):
        for fmt in formats:
            target = base.with_suffix(f".{fmt}")
            fig.savefig(target, dpi=dpi, bbox_inches="tight", format=fmt)
            written.append(target)
    return written


__all__ = [
    "COLUMN_WIDTH",
    "PAGE_WIDTH",
    "PAPER_RC",
    "SCORE_LABEL",
    "OKABE_ITO",
    "LENS_COLOURS",
    "lens_scores",
    "shade_periods",
    "contributions",
    "contribution_grid",
    "coverage",
    "sensitivity",
    "similarity",
    "ladder",
    "regimes",
    "verdicts",
    "source_note",
    "source_text",
    "data_ends",
    "mark_data_ends",
    "figure",
    "paper_style",
    "save",
    "styled",
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
