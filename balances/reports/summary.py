"""The summary across periods: each period's mean overall score, and one figure.

Both are computed from the scores (seconds of Monte Carlo), so they are kept in
``<out>/.cache/`` under a key of their inputs, as the reports are: a run where
nothing changed reads them back instead of scoring again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balances.reports._fs import write_text_atomic
from balances.reports.cache import read_json
from balances.reports.periods import Period, PeriodsConfig

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

CACHE_DIR = ".cache"


def period_summary(period: Period, user_dir: str | None = None) -> dict[str, Any]:
    """Mean overall driver score of a period with its band, and the mean measured alignment.

    Calls :func:`balances.analysis.score` with the period's parameters. A
    failure is returned as ``error`` (text) rather than raised, so the index can
    show it.
    """
    from balances.analysis import score

    out: dict[str, Any] = {
        "period": period.name,
        "mean": None,
        "low": None,
        "high": None,
        "years": None,
        "outcome": None,
        "error": None,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN years in some draws
            res = score(
                focal=period.focal,
                reference=period.reference,
                start=period.start,
                end=period.end,
                spec=period.spec,
                draws=period.draws,
                seed=period.seed,
                indicators_dir=user_dir,
            )
        from balances.analysis import period_summary

        # the band of the period mean comes from the draws of the period mean (it holds the mean)
        row = period_summary(res).set_index("lens").loc["overall"]
        out.update(
            mean=_num(row.get("mean", float("nan"))),
            low=_num(row.get("mean_low", float("nan"))),
            high=_num(row.get("mean_high", float("nan"))),
            years=int(row.get("years_scored", 0)),
        )
        # the measured outcome ("aligned against", -100 to 100): what the pair did together
        table = res.table()
        outcome = table.loc[table["lens"] == "alignment", "score"].mean()
        out["outcome"] = _num(outcome)
    except Exception as exc:  # shown escaped in the index; the reports themselves stand
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _num(x: float) -> float | None:
    return None if x != x else round(float(x), 6)


def _lanes(periods: Sequence[Period]) -> list[tuple[Period, int]]:
    """Put each period in the lowest lane where it overlaps no other (shortest periods first)."""
    out: list[tuple[Period, int]] = []
    for p in sorted(periods, key=lambda p: (p.end - p.start, p.start)):
        lane = 0
        while any(li == lane and not (q.end < p.start or q.start > p.end) for q, li in out):
            lane += 1
        out.append((p, lane))
    return out


def plot_periods(
    table: pd.DataFrame,
    periods: Sequence[Period],
    ax: Axes | None = None,
    *,
    ends: pd.DataFrame | None = None,
    source: str | None = None,
) -> Axes:
    """Overall score per year with its Monte Carlo band, the periods as labelled bars beneath.

    The bars are one neutral grey (they name periods; colour would suggest a
    category), overlapping periods go to separate lanes, and the years where a
    source stops are marked as in every other chart.

    Parameters
    ----------
    table
        :meth:`balances.analysis.ScoreResult.table` (rows of lens ``overall`` are used).
    periods
        Periods to mark; overlapping ones go to separate lanes below the score.
    ax
        Axes to draw on (a new figure, not attached to pyplot, if ``None``).
    ends
        ``source, last_year`` of sources that stop inside the years
        (:func:`balances.plots.data_ends`); marked with a dotted line.
    source
        Source line written under the axes.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import MaxNLocator

    from balances.plots import OKABE_ITO, mark_data_ends, source_note

    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7.0, 4.2), layout="constrained").subplots()
    blue = OKABE_ITO["blue"]
    overall = table[table["lens"] == "overall"]
    ax.fill_between(
        overall["year"],
        overall["low"],
        overall["high"],
        color=blue,
        alpha=0.2,
        linewidth=0,
        label="5-95% Monte Carlo band",
    )
    ax.plot(
        overall["year"],
        overall["score"],
        color=blue,
        marker="o",
        markersize=3,
        label="overall driver score (three lenses)",
    )
    _draw_lanes(ax, periods)
    ax.set_yticks(range(0, 101, 20))
    ax.axhline(0, color="black", linewidth=0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if ends is not None and len(ends):
        for t in mark_data_ends(ax, ends):  # all at the top: the lanes fill the bottom
            t.set_y(0.98)
            t.set_verticalalignment("top")
    ax.set_xlabel("year (grey bars: the report periods)")
    ax.set_ylabel("overall driver score (0-100)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if source:
        source_note(ax, source)
    return ax


def _draw_lanes(ax: Axes, periods: Sequence[Period], lane_h: float = 9.0) -> None:
    """The periods as grey bars named in place, below the score, one lane per overlap."""
    from balances.plots import SMALL_FONT

    lanes = _lanes(periods)
    for p, lane in lanes:
        y = -lane_h * (lane + 1)
        bar = ax.broken_barh(
            [(p.start - 0.45, p.end - p.start + 0.9)],
            (y + 1, lane_h - 2),
            facecolors="#bbbbbb",
            edgecolors="white",
            linewidth=0.5,
        )
        bar.set_gid("period-bar")
        label = re.sub(r"_\d{4}_\d{4}$", "", p.name).replace("_", " ")  # years are on the axis
        ax.text(
            (p.start + p.end) / 2,
            y + lane_h / 2,
            label,
            ha="center",
            va="center",
            fontsize=SMALL_FONT + 1,
            clip_on=True,
        )
    n_lanes = max((lane for _, lane in lanes), default=-1) + 1
    ax.set_ylim(-lane_h * n_lanes - 1, 102)


def _figure_png(ax: Axes) -> str:
    """The figure of ``ax`` as base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.get_figure()
    FigureCanvasAgg(fig)  # type: ignore[arg-type]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # type: ignore[union-attr]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def summary_figure(
    config: PeriodsConfig, user_dir: str | None = None
) -> tuple[str | None, str | None]:
    """Base64 PNG of the overall score over all periods' years (default parameters), or an error."""
    from balances.analysis import score

    periods = list(config.periods.values())
    d = config.defaults
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN years in some draws
            res = score(
                focal=str(d["focal"]),
                reference=str(d["reference"]),
                start=min(p.start for p in periods),
                end=max(p.end for p in periods),
                spec=str(d["spec"]),
                draws=int(d["draws"]),
                seed=int(d["seed"]),
                indicators_dir=user_dir,
            )
        from balances.cite import sources_of_tables
        from balances.indicators.registry import LENSES  # the scored ones, not Ko's context
        from balances.plots import data_ends, source_text

        scored = {i for i in res.panel["indicator"].unique() if res.registry[i].lens in LENSES}
        used = sources_of_tables(sorted({t for i in scored for t in res.registry[i].sources}))
        ends = data_ends(res)
        ax = plot_periods(
            res.table(),
            periods,
            ends=ends[ends["indicator"].isin(scored)],
            source=source_text(used, extra=f"Default parameters, {int(d['draws'])} draws."),
        )
        return _figure_png(ax), None
    except Exception as exc:  # shown escaped in the index
        return None, f"{type(exc).__name__}: {exc}"


def _key(kind: str, parts: Mapping[str, Any]) -> str:
    blob = json.dumps({"kind": kind, **parts}, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def _summary_inputs(period: Period, inputs: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: getattr(period, k) for k in ("focal", "reference", "start", "end", "spec")}
    return {**params, "draws": period.draws, "seed": period.seed, **inputs}


def cached_summaries(
    periods: Sequence[Period], out_dir: Path, inputs: Mapping[str, Any], user_dir: str | None
) -> list[dict[str, Any]]:
    """:func:`period_summary` of each period, read from the cache when its inputs are unchanged.

    ``inputs`` holds what the scores depend on besides the period's own
    parameters (package version and source, data hashes, user indicators).
    """
    out = []
    for p in periods:
        path = out_dir / CACHE_DIR / f"summary-{_key('summary', _summary_inputs(p, inputs))}.json"
        doc = read_json(path)
        if doc is None or doc.get("period") != p.name:
            doc = period_summary(p, user_dir)
            if doc["error"] is None:  # a failure is retried next time
                write_text_atomic(path, json.dumps(doc, indent=1) + "\n")
        out.append(doc)
    return out


def cached_figure(
    config: PeriodsConfig, out_dir: Path, inputs: Mapping[str, Any], user_dir: str | None
) -> tuple[str | None, str | None]:
    """:func:`summary_figure`, read from the cache when its inputs are unchanged."""
    spans = [(p.name, p.start, p.end) for p in config.periods.values()]
    key = _key("figure", {"defaults": dict(config.defaults), "periods": spans, **inputs})
    path = out_dir / CACHE_DIR / f"figure-{key}.png.b64"
    try:
        return path.read_text(encoding="ascii"), None
    except (OSError, UnicodeDecodeError):
        pass
    png, error = summary_figure(config, user_dir)
    if png is not None:
        write_text_atomic(path, png)
    return png, error


def prune_cache(out_dir: Path, keep: int = 200) -> None:
    """Drop the oldest cache entries beyond ``keep`` (summaries of edited periods pile up)."""
    folder = out_dir / CACHE_DIR
    if not folder.is_dir():
        return
    files = [p for p in folder.iterdir() if p.is_file()]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for p in files[keep:]:
        p.unlink(missing_ok=True)
