"""The evidence for one test of a claim, and its verdict.

An :class:`Evaluator` computes what a test measures for a triad (an indicator
from the panel, an expression, a UN vote similarity, a named series of
:mod:`balances.ko_series`), with a cache shared across the sensitivity grid.
:func:`evaluate_test` turns one test into an :class:`Outcome` (supported,
contradicted, inconclusive or silent, with the measured values, the reason and
the evidence rows); :func:`combine` weighs a claim's outcomes by evidence kind.
One trend test everywhere (:func:`balances.change.trend_by_period`, OLS with
Newey-West errors); below :data:`MIN_HAC_N` points the verdict rests on an
exact permutation test of the slope instead, with a caution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from balances import change
from balances.config import PANEL_END, STUDY_START
from balances.errors import RegistryError
from balances.indicators.ops import Context
from balances.indicators.panel import Tables, compute_panel
from balances.indicators.registry import evaluate
from balances.ko_claims import Claim, Measure, Similarity, Test, dyad_names
from balances.ko_series import OUTCOME_SERIES, SERIES
from balances.triad import Triad
from balances.walt import REVEALED_BALANCE_GAP, WaltRule, conditions, stance_of_gap

#: Below this many points a trend's p-value comes from an exact permutation test.
MIN_HAC_N = 8


class Evaluator:
    """Evaluates measures for a triad (RUS-CHN vs USA by default), with caching."""

    def __init__(
        self,
        source: Tables | None = None,
        rule: WaltRule | None = None,
        *,
        balance_gap: float = REVEALED_BALANCE_GAP,
    ) -> None:
        self.source = source or Tables()
        self.triad = Triad()
        self.rule = rule or WaltRule()
        self.balance_gap = balance_gap
        self.years = pd.Index(range(STUDY_START, PANEL_END + 1), name="year")
        self._panel: pd.DataFrame | None = None
        self._cache: dict[str, pd.Series] = {}
        #: (low, high) of the series that carry an uncertainty band (the alignment outcome).
        self.bands: dict[str, tuple[pd.Series, pd.Series]] = {}

    def variant(self, rule: WaltRule | None = None, balance_gap: float | None = None) -> Evaluator:
        """A copy with other Walt-rule or revealed-stance thresholds, sharing the data cache."""
        ev = Evaluator(
            self.source,
            rule or self.rule,
            balance_gap=self.balance_gap if balance_gap is None else balance_gap,
        )
        ev._panel = self._panel
        ev.bands = self.bands
        ev._cache = {
            k: v for k, v in self._cache.items() if not k.startswith(("walt_", "revealed"))
        }
        return ev

    @property
    def panel(self) -> pd.DataFrame:
        if self._panel is None:
            self._panel = compute_panel(self.triad, source=self.source)
        return self._panel

    def _walt(self) -> None:
        cond = conditions(self.triad, self.rule, source=self.source).set_index("year")
        for k in ("peace", "capability", "allies", "predicted"):
            self._cache[f"walt_{k}"] = cond[k]

    def named(self, name: str) -> pd.Series:
        if name in self._cache:
            return self._cache[name]
        if name.startswith("walt_"):
            self._walt()
        elif name == "revealed":
            self._cache[name] = stance_of_gap(self.named("kappa_gap"), self.balance_gap)
        else:
            compute = SERIES[name].compute
            assert compute is not None  # only the Walt rule's conditions have none
            self._cache[name] = compute(self).reindex(self.years).astype(float)
        return self._cache[name]

    def band(self, m: Measure) -> tuple[pd.Series, pd.Series] | None:
        """The 90% band (low, high) of a measure that has one, else None."""
        if m.series and m.series in OUTCOME_SERIES.values():
            self.named(m.series)
            return self.bands[m.series]
        return None

    def measure(self, m: Measure) -> pd.Series:
        if m.series:
            return self.named(m.series).reindex(self.years)
        key = m.model_dump_json()
        if key in self._cache:
            return self._cache[key]
        if m.indicator:
            p = self.panel[self.panel["indicator"] == m.indicator]
            if p.empty:
                raise RegistryError(f"claims: unknown indicator {m.indicator!r}")
            out = p.set_index("year")["value"].reindex(self.years)
        elif m.similarity:
            out = _similarity(self, m.similarity)
        else:
            out = evaluate(m.expr or {}, Context(self.triad, self.source, self.years))
        self._cache[key] = out
        return out


def _dyad_rows(t: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    return t[(t["iso3_1"] == a) & (t["iso3_2"] == b)]


def _similarity(ev: Evaluator, sim: Similarity) -> pd.Series:
    a, b = dyad_names(sim.dyad)
    u = ev.source("unga_similarity")
    pair = _dyad_rows(u, a, b)
    if pair.empty:
        pair = _dyad_rows(u, b, a)
    pair = pair.groupby("year").first()
    if sim.measure in ("kappa", "pi"):
        return pair[sim.measure].reindex(ev.years).astype(float)
    # b's mean agreement with all members that year: what agreeing with b is worth by default
    partner_mean = u[u["iso3_1"] == b].groupby("year")["agreement"].mean()
    return (pair["agreement"] - partner_mean).reindex(ev.years).astype(float)


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "NaN"
    return f"{x:.3g}"


@dataclass
class Outcome:
    """The result of one test: verdict, what was measured, why, and the evidence rows."""

    verdict: str
    measured: str
    reason: str
    rows: pd.DataFrame


def _rows(*series: tuple[str, pd.Series]) -> pd.DataFrame:
    parts = [
        pd.DataFrame({"series": name, "year": s.index.astype(int), "value": s.to_numpy()})
        for name, s in series
        if len(s)
    ]
    if not parts:
        return pd.DataFrame(columns=["series", "year", "value"])
    return pd.concat(parts, ignore_index=True)


def exact_permutation_p(y: np.ndarray) -> float:
    """Two-sided exact permutation p-value of the OLS slope of ``y`` on consecutive years.

    The one implementation is :func:`balances.change.permutation_slope_p`; this
    names its use for fewer than :data:`MIN_HAC_N` points.

    Examples
    --------
    >>> round(exact_permutation_p(np.array([2.0, 2, 3, 2, 3])), 3)
    0.4
    """
    y = np.asarray(y, dtype=float)
    return change.permutation_slope_p(np.arange(len(y), dtype=float), y)


def _trend(y: pd.Series, expected: str, alpha: float) -> Outcome:
    rows = _rows(("value", y))
    obs = y.dropna()
    n = len(obs)
    if n < 3:
        return Outcome("silent", f"{n} observations", "too few years with data for a trend", rows)
    span = (int(obs.index.min()), int(obs.index.max()))
    res = change.trend_by_period(obs, {"claim": span}).iloc[0]
    slope = float(res["slope"])
    if n < MIN_HAC_N:
        p = change.permutation_slope_p(obs.index.to_numpy(dtype=float), obs.to_numpy(dtype=float))
        how = f"exact permutation p={p:.3f}, n={n}"
        caution = f" (caution: {n} < {MIN_HAC_N} points, exact permutation test, HAC not used)"
    else:
        p = float(res["p_value"])
        how = f"HAC p={p:.3f}, n={n}"
        caution = " (few years: indicative only)" if n < change.SMALL_N else ""
    measured = f"slope {_fmt(slope)}/yr ({how})"
    right = slope > 0 if expected == "increase" else slope < 0
    if p < alpha and slope != 0:
        verdict = "supported" if right else "contradicted"
        why = f"significant {'rise' if slope > 0 else 'fall'} at {alpha:.0%}{caution}"
        return Outcome(verdict, measured, why, rows)
    return Outcome("inconclusive", measured, f"no significant trend at {alpha:.0%}{caution}", rows)


def _change(
    y: pd.Series, period: tuple[int, int], base: tuple[int, int], expected: str, min_change: float
) -> Outcome:
    now_s, before_s = y.loc[period[0] : period[1]], y.loc[base[0] : base[1]]
    rows = _rows(("period", now_s), ("baseline", before_s))
    now, before = now_s.mean(), before_s.mean()
    if np.isnan(now) or np.isnan(before):
        return Outcome(
            "silent",
            f"mean {_fmt(now)} vs {_fmt(before)}",
            "no data for one of the two periods",
            rows,
        )
    d = now - before
    measured = (
        f"mean {period[0]}-{period[1]} {_fmt(now)} vs {base[0]}-{base[1]} {_fmt(before)} "
        f"(change {d:+.3g})"
    )
    sign = 1 if expected == "increase" else -1
    if sign * d >= min_change and d != 0:
        return Outcome(
            "supported", measured, f"{'rose' if d > 0 else 'fell'} by at least {min_change:g}", rows
        )
    if -sign * d >= min_change and d != 0:
        why = f"moved the other way ({'rose' if d > 0 else 'fell'} by at least {min_change:g})"
        return Outcome("contradicted", measured, why, rows)
    return Outcome("inconclusive", measured, f"flat: changed by less than {min_change:g}", rows)


def _level(y: pd.Series, expected: str, threshold: float) -> Outcome:
    rows = _rows(("value", y))
    span = len(y)
    y = y.dropna()
    if y.empty:
        return Outcome("silent", "no data", "no data in the period", rows)
    ok = (y >= threshold) if expected == "above" else (y <= threshold)
    cover = f"; data cover {len(y)} of {span} years, to {y.index.max()}" if len(y) < span else ""
    measured = f"mean {_fmt(y.mean())}, range {_fmt(y.min())}-{_fmt(y.max())} (n={len(y)}{cover})"
    word = "at or above" if expected == "above" else "at or below"
    if ok.all():
        return Outcome("supported", measured, f"every year {word} {threshold:g}", rows)
    if not ok.any():
        return Outcome("contradicted", measured, f"no year {word} {threshold:g}", rows)
    bad = ", ".join(str(i) for i in y.index[~ok.to_numpy()])
    return Outcome(
        "inconclusive", measured, f"holds in {int(ok.sum())} of {len(y)} years (not in {bad})", rows
    )


def _band(y: pd.Series, low: float, high: float, widen: float) -> Outcome:
    """Every year inside the author's own band [low, high] (strict: one year out contradicts)."""
    rows = _rows(("value", y))
    y = y.dropna()
    if y.empty:
        return Outcome("silent", "no data", "no data in the period", rows)
    lo, hi = low - widen, high + widen
    inside = (y >= lo) & (y <= hi)
    measured = (
        f"{int(inside.sum())} of {len(y)} years in [{_fmt(lo)}, {_fmt(hi)}] "
        f"(range {_fmt(y.min())}-{_fmt(y.max())})"
    )
    if inside.all():
        return Outcome("supported", measured, "every year inside the band", rows)
    out = ", ".join(f"{i} ({_fmt(v)})" for i, v in y[~inside].items())
    return Outcome("contradicted", measured, f"outside the band in {out}", rows)


