"""scores -> interactive exploration: the logic behind the JupyterLab explorer.

:class:`Explorer` turns the analyst's choices (triad, period, preset, lens
weights, normalisation) into figures, a readout, a table of the lenses and
Ko's claims for the period, caching the heavy work so that moving a slider
only re-plots. :func:`build_ui` wires ipywidgets controls to it; everything a
test needs is reachable without a browser.

The explorer scores as ``balances score`` and ``balances lenses`` do: the
same :func:`balances.analysis.score`, the same defaults
(:mod:`balances.params`: population-normalised lenses, the default number of
Monte Carlo draws and seed), and the measured ``alignment`` outcome beside the
three driver lenses. The readout is the overall score with the spec of
:func:`spec_for`: save that spec (``spec_for(...).save("my.yml")``) and
``balances score --spec my.yml`` prints the same numbers.

Examples
--------
>>> ex = Explorer(draws=0)
>>> out = ex.update("RUS,CHN", "USA", 2000, 2004, "default", {"threat": 2.0})
>>> out["readout"]["n_years"]
5
"""

from __future__ import annotations

import dataclasses
import html
import io
import time
import typing
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from balances import analysis, plots
from balances.errors import BalancesError, ParameterError
from balances.indicators.registry import LENSES
from balances.params import (
    DEFAULT_DRAWS,
    DEFAULT_END,
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    DEFAULT_SPEC,
    DEFAULT_START,
)
from balances.scoring import PRESETS, ScoringSpec, resolve_spec
from balances.triad import Triad
from balances.uncertainty import quantile_mc_error, stable_decimals

if TYPE_CHECKING:
    import ipywidgets

#: First and last year on the period slider (the run defaults of :mod:`balances.params`).
FIRST_YEAR, LAST_YEAR = DEFAULT_START, DEFAULT_END
#: Focal pairs offered in the explorer (label, value for :meth:`Triad.parse`).
FOCAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("Russia-China", "RUS,CHN"),
    ("India-Russia", "IND,RUS"),
    ("China-Pakistan", "CHN,PAK"),
    ("China-Iran", "CHN,IRN"),
    ("Russia-Iran", "RUS,IRN"),
    ("France-Germany (allies)", "FRA,DEU"),
    ("India-Pakistan (rivals)", "IND,PAK"),
)
#: Reference powers offered in the explorer.
REFERENCES: tuple[str, ...] = ("USA", "IND", "JPN", "GBR", "FRA", "DEU")
#: Every normalisation a :class:`ScoringSpec` accepts, the population scales first.
NORMALISATIONS: tuple[str, ...] = typing.get_args(ScoringSpec.model_fields["normalise"].annotation)
#: Scored results kept per explorer (each a few hundred kB).
CACHE_SIZE = 32
#: CSS classes a browser test (or a stylesheet) can find the widgets by.
READOUT_CLASS = "balances-readout"
LENS_TABLE_CLASS = "balances-lens-table"
LENS_PLOT_CLASS = "balances-lens-plot"
CONTRIB_PLOT_CLASS = "balances-contributions-plot"
CLAIMS_CLASS = "balances-ko-claims"
#: The explorer's figures, by name (also the file names :func:`save_figures` writes).
FIGURES: tuple[str, ...] = ("lens_scores", "contributions")
#: The normalisation dropdown's entry for "keep the preset's normalisation".
AS_PRESET = "preset"
CLAIM_COLUMNS = ["claim_id", "period", "scope", "verdict", "statement", "measured"]
#: Rows of the lens table: the three driver lenses, their overall score and the outcome.
SUMMARY_LENSES: tuple[str, ...] = (*LENSES, "overall", "alignment")
#: Quantiles of the period mean's band (as :func:`balances.analysis.period_summary`).
BAND_LEVELS = (0.05, 0.95)
OUTCOME_COLOUR = plots.OKABE_ITO["reddish_purple"]


