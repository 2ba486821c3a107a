"""scores -> interactive exploration: the logic behind the JupyterLab explorer.

:class:`Explorer` turns the analyst's choices (triad, period, preset, lens
weights, normalisation) into figures, a readout and Ko's claims for the
period, caching the heavy work so that moving a slider only re-plots.
:func:`build_ui` wires ipywidgets controls to it; everything a test needs
is reachable without a browser.

The readout is the overall score of :func:`balances.analysis.score` with the
spec of :func:`spec_for`: save that spec (``spec_for(...).save("my.yml")``)
and ``balances score --spec my.yml`` prints the same numbers.

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
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from balances import analysis, ko, plots
from balances.config import PANEL_END
from balances.errors import BalancesError, ParameterError
from balances.indicators.registry import LENSES
from balances.scoring import NORMALISERS, PRESETS, ScoringSpec, resolve_spec
from balances.triad import Triad

if TYPE_CHECKING:
    import ipywidgets

#: Monte Carlo draws behind the explorer's bands: enough for a visible band,
#: few enough that a new spec redraws in a fraction of a second.
DEFAULT_DRAWS = 200
#: First and last year on the period slider.
FIRST_YEAR, LAST_YEAR = 1992, PANEL_END
#: Focal pairs offered in the explorer (label, value for :meth:`Triad.parse`).
FOCAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("Russia-China", "RUS,CHN"),
    ("India-Russia", "IND,RUS"),
    ("China-Pakistan", "CHN,PAK"),
    ("China-Iran", "CHN,IRN"),
    ("Russia-Iran", "RUS,IRN"),
)
#: Reference powers offered in the explorer.
REFERENCES: tuple[str, ...] = ("USA", "IND", "JPN", "GBR", "FRA", "DEU")
#: Scored results kept per explorer (each a few hundred kB).
CACHE_SIZE = 32
#: CSS classes a browser test (or a stylesheet) can find the widgets by.
READOUT_CLASS = "balances-readout"
LENS_PLOT_CLASS = "balances-lens-plot"
CONTRIB_PLOT_CLASS = "balances-contributions-plot"
CLAIMS_CLASS = "balances-ko-claims"
#: The explorer's figures, by name (also the file names :func:`save_figures` writes).
FIGURES: tuple[str, ...] = ("lens_scores", "contributions")
#: The normalisation dropdown's entry for "keep the preset's normalisation".
AS_PRESET = "preset"
CLAIM_COLUMNS = ["claim_id", "period", "scope", "verdict", "statement", "measured"]


def spec_for(
    preset: str = "default",
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
        A name in :data:`balances.scoring.NORMALISERS`; ``None`` keeps the preset's.

    Examples
    --------
    >>> spec_for("ko", {"threat": 2}).lens_weights
    {'power': 1.0, 'threat': 2.0, 'interests': 1.0}
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
        if normalise not in NORMALISERS:
            raise ParameterError("normalise", normalise, f"one of {sorted(NORMALISERS)}")
        fields["normalise"] = normalise
    return resolve_spec(fields)


def is_ko_triad(focal: str, reference: str) -> bool:
    """Whether a triad is the one Ko's claims are about (Russia-China against the United States)."""
    return Triad.parse(focal, reference) == Triad()


def readout_text(readout: Mapping[str, Any], start: int, end: int) -> str:
    """The readout as one line: ``Overall alignment score (mean, START-END): XX.X``."""
    return f"Overall alignment score (mean, {start}-{end}): {readout['overall_mean']:.1f}"