def _total(y: pd.Series, expected: str, threshold: float) -> Outcome:
    rows = _rows(("value", y))
    if y.dropna().empty:
        return Outcome("silent", "no data", "no data in the period", rows)
    tot = float(y.sum())
    measured = f"total {_fmt(tot)} over {y.notna().sum()} years"
    ok = tot >= threshold if expected == "above" else tot <= threshold
    word = "at least" if expected == "above" else "at most"
    if ok:
        return Outcome("supported", measured, f"total {word} {threshold:g}", rows)
    return Outcome("contradicted", measured, f"total not {word} {threshold:g}", rows)


def _exceeds_banded(
    y: tuple[pd.Series, pd.Series, pd.Series],
    z: tuple[pd.Series, pd.Series, pd.Series],
    share: float,
    names: tuple[str, str],
) -> Outcome:
    """First above second, counting a year only when the two 90% bands do not overlap."""
    rows = _rows(
        *[(f"{names[0]}{s}", v) for s, v in zip(("", ".low", ".high"), y, strict=True)],
        *[(f"{names[1]}{s}", v) for s, v in zip(("", ".low", ".high"), z, strict=True)],
    )
    both = pd.concat([*y, *z], axis=1).dropna()
    if both.empty:
        return Outcome("silent", "no data", "no year with both series", rows)
    ys, ylo, yhi, zs, zlo, zhi = (both.iloc[:, i] for i in range(6))
    above, below = (ylo > zhi).mean(), (zlo > yhi).mean()
    n = len(both)
    measured = (
        f"bands apart: first above in {above:.0%}, second above in {below:.0%} of {n} years "
        f"(means {_fmt(ys.mean())} vs {_fmt(zs.mean())}; mean gap {_fmt((ys - zs).mean())})"
    )
    if above >= share:
        return Outcome(
            "supported", measured, f"first above, bands apart, in {share:.0%}+ of years", rows
        )
    if below >= share:
        return Outcome(
            "contradicted", measured, f"second above, bands apart, in {share:.0%}+ of years", rows
        )
    if above + below <= 1 - share:
        return Outcome("silent", measured, "indistinguishable within the 90% bands", rows)
    return Outcome("inconclusive", measured, "mixed", rows)


