"""The high-level API that the command line and the notebooks call.

Scores are always computed on the whole study panel (1991 to the last year)
and then cut to the requested period, so a year has the same score in every
period's report.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from balances.config import PANEL_END, STUDY_START
from balances.errors import ParameterError
from balances.indicators.panel import Tables, compute_panel
from balances.indicators.registry import Indicator
from balances.params import (  # noqa: F401 - MAX_DRAWS and check_period are part of this API
    DEFAULT_DRAWS,
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    DEFAULT_SPEC,
    DEFAULT_START,
    MAX_DRAWS,
    RunParams,
    check_period,
)
from balances.scoring import ScoringSpec, resolve_spec, score_panel  # noqa: F401 - resolve_spec used via analysis
from balances.triad import Triad
from balances.uncertainty import monte_carlo


@functools.lru_cache(maxsize=16)
def _panel(triad: Triad, user_dir: str | None) -> tuple[pd.DataFrame, dict[str, Indicator]]:
    source = Tables(user_dir)
    return compute_panel(triad, start=STUDY_START, end=PANEL_END, source=source), source.registry()


def indicator_panel(
    focal: str | tuple[str, str] = "RUS,CHN",
    reference: str = "USA",
    *,
    indicators_dir: str | Path | None = None,
) -> tuple[pd.DataFrame, dict[str, Indicator]]:
    """Values panel (1991 to the last year) and registry for a triad; cached per triad."""
    triad = Triad.parse(focal, reference)
    panel, registry = _panel(triad, str(indicators_dir) if indicators_dir else None)
    return panel.copy(), registry


@dataclass
class ScoreResult:
    """Everything one scoring run produces (all tidy frames)."""

    triad: Triad
    spec: ScoringSpec
    start: int
    end: int
    panel: pd.DataFrame
    registry: dict[str, Indicator]
    scores: pd.DataFrame
    bands: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    weights: pd.DataFrame
    contributions: pd.DataFrame
    normalised: pd.DataFrame
    imputed: pd.DataFrame
    draws: np.ndarray | None = None
    #: The outcome "aligned against" (balances.alignment.against), -100 to 100.
    alignment: pd.DataFrame | None = None

    def table(self) -> pd.DataFrame:
        """One row per year and lens: ``year, lens, score, low, high, n_indicators``.

        The lenses ``power``, ``threat``, ``interests`` and ``overall`` score the
        drivers (0-100); ``alignment`` is the measured outcome: how much closer
        the focal pair is to each other than to the reference, on the
        population percentile scale (-100 to 100; :func:`balances.alignment.against`).
        """
        base = self.scores
        if self.bands is not None:
            base = base.merge(
                self.bands[["year", "lens", "low", "high"]], on=["year", "lens"], how="left"
            )
        else:
            base = base.assign(low=float("nan"), high=float("nan"))
        if self.alignment is not None:
            base = pd.concat([base, self.alignment.assign(lens="alignment")], ignore_index=True)
        order = {"power": 0, "threat": 1, "interests": 2, "overall": 3, "alignment": 4}
        out = base[base["year"].between(self.start, self.end)].copy()
        out["_o"] = out["lens"].map(order)
        out = out.sort_values(["year", "_o"]).drop(columns="_o")
        return out[["year", "lens", "score", "low", "high", "n_indicators"]].reset_index(drop=True)

    def printable(self) -> pd.DataFrame:
        """:meth:`table` with the band rounded to the digits the Monte Carlo makes stable.

        Each bound keeps one decimal where its Monte Carlo error (half-width of a 95%
        interval over seeds) is below 0.05, none where it is below 0.5, and is rounded
        to tens beyond, always outward; the point estimate keeps one decimal.
        """
        from balances.uncertainty import stable_decimals

        t = self.table()
        if self.bands is None:
            return t.round({"score": 1})
        err = self.bands.set_index(["year", "lens"])["mc_error"]
        e = [err.get((y, lens), np.nan) for y, lens in zip(t["year"], t["lens"], strict=True)]
        dec = [stable_decimals(x) for x in e]
        # rounded outward, so the printed band still holds the printed point
        for col, fn in (("low", np.floor), ("high", np.ceil)):
            t[col] = [
                float(fn(v * 10.0**d) / 10.0**d) if np.isfinite(v) else v
                for v, d in zip(t[col], dec, strict=True)
            ]
        t["score"] = t["score"].round(1)
        t["low"] = np.fmin(t["low"], t["score"])
        t["high"] = np.fmax(t["high"], t["score"])
        return t

    def coverage(self) -> pd.DataFrame:
        """Per indicator: lens, sub-concept, first and last year observed, years carried.

        The last year is where the source ends for this triad; beyond it the lens
        carries the value with a widening band (never a different composite).
        """
        p = self.panel
        rows = []
        for iid, d in p.groupby("indicator", sort=False):
            if iid not in self.registry or iid not in self.normalised.columns:
                continue
            seen = d.loc[d["status"] != "missing", "year"]
            span = d[d["year"].between(self.start, self.end)]
            rows.append(
                {
                    "indicator": iid,
                    "lens": self.registry[iid].lens,
                    "subconcept": self.registry[iid].subconcept,
                    "first_year": int(seen.min()) if len(seen) else None,
                    "last_year": int(seen.max()) if len(seen) else None,
                    "years_carried": int((span["status"] == "missing").sum()) if len(seen) else 0,
                    "sources": " ".join(self.registry[iid].sources),
                }
            )
        return pd.DataFrame(rows)

    def period_panel(self) -> pd.DataFrame:
        return self.panel[self.panel["year"].between(self.start, self.end)].reset_index(drop=True)

    def __repr__(self) -> str:
        """One line: triad, period, spec, indicators, draws and the last overall score."""
        from balances.display import result_repr

        return result_repr(self)

    def _repr_html_(self) -> str:
        """A short summary for notebooks: the period's mean per lens with its band."""
        from balances.display import result_html

        return result_html(self, period_summary(self))


