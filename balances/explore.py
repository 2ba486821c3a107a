"""scores -> interactive exploration: the logic behind the JupyterLab explorer.

:class:`Explorer` turns the analyst's choices (triad, period, preset, lens
weights, normalisation) into figures, a readout, a table of the lenses and
Ko's claims for the period, caching the heavy work so that moving a slider
only re-plots. :func:`build_ui` wires ipywidgets controls to it; everything a
test needs is reachable without a browser. The numbers and text it shows (the
spec, the lens table, the readout) are computed in :mod:`balances.explore_data`,
whose public names this module re-exports; this one adds the figures, the cache
and the widgets.

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
import functools
import hashlib
import html
import io
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from balances import analysis, plots
from balances.errors import BalancesError, ParameterError

# `name as name`: re-exported only (defined here before the split into explore_data)
from balances.explore_data import BAND_LEVELS as BAND_LEVELS
from balances.explore_data import (
    LENS_TABLE_CLASS,
    NORMALISATIONS,
    READOUT_CLASS,
    band_decimals,
    claims_html,
    is_ko_triad,
    lens_summary,
    lens_table_html,
    period_draws,
    printed_band,
    readout_html,
    readout_text,
    round_band,
    spec_for,
)
from balances.explore_data import SUMMARY_LENSES as SUMMARY_LENSES
from balances.explore_data import band_text as band_text
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
from balances.scoring import PRESETS, ScoringSpec
from balances.triad import Triad

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
#: Scored results kept per explorer (each a few hundred kB).
CACHE_SIZE = 32
#: CSS classes a browser test (or a stylesheet) can find the widgets by (those of the
#: readout and the lens table, READOUT_CLASS and LENS_TABLE_CLASS, are in explore_data).
LENS_PLOT_CLASS = "balances-lens-plot"
CONTRIB_PLOT_CLASS = "balances-contributions-plot"
CLAIMS_CLASS = "balances-ko-claims"
#: The explorer's figures, by name (also the file names :func:`save_figures` writes).
FIGURES: tuple[str, ...] = ("lens_scores", "contributions")
#: The normalisation dropdown's entry for "keep the preset's normalisation".
AS_PRESET = "preset"
CLAIM_COLUMNS = ["claim_id", "period", "scope", "verdict", "statement", "measured"]
OUTCOME_COLOUR = plots.OKABE_ITO["reddish_purple"]


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure rendered to PNG bytes (what the explorer shows)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figures(
    figs: Mapping[str, Figure],
    directory: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 300,
) -> list[Path]:
    """Save each figure as ``directory/<name>.<format>`` for a paper (PNG at ``dpi``).

    Through :func:`balances.plots.save`; returns the files written.
    """
    written: list[Path] = []
    for name, fig in figs.items():
        written += plots.save(fig, Path(directory) / name, formats=formats, dpi=dpi)
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
            self._claims = _judged_claims(hashlib.sha256(ko.CLAIMS_FILE.read_bytes()).hexdigest())
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


@functools.lru_cache(maxsize=4)
def _judged_claims(claims_digest: str) -> pd.DataFrame:
    """Ko's claims judged once per process and claims-file content (as the indicator panels
    are read once per process): a second explorer in the same kernel reuses them."""
    from balances import ko

    return ko.evaluate_claims()


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
        self.readout.value = readout_html(st["readout"], a, b)
        self._show(self.lens_out, Image(data=lens_png, format="png"))
        self.shown = res
        summary = self.explorer.summary(res)
        self.lens_table.value = lens_table_html(summary, a, b, res.spec.normalise)
        focal, reference = c["focal"].value, c["reference"].value
        claims = self.explorer.claims(focal, reference, a, b)
        self._show(self.claims_out, HTML(claims_html(claims, focal, reference, a, b)))
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