def spec_for(
    preset: str = DEFAULT_SPEC,
    lens_weights: Mapping[str, float] | None = None,
    normalise: str | None = None,
) -> ScoringSpec:
    """The scoring spec of a preset with the explorer's lens weights and normalisation.

    Parameters
    ----------
    preset
        A name in :data:`balances.scoring.PRESETS`.
    lens_weights
        Weight of each lens in the overall score (``power``, ``threat``,
        ``interests``; a lens left out keeps weight 1). ``None`` keeps the preset's.
    normalise
        A name in :data:`NORMALISATIONS` (``population`` and its variants score
        against the declared population of triads, the others against the
        triad's own history); ``None`` keeps the preset's.

    Examples
    --------
    >>> spec_for("ko", {"threat": 2}).lens_weights
    {'power': 1.0, 'threat': 2.0, 'interests': 1.0}
    >>> spec_for().normalise
    'population'
    """
    if preset not in PRESETS:
        raise ParameterError("preset", preset, f"one of {sorted(PRESETS)}")
    fields = PRESETS[preset].model_dump()
    if lens_weights is not None:
        unknown = sorted(set(lens_weights) - set(LENSES))
        if unknown:
            raise ParameterError("lens_weights", unknown, f"lens names among {list(LENSES)}")
        fields["lens_weights"] = {lens: float(lens_weights.get(lens, 1.0)) for lens in LENSES}
    if normalise is not None:
        if normalise not in NORMALISATIONS:
            raise ParameterError("normalise", normalise, f"one of {list(NORMALISATIONS)}")
        fields["normalise"] = normalise
    return resolve_spec(fields)


def is_ko_triad(focal: str, reference: str) -> bool:
    """Whether a triad is the one Ko's claims are about (Russia-China against the United States)."""
    return Triad.parse(focal, reference) == Triad()


# ---------------------------------------------------------------- the lens table


def period_draws(res: analysis.ScoreResult, lens: str) -> np.ndarray | None:
    """Each Monte Carlo draw's mean of a driver lens (or ``overall``) over the scored years.

    The draws :func:`balances.analysis.period_summary` takes the period mean's band
    from; ``None`` without draws or for the outcome lens.
    """
    order = (*LENSES, "overall")
    if res.draws is None or lens not in order:
        return None
    t = res.table()
    scored = t.loc[(t["lens"] == lens) & t["score"].notna(), "year"].to_numpy()
    sel = np.isin(res.normalised.index, scored)
    if not sel.any():
        return None
    with np.errstate(invalid="ignore"):
        return np.nanmean(res.draws[:, sel, order.index(lens)], axis=1)


def band_decimals(per_draw: np.ndarray, levels: tuple[float, float] = BAND_LEVELS) -> int:
    """Decimals both bounds of a band are printed with: those the draws make stable, at most 0.

    From the Monte Carlo error of each bound (how far another seed could move it,
    :func:`balances.uncertainty.quantile_mc_error`) by
    :func:`balances.uncertainty.stable_decimals`: whole points where the error
    allows, tens beyond. Never decimals: at the default number of draws the bounds
    of a period mean move by a few tenths between seeds.
    """
    err = max(float(quantile_mc_error(per_draw[:, None], q)[0]) for q in levels)
    return min(0, stable_decimals(err))


def round_band(mean: float, low: float, high: float, decimals: int) -> tuple[float, float]:
    """The bounds rounded outward to ``decimals`` (negative: tens), still holding the mean."""
    scale = 10.0**decimals
    lo = float(np.floor(min(low, mean) * scale) / scale)
    hi = float(np.ceil(max(high, mean) * scale) / scale)
    return lo, hi


def band_text(lo: float, hi: float, decimals: int) -> str:
    """``[lo, hi]`` with the decimals given (none when 0 or negative)."""
    d = max(decimals, 0)
    return f"[{lo:.{d}f}, {hi:.{d}f}]"