def score(
    focal: str | tuple[str, str] = DEFAULT_FOCAL,
    reference: str = DEFAULT_REFERENCE,
    start: int = DEFAULT_START,
    end: int = PANEL_END,
    spec: ScoringSpec | str | Mapping | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    indicators_dir: str | Path | None = None,
) -> ScoreResult:
    """Score the alignment of a focal pair against a reference power.

    Parameters
    ----------
    focal, reference
        ISO3 codes (``"RUS,CHN"``, ``"USA"``).
    start, end
        Period reported (scores are normalised over the whole study panel).
    spec
        A :class:`~balances.scoring.ScoringSpec`, a preset name, a YAML path or a mapping.
    draws, seed
        Monte Carlo draws over the scoring choices (0 for none) and the seed.
    indicators_dir
        A directory of the user's own indicators and tables.

    Examples
    --------
    >>> res = score(start=2000, end=2004, draws=0)
    >>> sorted(res.table()["lens"].unique())
    ['alignment', 'interests', 'overall', 'power', 'threat']
    """
    return run(
        RunParams(
            focal=focal,
            reference=reference,
            start=start,
            end=end,
            spec=spec,
            draws=draws,
            seed=seed,
            indicators_dir=indicators_dir,
        )
    )


def run(params: RunParams) -> ScoreResult:
    """Score one run whose parameters were validated once, in :class:`RunParams`.

    Examples
    --------
    >>> res = run(RunParams(start=2000, end=2004, draws=0))
    >>> res.table()["year"].min()
    np.int64(2000)
    """
    spec, triad = params.scoring_spec, params.triad
    panel, registry = _panel(triad, str(params.indicators_dir) if params.indicators_dir else None)
    panel = panel.copy()
    res = score_panel(panel, registry, spec)
    bands = sens = draw_scores = None
    if params.draws:
        mc = monte_carlo(panel, registry, spec, draws=params.draws, seed=params.seed)
        bands, sens, draw_scores = mc["bands"], mc["sensitivity"], mc["scores"]
    return ScoreResult(
        triad,
        spec,
        params.start,
        params.end,
        panel,
        registry,
        res["scores"],
        bands,
        sens,
        res["weights"],
        res["contributions"],
        res["normalised"],
        res["imputed"],
        draw_scores,
        _alignment_lens(triad, params.start, params.end),
    )