def _exceeds(y: pd.Series, z: pd.Series, share: float, names: tuple[str, str]) -> Outcome:
    rows = _rows((names[0], y), (names[1], z))
    both = pd.concat([y, z], axis=1).dropna()
    if both.empty:
        return Outcome("silent", "no data", "no year with both series", rows)
    above = (both.iloc[:, 0] >= both.iloc[:, 1]).mean()
    measured = (
        f"first >= second in {above:.0%} of {len(both)} years "
        f"(means {_fmt(both.iloc[:, 0].mean())} vs {_fmt(both.iloc[:, 1].mean())})"
    )
    if above >= share:
        return Outcome("supported", measured, f"holds in at least {share:.0%} of years", rows)
    if above <= 1 - share:
        return Outcome(
            "contradicted", measured, f"the reverse holds in at least {share:.0%} of years", rows
        )
    return Outcome("inconclusive", measured, "mixed", rows)


def _ratio(y: pd.Series, period: tuple[int, int], expected: str, threshold: float) -> Outcome:
    a, b = y.get(period[0], np.nan), y.get(period[1], np.nan)
    rows = _rows(("value", y.loc[[p for p in period if p in y.index]]))
    if np.isnan(a) or np.isnan(b) or a == 0:
        return Outcome("silent", f"{_fmt(a)} -> {_fmt(b)}", "an end year is missing", rows)
    r = b / a
    measured = f"{period[1]}/{period[0]} = {r:.3g} ({_fmt(a)} -> {_fmt(b)})"
    ok = r >= threshold if expected == "above" else r <= threshold
    word = "at or above" if expected == "above" else "at or below"
    if ok:
        return Outcome("supported", measured, f"ratio {word} {threshold:g}", rows)
    if (r < 1) if expected == "above" else (r > 1):
        return Outcome("contradicted", measured, "moved the other way", rows)
    return Outcome("inconclusive", measured, f"ratio short of {threshold:g}", rows)