def printed_band(
    res: analysis.ScoreResult, lens: str, mean: float, low: float, high: float
) -> dict:
    """A driver lens's period band as printed: ``decimals, printed_low, printed_high, band``.

    Empty without draws (or for the outcome lens).
    """
    per_draw = period_draws(res, lens)
    if per_draw is None or not np.isfinite(mean):
        return {}
    d = band_decimals(per_draw)
    lo, hi = round_band(mean, low, high, d)
    return {"decimals": d, "printed_low": lo, "printed_high": hi, "band": band_text(lo, hi, d)}


def _ends_text(ends: pd.DataFrame) -> str:
    """``cow_mid_v5 2014; atop 2018``: sources ending before the period's last year."""
    if ends.empty:
        return ""
    by_year = ends.groupby("last_year")["source"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    return "; ".join(f"{names} {year}" for year, names in by_year.items())


def _outcome_ends(start: int, end: int) -> str:
    from balances.alignment.plot import SOURCE_ENDS

    return "; ".join(f"{what} {year}" for year, what in SOURCE_ENDS.items() if start <= year < end)


def lens_summary(res: analysis.ScoreResult) -> pd.DataFrame:
    """Per lens over the result's period: mean and band, trend, coverage, where sources end.

    Returns
    -------
    DataFrame
        ``lens, mean, low, high, decimals, printed_low, printed_high, band, last,
        years_scored, r2_year, n_indicators, coverage, data_end``: the period mean
        and its 5-95% band from the draws of the period mean (as
        :func:`balances.analysis.period_summary` and ``balances lenses``), the band
        as printed (outward to the digits the draws make stable,
        :func:`band_decimals`), the last scored value and the years scored, the R²
        of the lens on the year over the period, the indicators observed in the
        period's last year and the share of the lens's weight they carry, and the
        sources that stop before the period's end. The ``alignment`` row is the
        measured outcome (-100 to 100; its bands are yearly 90% intervals, drawn
        in the chart, so no band is printed).
    """
    # statsmodels (behind balances.change) loads here, after the first plot is shown
    from balances.change import r2_on_year

    summary = analysis.period_summary(res).set_index("lens")
    table = res.table()
    scores = res.scores[res.scores["year"] == res.end].set_index("lens")
    lens_of = {iid: ind.lens for iid, ind in res.registry.items()}
    ends = plots.data_ends(res)
    ends = ends.assign(lens=ends["indicator"].map(lens_of))
    rows = []
    for lens in SUMMARY_LENSES:
        s = table[table["lens"] == lens].set_index("year")["score"]
        row = {"lens": lens, "r2_year": r2_on_year(s), "mean": s.mean()}
        last = table[(table["lens"] == lens) & (table["year"] == res.end)]
        row["n_indicators"] = int(last["n_indicators"].iloc[0]) if len(last) else 0
        if lens == "alignment":
            row["data_end"] = _outcome_ends(res.start, res.end)
        else:
            period = summary.loc[lens]
            row["mean"] = period.get("mean", np.nan)
            row["low"] = period.get("mean_low", np.nan)
            row["high"] = period.get("mean_high", np.nan)
            row["last"] = period.get("last", np.nan)
            row["years_scored"] = int(period.get("years_scored", 0) or 0)
            row["coverage"] = scores["coverage"].get(lens, np.nan)
            # the overall score rests on the driver lenses only (not on context indicators)
            in_lens = ends[ends["lens"].isin(LENSES if lens == "overall" else (lens,))]
            row["data_end"] = _ends_text(in_lens)
            row |= printed_band(res, lens, row["mean"], row["low"], row["high"])
        rows.append(row)
    cols = ["lens", "mean", "low", "high", "decimals", "printed_low", "printed_high", "band"]
    cols += ["last", "years_scored", "r2_year", "n_indicators", "coverage", "data_end"]
    return pd.DataFrame(rows).reindex(columns=cols)


def lens_table_html(
    summary: pd.DataFrame, start: int, end: int, normalise: str = "population"
) -> str:
    """The lens table as HTML: what each lens shows over the period and what it rests on.

    ``normalise`` is the spec's (:data:`NORMALISATIONS`), named in the note under the table.
    """
    shown = pd.DataFrame(
        {
            "lens": summary["lens"],
            "mean [5-95%]": [
                f"{m:.1f} {b}" if isinstance(b, str) else (f"{m:+.1f}" if np.isfinite(m) else "")
                for m, b in zip(summary["mean"], summary["band"], strict=True)
            ],
            "R² on year": [f"{r:.2f}" if np.isfinite(r) else "" for r in summary["r2_year"]],
            f"indicators in {end}": summary["n_indicators"],
            f"weight observed in {end}": [
                f"{c:.0%}" if np.isfinite(c) else "" for c in summary["coverage"]
            ],
            f"sources ending before {end}": summary["data_end"].fillna(""),
        }
    )
    scale = (
        "on the population scale (one scale across pairs)"
        if normalise.startswith("population")
        else f"normalised by '{normalise}' over the triad's own history (not across pairs)"
    )
    note = (
        f"Means over {start}-{end}: driver lenses 0-100 {scale}; alignment is the measured "
        "outcome, -100 to 100. Bands from the Monte "
        "Carlo draws of the period mean, rounded outward to the digits the draws make stable. "
        "R² near 1: the series mostly measures time."
    )
    # numbers and bands on one line; only the sources column wraps
    cls = LENS_TABLE_CLASS
    style = (
        f"<style>.{cls} td, .{cls} th {{white-space: nowrap; padding: 0.1em 0.8em;}} "
        f".{cls} td:last-child {{white-space: normal;}}</style>"
    )
    return (
        style
        + shown.to_html(index=False, escape=True, border=0)
        + f"<p style='font-size:0.85em'>{html.escape(note)}</p>"
    )


def readout_text(readout: Mapping[str, Any], start: int, end: int) -> str:
    """The readout as one line: ``Overall alignment score (mean, START-END): XX.X [LO, HI]``."""
    band = f" {readout['band']}" if readout.get("band") else ""
    return f"Overall alignment score (mean, {start}-{end}): {readout['overall_mean']:.1f}{band}"


def _readout_html(readout: Mapping[str, Any], start: int, end: int) -> str:
    """The readout widget's HTML; ``data-mean`` carries the unrounded mean for tests."""
    mean = readout["overall_mean"]
    band = f" {readout['band']}" if readout.get("band") else ""
    return (
        f'<span class="{READOUT_CLASS}-text">Overall alignment score (mean, {start}-{end}): '
        f'<b class="{READOUT_CLASS}-value" data-mean="{mean!r}">{mean:.1f}</b>{band}</span>'
        f" <small>(last year {readout['overall_last']:.1f}; {readout['n_years']} years scored; "
        f"spec <code>{readout['spec_digest']}</code>)</small>"
    )


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure rendered to PNG bytes (what the explorer shows)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figures(
    figs: Mapping[str, Figure], directory: str | Path, formats: Sequence[str] = ("png", "svg")
) -> list[Path]:
    """Save each figure as ``directory/<name>.<format>`` for a paper.

    Through :func:`balances.plots.save`; returns the files written.
    """
    written: list[Path] = []
    for name, fig in figs.items():
        written += plots.save(fig, Path(directory) / name, formats=formats)
    return written


def outcome_plot(res: analysis.ScoreResult, ax: Axes) -> Axes:
    """The ``alignment`` outcome of the result's triad over its period, with its 90% bands."""
    a = res.alignment
    t = res.triad
    with plots.paper_style():
        if a is None or a.empty:
            ax.text(0.5, 0.5, "No alignment outcome for this triad", ha="center", va="center")
            ax.set_axis_off()
            return ax
        a = a[a["year"].between(res.start, res.end)]
        ax.fill_between(a["year"], a["low"], a["high"], color=OUTCOME_COLOUR, alpha=0.2, lw=0)
        ax.plot(a["year"], a["score"], color=OUTCOME_COLOUR, lw=1.6)
        ax.axhline(0, color="#777777", lw=0.6)
        ax.set_ylabel("Aligned against\n(-100 to 100)")
        ax.set_xlabel("Year")
        ax.set_title(
            f"Outcome: how much closer {t.focal1} and {t.focal2} are to each other than to "
            f"{t.reference} (90% band)",
            loc="left",
        )
        ax.spines[["top", "right"]].set_visible(False)
    return ax


def lens_figure(res: analysis.ScoreResult) -> Figure:
    """The driver lenses (0-100, data-end marks, 5-95% band) over the outcome, one source line."""
    from balances.cite import sources_used

    # Figure() rather than pyplot: no global state, nothing shown twice by the inline backend
    fig = Figure(figsize=(9, 5.8), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.3])
    plots.lens_scores(res, ax=top, source="")
    top.set_xlabel("")
    outcome_plot(res, bottom)
    extra = f"Scoring spec {res.spec.digest()}. Outcome: balances alignment outcome."
    with plots.paper_style():
        plots.source_note(bottom, plots.source_text(sources_used(res), extra=extra))
    return fig


