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

import functools
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from balances import __version__

if TYPE_CHECKING:
    from balances.analysis import ScoreResult

#: Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
CYCLE = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple", "orange")]
LENS_COLOURS = {
    "power": OKABE_ITO["blue"],
    "threat": OKABE_ITO["vermillion"],
    "interests": OKABE_ITO["bluish_green"],
    "overall": OKABE_ITO["black"],
}
LENS_STYLES = {"power": "-", "threat": "--", "interests": "-.", "overall": "-"}
LENS_TITLES = {"power": "Power", "threat": "Threat", "interests": "Interests", "overall": "Overall"}
STATUS_COLOURS = {
    "present": OKABE_ITO["blue"],
    "estimate": OKABE_ITO["orange"],
    "imputed": OKABE_ITO["sky_blue"],
    "missing": "#e6e6e6",
}
#: Cells with no data in heatmaps: light grey, hatched (never the colour of a value).
MISSING_COLOUR = "#d9d9d9"
SCORE_LABEL = "Score (0-100; higher = closer alignment against the reference)"

#: Inches: one column of a two-column journal page, and the full text width.
COLUMN_WIDTH, PAGE_WIDTH = 3.5, 7.0
#: Font sizes (points) that stay legible when a chart is printed at column width.
PAPER_RC: dict[str, Any] = {
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
}
#: Smallest font a chart uses (source lines, data-end labels).
SMALL_FONT = 6.0


def paper_style() -> Any:
    """Context manager applying :data:`PAPER_RC` (``with plots.paper_style(): ...``)."""
    return matplotlib.rc_context(PAPER_RC)


def figure(width: str | float = "column", height: float | None = None) -> tuple[Figure, Axes]:
    """A new figure at one column (``"column"``), full page (``"page"``) or given width, in inches."""
    w = {"column": COLUMN_WIDTH, "page": PAGE_WIDTH}.get(width, width)  # type: ignore[call-overload]
    with paper_style():
        fig, ax = plt.subplots(figsize=(float(w), height or 0.7 * float(w)))
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _paper(func: Callable[..., Axes]) -> Callable[..., Axes]:
    """Draw under :data:`PAPER_RC`: fonts are fixed when the artists are created."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        with paper_style():
            return func(*args, **kwargs)

    return wrapper


def _ax(ax: Axes | None, height: float | None = None) -> Axes:
    if ax is None:
        _, ax = figure("column", height)
    return ax


def _years_axis(ax: Axes) -> None:
    """Whole years on the x axis."""
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=6))


def _result(obj: Any) -> ScoreResult | None:
    from balances.analysis import ScoreResult

    return obj if isinstance(obj, ScoreResult) else None


def _chars_per_line(ax: Axes, fontsize: float) -> int:
    width_pt = ax.figure.get_figwidth() * ax.get_position().width * 72
    return max(40, int(width_pt / (0.5 * fontsize)))


def source_text(sources: Sequence[str], *, extra: str = "") -> str:
    """The source line for a chart drawn from catalogued sources (ids from the catalogue).

    Up to three sources are named by title; more are listed by id, with the
    command that prints their full references.
    """
    from balances.sources.catalogue import load_catalogue

    cat = load_catalogue()
    if len(sources) <= 3:
        names = [cat[s].title.split(" (")[0].split(", ")[0] if s in cat else s for s in sources]
        body = "; ".join(names)
    elif len(sources) <= 6:
        body = f"{', '.join(sources)} (references: `balances cite`)"
    else:
        body = f"{len(sources)} data sets, listed with their references by `balances cite`"
    tail = f" {extra.strip()}" if extra else ""
    return f"Source: {body}. Computed with balances {__version__}.{tail}"


def source_note(ax: Axes, text: str, *, fontsize: float = SMALL_FONT) -> Text:
    """Write a source line under the axes (below the x-axis label), wrapped to the axes' width."""
    wrapped = textwrap.fill(text, _chars_per_line(ax, fontsize))
    anchor: Any = ax.xaxis.label if ax.xaxis.label.get_text() else ax
    note = ax.annotate(
        wrapped,
        xy=(0, 0),
        xycoords=("axes fraction", anchor),
        xytext=(0, -4),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=fontsize,
        color="#444444",
        annotation_clip=False,
    )
    note.set_gid("source-note")
    return note


def data_ends(res: ScoreResult, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Where an indicator's data stop before the end of the plotted years, and whose data they are.

    Returns ``source, last_year, indicator``: for each indicator whose last year
    with a value falls in ``[start, end)`` (default: the result's period), the
    catalogued sources of its tables that end there (the indicator id when none
    does, e.g. a user table). Read from the panel, so a source continued by another
    (a veto list and its extension) makes no mark.
    """
    from balances.cite import sources_of_tables
    from balances.sources.catalogue import load_catalogue

    start = res.start if start is None else start
    end = res.end if end is None else end
    cat = load_catalogue()
    panel = res.panel
    last = panel[panel["status"] != "missing"].groupby("indicator")["year"].max()
    rows = []
    for iid, year in last.items():
        if not start <= year < end:
            continue
        ids = sources_of_tables(res.registry[iid].sources)
        ending = [s for s in ids if s in cat and cat[s].coverage[1] <= year + 1] or [iid]
        rows += [{"source": s, "last_year": int(year), "indicator": iid} for s in ending]
    out = pd.DataFrame(rows, columns=["source", "last_year", "indicator"])
    return out.drop_duplicates(["source", "last_year"]).sort_values(["last_year", "source"])


def mark_data_ends(ax: Axes, ends: pd.DataFrame) -> list[Text]:
    """A dotted line after the last year of each source that stops early, with the sources named.

    ``ends`` has ``source, last_year`` (:func:`data_ends`). Labels of nearby years alternate
    between the top and the bottom of the axes so they never overlap.
    """
    texts: list[Text] = []
    previous: float | None = None
    at_top = True
    for year, group in ends.groupby("last_year"):
        x = float(year) + 0.5
        ax.axvline(x, color="#777777", lw=0.6, ls=":", zorder=1)
        at_top = not at_top if previous is not None and x - previous < 4 else True
        previous = x
        names = list(group["source"])
        label = f"{' & '.join(names) if len(names) <= 2 else f'{len(names)} sources'} end"
        t = ax.text(
            x,
            0.98 if at_top else 0.02,
            label,
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="top" if at_top else "bottom",
            fontsize=SMALL_FONT - 0.5,
            color="#555555",
            bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.75},
            zorder=4,
        )
        t.set_gid("data-end")
        texts.append(t)
    return texts


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