def _alignment_lens(triad: Triad, start: int, end: int) -> pd.DataFrame | None:
    """The outcome lens for the triad, or None where the committed outcome is absent."""
    from balances.config import processed_dir

    out = _against(triad.focal1, triad.focal2, triad.reference, processed_dir().resolve())
    return None if out is None else out[out["year"].between(start, end)].reset_index(drop=True)


@functools.lru_cache(maxsize=32)
def _against(focal1: str, focal2: str, reference: str, directory: Path) -> pd.DataFrame | None:
    """The outcome for a triad, read once per process (it depends on no scoring choice)."""
    from balances.alignment import against
    from balances.errors import DataError

    try:
        return against((focal1, focal2), reference, directory=directory)
    except DataError:
        return None


def validate_parameters(
    focal: str = DEFAULT_FOCAL,
    reference: str = DEFAULT_REFERENCE,
    start: int = DEFAULT_START,
    end: int = PANEL_END,
    spec: ScoringSpec | str | Mapping | None = DEFAULT_SPEC,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> ScoringSpec:
    """Check a notebook's parameters before any work; each error names the parameter and allowed values."""
    params = RunParams(
        focal=focal, reference=reference, start=start, end=end, spec=spec, draws=draws, seed=seed
    )
    return params.scoring_spec


def period_summary(res: ScoreResult, levels: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """Per lens over the period: mean score and its band, first and last year, change.

    The band of the period mean comes from the Monte Carlo draws of the period
    mean (each draw's scores averaged over the period's scored years), not from
    the mean of the yearly bounds, and it contains the mean by construction.

    Returns
    -------
    DataFrame
        lens, mean, mean_low, mean_high, first_year, first, last_year, last, change, years_scored.
    """
    t = res.table().dropna(subset=["score"])
    lens_names = ["power", "threat", "interests", "overall"]
    years = res.normalised.index
    rows = []
    for li, lens in enumerate(lens_names):
        d = t[t["lens"] == lens].sort_values("year")
        if d.empty:
            rows.append({"lens": lens, "years_scored": 0})
            continue
        mean = d["score"].mean()
        low = high = np.nan
        if res.draws is not None:
            sel = np.isin(years, d["year"].to_numpy())
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                per_draw = np.nanmean(res.draws[:, sel, li], axis=1)
                low, high = np.nanquantile(per_draw, levels)
            low, high = min(low, mean), max(high, mean)
        rows.append(
            {
                "lens": lens,
                "mean": mean,
                "mean_low": low,
                "mean_high": high,
                "first_year": int(d["year"].iloc[0]),
                "first": d["score"].iloc[0],
                "last_year": int(d["year"].iloc[-1]),
                "last": d["score"].iloc[-1],
                "change": d["score"].iloc[-1] - d["score"].iloc[0],
                "years_scored": len(d),
            }
        )
    return pd.DataFrame(rows)


def explain_change(res: ScoreResult, top: int = 8, lens: str = "overall") -> pd.DataFrame:
    """Which indicators moved a score between the period's first and last year, and how.

    Each indicator's change in contribution to the lens (or overall) score is
    labelled by what happened to its data: ``moved`` (observed at both ends: a
    change in the world), ``dropped out`` (observed at the start, carried at the
    end: its source stopped, and its contribution is the carried value's),
    ``entered`` (carried at the start, observed at the end) or ``carried`` (at
    both ends). Only ``moved`` rows are changes in the world; ``moved_total`` and
    ``composition_total`` in ``attrs`` sum the two kinds.
    """
    from balances.scoring import lens_weight_matrix

    a, b = res.start, res.end
    names = ["power", "threat", "interests", "overall"]
    if lens not in names:
        raise ParameterError("lens", lens, f"one of {names}")
    w = lens_weight_matrix(res.weights)[names.index(lens)]
    norm = res.normalised
    ids = list(norm.columns)
    has = norm.notna().any().to_numpy()
    ww = pd.Series(w * has, index=ids)
    ww = ww / ww.sum() if ww.sum() > 0 else ww
    raw = res.panel.pivot(index="year", columns="indicator", values="value").reindex(columns=ids)

    def contrib(year: int) -> pd.Series:
        return norm.loc[year].fillna(0) * ww if year in norm.index else ww * np.nan

    out = pd.DataFrame({"contribution_change": contrib(b) - contrib(a)})
    out = out[ww > 0]
    seen_a = raw.loc[a].notna() if a in raw.index else pd.Series(False, index=ids)
    seen_b = raw.loc[b].notna() if b in raw.index else pd.Series(False, index=ids)
    kind = np.select(
        [seen_a & seen_b, seen_a & ~seen_b, ~seen_a & seen_b],
        ["moved", "dropped out", "entered"],
        "carried",
    )
    out["kind"] = pd.Series(kind, index=ids).reindex(out.index)
    out["lens"] = [res.registry[i].lens for i in out.index]
    out["title"] = [res.registry[i].title for i in out.index]
    out[f"value_{a}"] = raw.loc[a].reindex(out.index).to_numpy() if a in raw.index else np.nan
    out[f"value_{b}"] = raw.loc[b].reindex(out.index).to_numpy() if b in raw.index else np.nan
    moved = float(out.loc[out["kind"] == "moved", "contribution_change"].sum())
    other = float(out.loc[out["kind"] != "moved", "contribution_change"].sum())
    out = out.reindex(out["contribution_change"].abs().sort_values(ascending=False).index).head(top)
    out = out.reset_index().rename(columns={"index": "indicator"})
    out.attrs.update(moved_total=moved, composition_total=other)
    return out


def breaks(
    series: str = "overall",
    *,
    spec: ScoringSpec | str | None = "default",
    seed: int = 0,
    focal: str = "RUS,CHN",
    reference: str = "USA",
    transform: str = "difference",
) -> dict[str, pd.DataFrame]:
    """Tests of change on a score series (or the Russia-China vs Russia-US voting gap).

    Trends are fitted on the levels (with the R² on the year beside them). Break
    tests (Chow at each candidate year, sup-F, CUSUM) run on the series without
    its trend - first differences by default, or residuals of a linear trend -
    because on a trending series they reject at every year; each row says which
    series it was run on. Markov regimes are estimated on the levels.

    Returns
    -------
    dict
        ``tests``: one row per test (R² on year, trend per Ko period, Chow at each
        break year, sup-F, CUSUM) with the series tested, statistic, p-value and
        caution; ``regimes``: Markov-switching regime spells beside Ko's periods.
    """
    from balances import change
    from balances.ko_periods import period_spans

    allowed = ("overall", "power", "threat", "interests", "vote_gap")
    if series not in allowed:
        raise ParameterError("series", series, f"one of {allowed}")
    if transform not in change.TRANSFORMS:
        raise ParameterError("transform", transform, f"one of {change.TRANSFORMS}")
    y = _series_to_test(series, spec, focal, reference)
    label = {
        "difference": "first differences",
        "detrend": "residuals of a linear trend",
        "none": "levels (trending: breaks over-reject)",
    }[transform]
    spans = period_spans()
    rows = _trend_rows(y, spans) + _break_rows(change.detrend(y, transform), label, seed)
    ms = change.markov_regimes(y, seed=seed)
    regimes = ms["regimes"].assign(caution=ms["caution"])
    return {
        "tests": pd.DataFrame(rows),
        "regimes": regimes,
        "periods": change.compare_regimes_with_periods(ms["regimes"], spans),
    }


def _series_to_test(
    series: str, spec: ScoringSpec | str | None, focal: str, reference: str
) -> pd.Series:
    """The yearly series :func:`breaks` tests: a lens's score, or the UNGA vote gap."""
    from balances.walt import revealed_stance

    if series == "vote_gap":
        return (
            revealed_stance(Triad.parse(focal, reference))
            .set_index("year")["vote_gap"]
            .astype(float)
        )
    tab = score(focal, reference, STUDY_START, PANEL_END, spec, draws=0).table()
    return tab[tab["lens"] == series].set_index("year")["score"]


def _test_row(
    test: str, series: str, where: str, statistic: float, p_value: float, caution: str
) -> dict[str, Any]:
    """One row of the ``tests`` table of :func:`breaks`."""
    return {
        "test": test,
        "series": series,
        "where": where,
        "statistic": statistic,
        "p_value": p_value,
        "caution": caution,
    }


def _trend_rows(y: pd.Series, spans: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """R² on the year and the trend in each period, on the levels."""
    from balances import change

    rows = [
        _test_row(
            "R² on year",
            "levels",
            "whole series",
            change.r2_on_year(y),
            float("nan"),
            "share of the variance a straight line in the year explains",
        )
    ]
    for _, r in change.trend_by_period(y, spans).iterrows():
        test = "trend (HAC)" if r["p_method"] != "exact permutation" else "trend (permutation)"
        where = f"{r['period']} {r['start']}-{r['end']}"
        rows.append(_test_row(test, "levels", where, r["slope"], r["p_value"], r["caution"]))
    return rows


def _break_rows(yb: pd.Series, label: str, seed: int) -> list[dict[str, Any]]:
    """Chow at each candidate year, sup-F and CUSUM, on the series without its trend."""
    from balances import change

    rows = [
        _test_row("Chow", label, str(r["break_year"]), r["F"], r["p_value"], r["caution"])
        for _, r in change.chow_tests(yb).iterrows()
    ]
    sup = change.unknown_break(yb, seed=seed)
    rows.append(
        _test_row(
            "sup-F (unknown break)",
            label,
            str(sup["break_year"]),
            sup["sup_f"],
            sup["p_value"],
            sup["caution"],
        )
    )
    rows.append(_test_row("CUSUM", label, "whole series", sup["cusum_stat"], sup["cusum_p"], ""))
    return rows


def alignment_gap(
    focal: str = "RUS,CHN",
    reference: str = "USA",
    *,
    spec: ScoringSpec | str | None = "default",
    lags: int = 1,
) -> dict[str, pd.DataFrame]:
    """The drivers (three lens scores) against the outcome (the alignment ladder).

    Returns
    -------
    dict
        ``gap``: year, outcome, fitted, gap (outcome above or below what the
        lagged drivers predict, as in the Lowy Asia Power Index's power gap);
        ``coefficients``; ``correlations`` (each driver at lags 0-3);
        ``caution``.
    """
    from balances import change
    from balances.ladder import ladder

    triad = Triad.parse(focal, reference)
    tab = score(focal, reference, STUDY_START, PANEL_END, spec, draws=0).table()
    drivers = tab[tab["lens"].isin(["power", "threat", "interests"])].pivot(
        index="year", columns="lens", values="score"
    )
    outcome = ladder(triad)["levels"].set_index("year")["level"].astype(float)
    res = change.residual_gap(outcome, drivers, lags=lags)
    return {
        "gap": res["gap"],
        "coefficients": res["coefficients"],
        "correlations": change.lagged_correlations(outcome, drivers),
        "caution": res["caution"],
    }