def contributions_figure(res: analysis.ScoreResult) -> Figure:
    """Points each indicator adds to the overall score, titled from the registry."""
    n = res.contributions["indicator"].nunique()
    fig = Figure(figsize=(10, max(3.0, 0.24 * n)), layout="constrained")
    ax = fig.subplots()
    plots.contributions(res, ax=ax)
    ax.set_title("Points each indicator adds to the overall score", loc="left")
    return fig


#: How each figure is drawn from a scored result.
_DRAW = {"lens_scores": lens_figure, "contributions": contributions_figure}


class Explorer:
    """Cached state behind the explorer: scored results, rendered plots, Ko's claims.

    The indicator panel of a triad is cached by
    :func:`balances.analysis.indicator_panel`; the explorer adds a cache of
    scored results per (triad, spec digest, draws, seed), always over the
    whole series and cut to the period asked (a period change only re-plots),
    a cache of lens tables and one of rendered plots (going back to earlier
    choices is instant).

    Parameters
    ----------
    draws, seed
        Monte Carlo draws for the bands (0 for none) and their seed; by default
        those of ``balances score`` (:mod:`balances.params`).
    """

    def __init__(self, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> None:
        analysis.validate_parameters(draws=draws, seed=seed)
        self.draws = draws
        self.seed = seed
        self._results: OrderedDict[tuple, analysis.ScoreResult] = OrderedDict()
        self._summaries: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._pngs: OrderedDict[tuple, bytes] = OrderedDict()
        self._claims: pd.DataFrame | None = None
        #: Seconds the last :meth:`update` took.
        self.last_update_s: float | None = None

    def result(
        self, focal: str, reference: str, start: int, end: int, spec: ScoringSpec
    ) -> analysis.ScoreResult:
        """The scored result for a triad and spec, cut to ``start``-``end`` (cached)."""
        analysis.check_period(start, end)
        key = (Triad.parse(focal, reference), spec.digest(), self.draws, self.seed)
        if key in self._results:
            self._results.move_to_end(key)
        else:
            self._results[key] = analysis.score(
                focal, reference, FIRST_YEAR, LAST_YEAR, spec, draws=self.draws, seed=self.seed
            )
            _trim(self._results)
        return dataclasses.replace(self._results[key], start=start, end=end)

    def summary(self, res: analysis.ScoreResult) -> pd.DataFrame:
        """:func:`lens_summary` of a result (cached per triad, spec, draws, seed and period)."""
        key = (res.triad, res.spec.digest(), self.draws, self.seed, res.start, res.end)
        if key in self._summaries:
            self._summaries.move_to_end(key)
        else:
            self._summaries[key] = lens_summary(res)
            _trim(self._summaries)
        return self._summaries[key]

    def claims(self, focal: str, reference: str, start: int, end: int) -> pd.DataFrame:
        """Ko's claims (and their re-runs) whose period overlaps ``start``-``end``.

        Ko's claims concern Russia-China against the United States only; for
        any other triad the table is empty.
        """
        if not is_ko_triad(focal, reference):
            return pd.DataFrame(columns=CLAIM_COLUMNS)
        from balances import ko  # statsmodels: loaded once the first plot is shown

        if self._claims is None:
            self._claims = ko.evaluate_claims()
        return ko.claims_in_period(self._claims, start, end)[CLAIM_COLUMNS]

    def state(
        self,
        focal: str = DEFAULT_FOCAL,
        reference: str = DEFAULT_REFERENCE,
        start: int = FIRST_YEAR,
        end: int = LAST_YEAR,
        preset: str = DEFAULT_SPEC,
        lens_weights: Mapping[str, float] | None = None,
        normalise: str | None = None,
        *,
        detail: bool = True,
    ) -> dict[str, Any]:
        """Everything :meth:`update` returns except the figures (nothing is drawn).

        With ``detail=False`` only ``readout``, ``spec`` and ``result``: what the
        first plot needs (the lens table and Ko's claims follow it).
        """
        spec = spec_for(preset, lens_weights, normalise)
        res = self.result(focal, reference, start, end, spec)
        o = analysis.period_summary(res).set_index("lens").loc["overall"]
        readout = {
            "overall_mean": float(o["mean"]),
            "overall_last": float(o["last"]),
            "n_years": int(o["years_scored"]),
            "band": printed_band(res, "overall", o["mean"], o["mean_low"], o["mean_high"]).get(
                "band", ""
            ),
            "spec_digest": spec.digest(),
        }
        out = {"readout": readout, "spec": spec, "result": res}
        if detail:
            out["lenses"] = self.summary(res)
            out["claims"] = self.claims(focal, reference, start, end)
        return out

    def update(
        self,
        focal: str = DEFAULT_FOCAL,
        reference: str = DEFAULT_REFERENCE,
        start: int = FIRST_YEAR,
        end: int = LAST_YEAR,
        preset: str = DEFAULT_SPEC,
        lens_weights: Mapping[str, float] | None = None,
        normalise: str | None = None,
    ) -> dict[str, Any]:
        """Score the choices and draw them.

        Returns
        -------
        dict
            ``figures``: ``{"lens_scores": Figure, "contributions": Figure}``;
            ``readout``: ``{overall_mean, overall_last, n_years, band, spec_digest}``;
            ``lenses``: :func:`lens_summary`; ``claims``: Ko's claims for the
            period (DataFrame); ``spec``: the :class:`ScoringSpec` used;
            ``result``: the :class:`~balances.analysis.ScoreResult` cut to the period.
        """
        t0 = time.perf_counter()
        out = self.state(focal, reference, start, end, preset, lens_weights, normalise)
        out["figures"] = {name: self.figure(name, out["result"]) for name in FIGURES}
        self.last_update_s = time.perf_counter() - t0
        return out

    @staticmethod
    def figure(name: str, res: analysis.ScoreResult) -> Figure:
        """One of the explorer's figures (:data:`FIGURES`) for a scored result."""
        if name not in FIGURES:
            raise ParameterError("name", name, f"one of {FIGURES}")
        return _DRAW[name](res)

    def png(self, name: str, res: analysis.ScoreResult) -> bytes:
        """A figure rendered to PNG (cached per figure, triad, spec, draws, seed and period)."""
        key = (name, res.triad, res.spec.digest(), self.draws, self.seed, res.start, res.end)
        if key in self._pngs:
            self._pngs.move_to_end(key)
        else:
            self._pngs[key] = figure_png(self.figure(name, res))
            _trim(self._pngs)
        return self._pngs[key]


def _trim(cache: OrderedDict) -> None:
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


# ---------------------------------------------------------------- the widgets

#: Labels of the normalisation dropdown.
_NORMALISATION_LABELS = {
    "population": "population percentile (one scale across pairs)",
    "population_zscore": "population z-score",
    "population_minmax": "population min-max",
    "minmax": "min-max over the triad's own history",
    "zscore": "z-score over the triad's own history",
    "rank": "rank over the triad's own history",
    "distance": "distance to a reference year (Ko)",
}
_STYLE = {"description_width": "9em"}


def _choice_controls(
    focal: str, reference: str, start: int, end: int, preset: str, normalise: str | None
) -> dict[str, ipywidgets.Widget]:
    """Dropdowns for triad, preset and normalisation, and the period slider."""
    import ipywidgets as w

    focal_options = list(FOCAL_PAIRS)
    if focal not in [v for _, v in focal_options]:
        focal_options.append((focal, focal))
    ref_options = list(REFERENCES) + ([reference] if reference not in REFERENCES else [])
    # a Dropdown's None value means "nothing selected", so the preset's own choice needs a name
    norm_options = [("as in the preset", AS_PRESET)]
    norm_options += [(_NORMALISATION_LABELS.get(n, n), n) for n in NORMALISATIONS]
    return {
        "focal": w.Dropdown(
            options=focal_options, value=focal, description="Focal pair", style=_STYLE
        ),
        "reference": w.Dropdown(
            options=ref_options, value=reference, description="Against", style=_STYLE
        ),
        "period": w.IntRangeSlider(
            value=(start, end),
            min=FIRST_YEAR,
            max=LAST_YEAR,
            step=1,
            description="Period",
            continuous_update=False,
            style=_STYLE,
            layout=w.Layout(width="28em"),
        ),
        "preset": w.Dropdown(
            options=list(PRESETS), value=preset, description="Preset", style=_STYLE
        ),
        "normalise": w.Dropdown(
            options=norm_options,
            value=normalise or AS_PRESET,
            description="Normalisation",
            style=_STYLE,
        ),
    }


def _weight_sliders(weights: Mapping[str, float]) -> dict[str, ipywidgets.FloatSlider]:
    """One slider (0-3) per driver lens; CSS class ``balances-weight-<lens>``."""
    import ipywidgets as w

    sliders = {}
    for lens in LENSES:
        sliders[lens] = w.FloatSlider(
            value=float(weights[lens]),
            min=0.0,
            max=3.0,
            step=0.5,
            description=f"{lens} weight",
            continuous_update=False,
            readout_format=".1f",
            style=_STYLE,
            layout=w.Layout(width="28em"),
        )
        sliders[lens].add_class(f"balances-weight-{lens}")
    return sliders


def _claims_html(claims: pd.DataFrame, focal: str, reference: str, start: int, end: int) -> str:
    if not claims.empty:
        return claims.to_html(index=False, escape=True)
    if is_ko_triad(focal, reference):
        return f"<p>No claim of Ko's concerns {start}-{end}.</p>"
    return (
        "<p>Ko's claims concern Russia-China against the United States; "
        "none to show for this triad.</p>"
    )


class _View:
    """The output widgets and what redraws them when a control moves."""

    def __init__(self, explorer: Explorer, controls: Mapping, sliders: Mapping) -> None:
        import ipywidgets as w

        self.explorer, self.controls, self.sliders = explorer, controls, sliders
        self.readout = w.HTML(value="")
        self.readout.add_class(READOUT_CLASS)
        self.lens_table = w.HTML(value="")
        self.lens_table.add_class(LENS_TABLE_CLASS)
        self.lens_out, self.contrib_out, self.claims_out = w.Output(), w.Output(), w.Output()
        self.lens_out.add_class(LENS_PLOT_CLASS)
        self.contrib_out.add_class(CONTRIB_PLOT_CLASS)
        self.claims_out.add_class(CLAIMS_CLASS)
        self.tabs = w.Tab(children=[self.contrib_out, self.claims_out], selected_index=0)
        self.tabs.set_title(0, "Contributions")
        self.tabs.set_title(1, "Ko's claims")
        self.shown: analysis.ScoreResult | None = None

    @staticmethod
    def _show(target: ipywidgets.Output, obj: Any) -> None:
        from IPython.display import display

        with target:
            target.clear_output(wait=True)
            display(obj)

    def draw_heatmap(self, _change: object = None) -> None:
        """The heatmap is the slowest plot: drawn last, and only while its tab is open."""
        from IPython.display import Image

        if self.shown is not None and self.tabs.selected_index == 0:
            png = self.explorer.png("contributions", self.shown)
            self._show(self.contrib_out, Image(data=png, format="png"))

    def redraw(self, _change: object = None) -> None:
        """Score the controls' values; readout and lens plot first, then claims and heatmap."""
        from IPython.display import HTML, Image

        c = self.controls
        a, b = c["period"].value
        norm = c["normalise"].value
        try:
            st = self.explorer.state(
                c["focal"].value,
                c["reference"].value,
                a,
                b,
                c["preset"].value,
                {lens: s.value for lens, s in self.sliders.items()},
                None if norm == AS_PRESET else norm,
                detail=False,
            )
        except BalancesError as exc:
            self.readout.value = f"<b>Cannot score these choices:</b> {html.escape(str(exc))}"
            return
        res = st["result"]
        lens_png = self.explorer.png("lens_scores", res)
        self.readout.value = _readout_html(st["readout"], a, b)
        self._show(self.lens_out, Image(data=lens_png, format="png"))
        self.shown = res
        summary = self.explorer.summary(res)
        self.lens_table.value = lens_table_html(summary, a, b, res.spec.normalise)
        focal, reference = c["focal"].value, c["reference"].value
        claims = self.explorer.claims(focal, reference, a, b)
        self._show(self.claims_out, HTML(_claims_html(claims, focal, reference, a, b)))
        self.draw_heatmap()


def build_ui(
    explorer: Explorer | None = None,
    *,
    focal: str = DEFAULT_FOCAL,
    reference: str = DEFAULT_REFERENCE,
    start: int = FIRST_YEAR,
    end: int = LAST_YEAR,
    preset: str = DEFAULT_SPEC,
    lens_weights: Mapping[str, float] | None = None,
    normalise: str | None = None,
) -> ipywidgets.Widget:
    """The explorer's widgets, wired to ``explorer`` and drawn once with the given choices.

    Controls: focal pair, reference power, period, preset, one weight per lens
    (0-3), normalisation. Outputs: a readout (CSS class :data:`READOUT_CLASS`),
    the lens table (:data:`LENS_TABLE_CLASS`: each lens's mean and band, R² on
    the year, coverage and where sources end), the lens scores over the
    alignment outcome, the indicator contributions and Ko's claims for the period.
    """
    import ipywidgets as w

    explorer = explorer or Explorer()
    weights = {lens: 1.0 for lens in LENSES} | dict(lens_weights or {})
    controls = _choice_controls(focal, reference, start, end, preset, normalise)
    sliders = _weight_sliders(weights)
    view = _View(explorer, controls, sliders)
    for control in (*controls.values(), *sliders.values()):
        control.observe(view.redraw, names="value")
    view.tabs.observe(view.draw_heatmap, names="selected_index")
    view.redraw()
    left = [controls[k] for k in ("focal", "reference", "preset", "normalise")]
    box = w.HBox([w.VBox(left), w.VBox([controls["period"], *sliders.values()])])
    return w.VBox([box, view.readout, view.lens_table, view.lens_out, view.tabs])


__all__ = [
    "Explorer",
    "build_ui",
    "spec_for",
    "is_ko_triad",
    "lens_summary",
    "lens_table_html",
    "period_draws",
    "printed_band",
    "band_decimals",
    "round_band",
    "readout_text",
    "figure_png",
    "save_figures",
    "DEFAULT_DRAWS",
    "FIGURES",
    "NORMALISATIONS",
]