def _stance(ev: Evaluator, period: tuple[int, int], expected: str, source: str) -> Outcome:
    name = "walt_predicted" if source == "walt" else "revealed"
    s = ev.named(name).loc[period[0] : period[1]].dropna()
    label = "Walt rule" if source == "walt" else f"votes (kappa gap, balance >= {ev.balance_gap:g})"
    counts = ", ".join(f"{k} {int(v)}" for k, v in s.value_counts().items()) or "none"
    rows = _rows((name, (s == expected).astype(float)))
    measured = f"{label}: {counts} (years)"
    if s.empty:
        return Outcome("silent", measured, "no stance measurable in the period", rows)
    share = float((s == expected).mean())
    if share >= 0.5:
        return Outcome("supported", measured, f"mostly '{expected}' ({share:.0%} of years)", rows)
    return Outcome(
        "contradicted", measured, f"mostly not '{expected}' ({share:.0%} of years)", rows
    )


def describe_test(test: Test) -> str:
    """What a test compares, in one line (``measure: trend increase``, ``x above 0.5``)."""
    m = test.measure.describe() if test.measure else ""
    k, e, th = test.kind, test.expected, test.threshold
    if k == "trend":
        return f"{m}: trend {e}"
    if k == "change":
        return f"{m}: {e} by >= {test.min_change:g}"
    if k == "level":
        return f"{m} {e} {th:g}"
    if k == "band":
        return f"{m} within [{test.low:g}, {test.high:g}] every year"
    if k == "total":
        return f"{m}: total {e} {th:g}"
    if k == "exceeds":
        return f"{m} >= {test.compare.describe() if test.compare else ''}"
    if k == "ratio":
        return f"{m}: last/first {e} {th:g}"
    return f"stance '{e}' ({test.stance_source})"


