"""scores -> what the explorer shows as numbers and text: spec, lens table, readout.

The pure-pandas half of :mod:`balances.explore` (no widgets, no figures): the
scoring spec of the analyst's choices (:func:`spec_for`), the table of the
lenses over a period with its printed bands (:func:`lens_summary`, through
:func:`band_decimals` and :func:`round_band`), and the HTML and text the
explorer shows them as (:func:`lens_table_html`, :func:`readout_text`,
:func:`readout_html`, :func:`claims_html`). :mod:`balances.explore` re-exports
the public names; statsmodels (behind :mod:`balances.change`) loads only when
a lens table is computed, so importing either module stays light.

Examples
--------
>>> spec_for("ko", {"threat": 2}).lens_weights
{'power': 1.0, 'threat': 2.0, 'interests': 1.0}
>>> round_band(52.3, 47.6, 58.2, 0)
(47.0, 59.0)
>>> band_text(47.0, 59.0, 0)
'[47, 59]'
"""

from __future__ import annotations

import html
import typing
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from balances import analysis, plots
from balances.errors import ParameterError
from balances.indicators.registry import LENSES
from balances.params import DEFAULT_SPEC
from balances.scoring import PRESETS, ScoringSpec, resolve_spec
from balances.triad import Triad
from balances.uncertainty import quantile_mc_error, stable_decimals

#: Every normalisation a :class:`ScoringSpec` accepts, the population scales first.
NORMALISATIONS: tuple[str, ...] = typing.get_args(ScoringSpec.model_fields["normalise"].annotation)
#: CSS classes of the readout and the lens table (their HTML is written here).
READOUT_CLASS = "balances-readout"
LENS_TABLE_CLASS = "balances-lens-table"
#: Rows of the lens table: the three driver lenses, their overall score and the outcome.
SUMMARY_LENSES: tuple[str, ...] = (*LENSES, "overall", "alignment")
#: Quantiles of the period mean's band (as :func:`balances.analysis.period_summary`).
BAND_LEVELS = (0.05, 0.95)


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
    """The readout as one line: ``Overall driver score (mean, START-END): XX.X [LO, HI]``."""
    band = f" {readout['band']}" if readout.get("band") else ""
    return f"Overall driver score (mean, {start}-{end}): {readout['overall_mean']:.1f}{band}"


def readout_html(readout: Mapping[str, Any], start: int, end: int) -> str:
    """The readout widget's HTML; ``data-mean`` carries the unrounded mean for tests."""
    mean = readout["overall_mean"]
    band = f" {readout['band']}" if readout.get("band") else ""
    return (
        f'<span class="{READOUT_CLASS}-text">Overall driver score (mean, {start}-{end}): '
        f'<b class="{READOUT_CLASS}-value" data-mean="{mean!r}">{mean:.1f}</b>{band}</span>'
        f" <small>(last year {readout['overall_last']:.1f}; {readout['n_years']} years scored; "
        f"spec <code>{readout['spec_digest']}</code>)</small>"
    )


def claims_html(claims: pd.DataFrame, focal: str, reference: str, start: int, end: int) -> str:
    """Ko's claims for the period as HTML, or a line saying why there are none."""
    if not claims.empty:
        return claims.to_html(index=False, escape=True)
    if is_ko_triad(focal, reference):
        return f"<p>No claim of Ko's concerns {start}-{end}.</p>"
    return (
        "<p>Ko's claims concern Russia-China against the United States; "
        "none to show for this triad.</p>"
    )


__all__ = [
    "spec_for",
    "is_ko_triad",
    "period_draws",
    "band_decimals",
    "round_band",
    "band_text",
    "printed_band",
    "lens_summary",
    "lens_table_html",
    "readout_text",
    "readout_html",
    "claims_html",
    "NORMALISATIONS",
    "READOUT_CLASS",
    "LENS_TABLE_CLASS",
    "SUMMARY_LENSES",
    "BAND_LEVELS",
]
