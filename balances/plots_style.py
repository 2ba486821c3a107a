"""The paper style of the charts in :mod:`balances.plots`: palette, fonts, figure sizes, source
lines and the marks of where a source's data end."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
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