def evaluate_test(
    ev: Evaluator,
    claim: Claim,
    test: Test,
    period: tuple[int, int],
    tolerance: float | None = None,
) -> Outcome:
    """Verdict of one test of a claim over a period (``tolerance`` overrides the declared one)."""
    tol = test.tolerance if tolerance is None else tolerance
    yrs = test.years or period
    y = ev.measure(test.measure).loc[yrs[0] : yrs[1]] if test.measure else pd.Series(dtype=float)
    if test.kind == "trend":
        return _trend(y, test.expected, tol)
    if test.kind == "change":
        base = claim.baseline or (period[0] - (period[1] - period[0] + 1), period[0] - 1)
        return _change(ev.measure(test.measure), yrs, base, test.expected, tol)  # type: ignore[arg-type]
    if test.kind == "level":
        return _level(y, test.expected, tol)
    if test.kind == "band":
        return _band(y, float(test.low), float(test.high), tol)  # type: ignore[arg-type]
    if test.kind == "total":
        return _total(y, test.expected, tol)
    if test.kind == "exceeds":
        z = ev.measure(test.compare).loc[yrs[0] : yrs[1]]  # type: ignore[arg-type]
        names = (test.measure.describe(), test.compare.describe())  # type: ignore[union-attr]
        by, bz = ev.band(test.measure), ev.band(test.compare)  # type: ignore[arg-type]
        if by is not None and bz is not None:
            cut = slice(yrs[0], yrs[1])
            return _exceeds_banded(
                (y, by[0].loc[cut], by[1].loc[cut]), (z, bz[0].loc[cut], bz[1].loc[cut]), tol, names
            )
        return _exceeds(y, z, tol, names)
    if test.kind == "ratio":
        return _ratio(ev.measure(test.measure), yrs, test.expected, tol)  # type: ignore[arg-type]
    return _stance(ev, yrs, test.expected, test.stance_source or "votes")


def _conjunction(verdicts: list[str]) -> str:
    speaking = [v for v in verdicts if v != "silent"]
    if not speaking:
        return "silent"
    if all(v == "supported" for v in speaking):
        return "supported"
    if any(v == "contradicted" for v in speaking):
        return "contradicted"
    return "inconclusive"


def combine(claim: Claim, outcomes: list[Outcome]) -> tuple[str, dict[str, str], str]:
    """A claim's verdict from its tests' outcomes.

    A test is *silent* when its evidence cannot speak (no data in the period,
    or values indistinguishable within the outcome's uncertainty band); silent
    tests and kinds are shown but do not vote. Returns the verdict, the verdict
    per evidence kind and a note saying how they were combined (the
    disagreement, when the kinds disagree).
    """
    kinds: dict[str, list[str]] = {}
    for t, o in zip(claim.tests, outcomes, strict=True):
        kinds.setdefault(t.evidence, []).append(o.verdict)
    per_kind = {k: _conjunction(v) for k, v in kinds.items()}
    speaking = {k: v for k, v in per_kind.items() if v != "silent"}
    silent = [k for k, v in per_kind.items() if v == "silent"]
    quiet = f"; silent: {', '.join(silent)}" if silent else ""
    if not speaking:
        verdict, note = "inconclusive", "no kind of evidence speaks to the claim in the period"
    elif claim.closeness:
        values = set(speaking.values())
        if values == {"supported"} or values == {"contradicted"}:
            verdict = values.pop()
            note = f"all {len(speaking)} kinds that speak agree{quiet}" if len(per_kind) > 1 else ""
        else:
            verdict = "inconclusive"
            note = "kinds disagree: " + "; ".join(f"{k} {v}" for k, v in per_kind.items())
            if len(per_kind) == 1:
                note = ""
    else:
        verdict = _conjunction(list(speaking.values()))
        note = quiet.lstrip("; ")
    if claim.modal == "possibility" and verdict == "contradicted":
        verdict = "inconclusive"
        note = (note + "; " if note else "") + (
            "not realised in the data, but the author states a possibility, which its absence "
            "does not refute"
        )
    return verdict, per_kind, note


def _eu15_breakdown(ev: Evaluator, period: tuple[int, int]) -> str:
    from balances.ko_figures import eu15_milex_shares

    shares = eu15_milex_shares(ev.source("milex"), *period)
    above = shares[shares["above"]]
    names = ", ".join(f"{r.iso3} {100 * r.mean:.1f}%" for r in above.itertuples()) or "none"
    return f"EU-15 members at or above 2% of GDP on average: {names}"


#: Per-member breakdowns a claim can ask for (appended to what it measured).
BREAKDOWNS = {"eu15_milex_shares": _eu15_breakdown}