def _readout_html(readout: Mapping[str, Any], start: int, end: int) -> str:
    """The readout widget's HTML; ``data-mean`` carries the unrounded mean for tests."""
    mean = readout["overall_mean"]
    return (
        f'<span class="{READOUT_CLASS}-text">Overall alignment score (mean, {start}-{end}): '
        f'<b class="{READOUT_CLASS}-value" data-mean="{mean!r}">{mean:.1f}</b></span>'
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


class Explorer:
    """Cached state behind the explorer: scored results, rendered plots, Ko's claims.

    The indicator panel of a triad is cached by
    :func:`balances.analysis.indicator_panel`; the explorer adds a cache of
    scored results per (triad, spec digest, draws, seed), always over the
    whole series and cut to the period asked (a period change only re-plots),
    and a cache of rendered plots (going back to earlier choices is instant).

    Parameters
    ----------
    draws, seed
        Monte Carlo draws for the bands (0 for none) and their seed.
    """

    def __init__(self, draws: int = DEFAULT_DRAWS, seed: int = 0) -> None:
        analysis.validate_parameters(draws=draws, seed=seed)
        self.draws = draws
        self.seed = seed
        self._results: OrderedDict[tuple, analysis.ScoreResult] = OrderedDict()
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

    def claims(self, focal: str, reference: str, start: int, end: int) -> pd.DataFrame:
        """Ko's claims (and their re-runs) whose period overlaps ``start``-``end``.

        Ko's claims concern Russia-China against the United States only; for
        any other triad the table is empty.
        """
        if not is_ko_triad(focal, reference):
            return pd.DataFrame(columns=CLAIM_COLUMNS)
        if self._claims is None:
            self._claims = ko.evaluate_claims()
        return ko.claims_in_period(self._claims, start, end)[CLAIM_COLUMNS]

    def state(
        self,
        focal: str = "RUS,CHN",
        reference: str = "USA",
        start: int = FIRST_YEAR,
        end: int = LAST_YEAR,
        preset: str = "default",
        lens_weights: Mapping[str, float] | None = None,
        normalise: str | None = None,
    ) -> dict[str, Any]:
        """Everything :meth:`update` returns except the figures (nothing is drawn)."""
        spec = spec_for(preset, lens_weights, normalise)
        res = self.result(focal, reference, start, end, spec)
        overall = analysis.period_summary(res).set_index("lens").loc["overall"]
        readout = {
            "overall_mean": float(overall["mean"]),
            "overall_last": float(overall["last"]),
            "n_years": int(overall["years_scored"]),
            "spec_digest": spec.digest(),
        }
        return {
            "readout": readout,
            "claims": self.claims(focal, reference, start, end),
            "spec": spec,
            "result": res,
        }

    def update(
        self,
        focal: str = "RUS,CHN",
        reference: str = "USA",
        start: int = FIRST_YEAR,
        end: int = LAST_YEAR,
        preset: str = "default",
        lens_weights: Mapping[str, float] | None = None,
        normalise: str | None = None,
    ) -> dict[str, Any]:
        """Score the choices and draw them.

        Returns
        -------
        dict
            ``figures``: ``{"lens_scores": Figure, "contributions": Figure}``;
            ``readout``: ``{overall_mean, overall_last, n_years, spec_digest}``;
            ``claims``: Ko's claims for the period (DataFrame); ``spec``: the
            :class:`ScoringSpec` used; ``result``: the
            :class:`~balances.analysis.ScoreResult` cut to the period.
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
        # Figure() rather than pyplot: no global state, nothing shown twice by the inline backend
        if name == "lens_scores":
            fig = Figure(figsize=(9, 4.2), layout="constrained")
            ax = fig.subplots()
            plots.lens_scores(res.table(), ax=ax, title=f"{res.triad.label}, {res.start}-{res.end}")
            if res.bands is not None:
                ax.text(
                    1.0,
                    1.01,
                    "shaded: 5-95% of the Monte Carlo draws",
                    transform=ax.transAxes,
                    ha="right",
                    va="bottom",
                    fontsize=7,
                    color="#555555",
                )
            return fig
        n = res.contributions["indicator"].nunique()
        fig = Figure(figsize=(10, max(3.0, 0.24 * n)), layout="constrained")
        ax = fig.subplots()
        plots.contributions(res.contributions, ax=ax, start=res.start, end=res.end)
        ax.set_title("Points each indicator adds to the overall score")
        return fig

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


def build_ui(
    explorer: Explorer | None = None,
    *,
    focal: str = "RUS,CHN",
    reference: str = "USA",
    start: int = FIRST_YEAR,
    end: int = LAST_YEAR,
    preset: str = "default",
    lens_weights: Mapping[str, float] | None = None,
    normalise: str | None = None,
) -> ipywidgets.Widget:
    """The explorer's widgets, wired to ``explorer`` and drawn once with the given choices.

    Controls: focal pair, reference power, period, preset, one weight per lens
    (0-3), normalisation. Outputs: the lens scores with their bands, the
    indicator contributions, Ko's claims for the period, and a readout (CSS
    class :data:`READOUT_CLASS`).
    """
    import ipywidgets as w
    from IPython.display import HTML, Image, display

    explorer = explorer or Explorer()
    weights = {lens: 1.0 for lens in LENSES} | dict(lens_weights or {})
    focal_options = list(FOCAL_PAIRS)
    if focal not in [v for _, v in focal_options]:
        focal_options.append((focal, focal))
    ref_options = list(REFERENCES) + ([reference] if reference not in REFERENCES else [])
    style = {"description_width": "9em"}
    wide = w.Layout(width="28em")

    focal_w = w.Dropdown(options=focal_options, value=focal, description="Focal pair", style=style)
    ref_w = w.Dropdown(options=ref_options, value=reference, description="Against", style=style)
    period_w = w.IntRangeSlider(
        value=(start, end),
        min=FIRST_YEAR,
        max=LAST_YEAR,
        step=1,
        description="Period",
        continuous_update=False,
        style=style,
        layout=wide,
    )
    preset_w = w.Dropdown(options=list(PRESETS), value=preset, description="Preset", style=style)
    # a Dropdown's None value means "nothing selected", so the preset's own choice needs a name
    norm_w = w.Dropdown(
        options=[("as in the preset", AS_PRESET)] + [(n, n) for n in NORMALISERS],
        value=normalise or AS_PRESET,
        description="Normalisation",
        style=style,
    )
    lens_w = {}
    for lens in LENSES:
        lens_w[lens] = w.FloatSlider(
            value=float(weights[lens]),
            min=0.0,
            max=3.0,
            step=0.5,
            description=f"{lens} weight",
            continuous_update=False,
            readout_format=".1f",
            style=style,
            layout=wide,
        )
        lens_w[lens].add_class(f"balances-weight-{lens}")

    readout_w = w.HTML(value="")
    readout_w.add_class(READOUT_CLASS)
    lens_out, contrib_out, claims_out = w.Output(), w.Output(), w.Output()
    lens_out.add_class(LENS_PLOT_CLASS)
    contrib_out.add_class(CONTRIB_PLOT_CLASS)
    claims_out.add_class(CLAIMS_CLASS)

    tabs = w.Tab(children=[contrib_out, claims_out], selected_index=0)
    tabs.set_title(0, "Contributions")
    tabs.set_title(1, "Ko's claims")
    shown: dict[str, analysis.ScoreResult] = {}

    def show_png(target: ipywidgets.Output, png: bytes) -> None:
        with target:
            target.clear_output(wait=True)
            display(Image(data=png, format="png"))

    def draw_heatmap(_change: object = None) -> None:
        # the heatmap is the slowest plot: drawn last, and only while its tab is open
        if "result" in shown and tabs.selected_index == 0:
            show_png(contrib_out, explorer.png("contributions", shown["result"]))

    def redraw(_change: object = None) -> None:
        a, b = period_w.value
        try:
            st = explorer.state(
                focal_w.value,
                ref_w.value,
                a,
                b,
                preset_w.value,
                {lens: s.value for lens, s in lens_w.items()},
                None if norm_w.value == AS_PRESET else norm_w.value,
            )
        except BalancesError as exc:
            readout_w.value = f"<b>Cannot score these choices:</b> {html.escape(str(exc))}"
            return
        res = st["result"]
        lens_png = explorer.png("lens_scores", res)
        readout_w.value = _readout_html(st["readout"], a, b)
        show_png(lens_out, lens_png)
        shown["result"] = res
        with claims_out:
            claims_out.clear_output(wait=True)
            claims = st["claims"]
            if not claims.empty:
                display(HTML(claims.to_html(index=False, escape=True)))
            elif is_ko_triad(focal_w.value, ref_w.value):
                display(HTML(f"<p>No claim of Ko's concerns {a}-{b}.</p>"))
            else:
                display(
                    HTML(
                        "<p>Ko's claims concern Russia-China against the United States; "
                        "none to show for this triad.</p>"
                    )
                )
        draw_heatmap()

    for control in (focal_w, ref_w, period_w, preset_w, norm_w, *lens_w.values()):
        control.observe(redraw, names="value")
    tabs.observe(draw_heatmap, names="selected_index")
    redraw()

    controls = w.HBox(
        [
            w.VBox([focal_w, ref_w, preset_w, norm_w]),
            w.VBox([period_w, *lens_w.values()]),
        ]
    )
    return w.VBox([controls, readout_w, lens_out, tabs])


__all__ = [
    "Explorer",
    "build_ui",
    "spec_for",
    "is_ko_triad",
    "readout_text",
    "figure_png",
    "save_figures",
    "DEFAULT_DRAWS",
    "FIGURES",
]
