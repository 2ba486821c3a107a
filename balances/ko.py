"""Ko Sangtu's 2000s assessment, machine-readable and tested against the data.

``data/ko_claims.yml`` holds Ko's periodisation (with the stance he gives each
period) and his testable claims, paraphrased, each with the section where it
is made and one or more tests. :func:`evaluate_claims` turns every claim into
a verdict (supported, contradicted, inconclusive) with the measured values,
the comparison made and a one-line reason; claims marked ``rerun`` are
evaluated again on a later period ("beyond Ko"). :func:`stance_agreement`
measures how far Ko's period stances agree with the stances the data imply.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from pydantic import BaseModel, ConfigDict, Field, model_validator
from statsmodels.stats.inter_rater import cohens_kappa

from balances.config import PANEL_END, PROJECT_DIR, STUDY_START
from balances.declare import read_document, validate
from balances.errors import RegistryError
from balances.indicators.ops import Context
from balances.indicators.panel import Tables, compute_panel
from balances.indicators.registry import check_expression, evaluate
from balances.ko_figures import load_ko_figures
from balances.ladder import ladder
from balances.triad import Triad
from balances.walt import STANCES, WaltRule, conditions, revealed_stance

CLAIMS_FILE = PROJECT_DIR / "data" / "ko_claims.yml"
VERDICTS = ("supported", "contradicted", "inconclusive")
#: Significance level of trend tests (HAC slope).
ALPHA = 0.10

Kind = Literal["trend", "change", "level", "exceeds", "ratio", "stance"]


class Measure(BaseModel):
    """What a test measures: an indicator, an expression, or a named series."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str | None = None
    expr: dict[str, Any] | None = None
    series: (
        Literal["walt_peace", "walt_capability", "walt_allies", "ladder_level", "vote_gap"] | None
    ) = None

    @model_validator(mode="after")
    def _one(self) -> Measure:
        if sum(x is not None for x in (self.indicator, self.expr, self.series)) != 1:
            raise ValueError("give exactly one of indicator, expr, series")
        return self

    def describe(self) -> str:
        if self.indicator:
            return self.indicator
        if self.series:
            return self.series
        return _describe_expr(self.expr or {})


class Test(BaseModel):
    """One test of a claim."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind
    expected: str
    measure: Measure | None = None
    compare: Measure | None = None
    threshold: float | None = None
    min_change: float = 0.0
    share: float = 0.75
    years: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _fields(self) -> Test:
        if self.kind != "stance" and self.measure is None:
            raise ValueError(f"a {self.kind} test needs a measure")
        if self.kind in ("level", "ratio") and self.threshold is None:
            raise ValueError(f"a {self.kind} test needs a threshold")
        if self.kind == "exceeds" and self.compare is None:
            raise ValueError("an exceeds test needs a compare measure")
        if self.kind in ("trend", "change") and self.expected not in ("increase", "decrease"):
            raise ValueError("expected must be 'increase' or 'decrease'")
        if self.kind in ("level", "ratio") and self.expected not in ("above", "below"):
            raise ValueError("expected must be 'above' or 'below'")
        if self.kind == "stance" and self.expected not in STANCES:
            raise ValueError(f"expected must be one of {STANCES}")
        return self


class Claim(BaseModel):
    """One testable claim of Ko's article (paraphrased)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    period: tuple[int, int]
    condition: Literal[
        "stance", "capability", "allies", "security_climate", "us_europe", "conclusion"
    ]
    statement: str
    location: str
    tests: list[Test] = Field(min_length=1)
    baseline: tuple[int, int] | None = None
    ko_figures: list[str] = Field(default_factory=list)
    rerun: tuple[int, int] | None = None


class Period(BaseModel):
    """One of Ko's periods of Russian policy, with the stance he gives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    label: str
    start: int
    end: int
    stance: Literal["bandwagon", "hedge", "balance"]
    location: str


class KoFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    periods: list[Period]
    claims: list[Claim]


@functools.cache
def load_claims(path: Path = CLAIMS_FILE) -> KoFile:
    """Load and validate Ko's periods and claims (errors name the file and the claim)."""
    source = read_document(path, "Ko's claims file")
    doc = validate(KoFile, source.data, source)
    ids = [c.id for c in doc.claims]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RegistryError(f"{path}: duplicate claim id(s) {sorted(dup)}")
    figures = set(load_ko_figures()["figure_id"])
    for c in doc.claims:
        unknown = [f for f in c.ko_figures if f not in figures]
        if unknown:
            raise RegistryError(
                f"{path}, claim {c.id!r}: unknown Ko figure(s) {unknown} (see data/ko_figures.csv)"
            )
    return doc


def _describe_expr(node: Mapping[str, Any]) -> str:
    op = node.get("op", "?")
    if "column" in node:
        triad = Triad()
        who = node.get("state") or "-".join(node.get("dyad", [])) or ""
        who = "-".join(triad.resolve(w) for w in who.split("-")) if who else ""
        return f"{node.get('table')}.{node['column']}" + (f"[{who}]" if who else "")
    parts = [_describe_expr(node[k]) for k in ("num", "den", "a", "b", "x") if k in node]
    parts += [_describe_expr(a) for a in node.get("args", [])]
    return f"{op}({', '.join(parts)})"


class Evaluator:
    """Evaluates measures for the RUS-CHN vs USA triad (Ko's triad), with caching."""

    def __init__(self, source: Tables | None = None, rule: WaltRule | None = None) -> None:
        self.source = source or Tables()
        self.triad = Triad()
        self.rule = rule or WaltRule()
        self.years = pd.Index(range(STUDY_START, PANEL_END + 1), name="year")
        self._panel: pd.DataFrame | None = None
        self._named: dict[str, pd.Series] = {}

    @property
    def panel(self) -> pd.DataFrame:
        if self._panel is None:
            self._panel = compute_panel(self.triad, source=self.source)
        return self._panel

    def named(self, name: str) -> pd.Series:
        if name not in self._named:
            cond = conditions(self.triad, self.rule, source=self.source).set_index("year")
            self._named.update(
                {
                    "walt_peace": cond["peace"],
                    "walt_capability": cond["capability"],
                    "walt_allies": cond["allies"],
                    "vote_gap": cond["vote_gap"],
                    "walt_predicted": cond["predicted"],
                    "ladder_level": ladder(self.triad, source=self.source)["levels"]
                    .set_index("year")["level"]
                    .astype(float),
                    "revealed": revealed_stance(self.triad, source=self.source).set_index("year")[
                        "revealed"
                    ],
                }
            )
        return self._named[name]

    def measure(self, m: Measure) -> pd.Series:
        if m.indicator:
            p = self.panel[self.panel["indicator"] == m.indicator]
            if p.empty:
                raise RegistryError(f"Ko claims: unknown indicator {m.indicator!r}")
            return p.set_index("year")["value"].reindex(self.years)
        if m.series:
            return self.named(m.series).reindex(self.years)
        return evaluate(m.expr or {}, Context(self.triad, self.source, self.years))


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "NaN"
    return f"{x:.3g}"


def _trend(y: pd.Series, expected: str) -> tuple[str, str, str]:
    y = y.dropna()
    if len(y) < 3:
        return "inconclusive", f"{len(y)} observations", "too few years with data for a trend"
    x = sm.add_constant(y.index.to_numpy(dtype=float))
    lags = max(1, int(np.floor(4 * (len(y) / 100) ** (2 / 9))))
    res = sm.OLS(y.to_numpy(dtype=float), x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    slope, p = float(res.params[1]), float(res.pvalues[1])
    measured = f"slope {_fmt(slope)}/yr (HAC p={p:.3f}, n={len(y)})"
    right = slope > 0 if expected == "increase" else slope < 0
    caution = " (few years: indicative only)" if len(y) < 10 else ""
    if p < ALPHA:
        verdict = "supported" if right else "contradicted"
        return (
            verdict,
            measured,
            f"significant {'rise' if slope > 0 else 'fall'} at {ALPHA:.0%}{caution}",
        )
    return "inconclusive", measured, f"no significant trend at {ALPHA:.0%}{caution}"


def _change(
    y: pd.Series, period: tuple[int, int], base: tuple[int, int], expected: str, min_change: float
) -> tuple[str, str, str]:
    now, before = y.loc[period[0] : period[1]].mean(), y.loc[base[0] : base[1]].mean()
    if np.isnan(now) or np.isnan(before):
        return (
            "inconclusive",
            f"mean {_fmt(now)} vs {_fmt(before)}",
            "no data for one of the two periods",
        )
    d = now - before
    measured = f"mean {period[0]}-{period[1]} {_fmt(now)} vs {base[0]}-{base[1]} {_fmt(before)} (change {d:+.3g})"
    sign = 1 if expected == "increase" else -1
    if sign * d >= min_change:
        return "supported", measured, f"{'rose' if d > 0 else 'fell'} by more than {min_change:g}"
    if -sign * d >= min_change:
        return (
            "contradicted",
            measured,
            f"moved the other way ({'rose' if d > 0 else 'fell'} by more than {min_change:g})",
        )
    return "inconclusive", measured, f"changed by less than {min_change:g}"


def _level(y: pd.Series, expected: str, threshold: float) -> tuple[str, str, str]:
    span = len(y)
    y = y.dropna()
    if y.empty:
        return "inconclusive", "no data", "no data in the period"
    ok = (y >= threshold) if expected == "above" else (y <= threshold)
    cover = f"; data cover {len(y)} of {span} years, to {y.index.max()}" if len(y) < span else ""
    measured = f"mean {_fmt(y.mean())}, range {_fmt(y.min())}-{_fmt(y.max())} (n={len(y)}{cover})"
    if ok.all():
        return (
            "supported",
            measured,
            f"every year {'at or above' if expected == 'above' else 'at or below'} {threshold:g}",
        )
    if not ok.any():
        return (
            "contradicted",
            measured,
            f"no year {'at or above' if expected == 'above' else 'at or below'} {threshold:g}",
        )
    bad = ", ".join(str(i) for i in y.index[~ok.to_numpy()])
    return "inconclusive", measured, f"holds in {int(ok.sum())} of {len(y)} years (not in {bad})"


def _exceeds(y: pd.Series, z: pd.Series, share: float) -> tuple[str, str, str]:
    both = pd.concat([y, z], axis=1).dropna()
    if both.empty:
        return "inconclusive", "no data", "no year with both series"
    above = (both.iloc[:, 0] >= both.iloc[:, 1]).mean()
    measured = f"first >= second in {above:.0%} of {len(both)} years (means {_fmt(both.iloc[:, 0].mean())} vs {_fmt(both.iloc[:, 1].mean())})"
    if above >= share:
        return "supported", measured, f"holds in at least {share:.0%} of years"
    if above <= 1 - share:
        return "contradicted", measured, f"the reverse holds in at least {share:.0%} of years"
    return "inconclusive", measured, "mixed"


def _ratio(
    y: pd.Series, period: tuple[int, int], expected: str, threshold: float
) -> tuple[str, str, str]:
    a, b = y.get(period[0], np.nan), y.get(period[1], np.nan)
    if np.isnan(a) or np.isnan(b) or a == 0:
        return "inconclusive", f"{_fmt(a)} -> {_fmt(b)}", "an end year is missing"
    r = b / a
    measured = f"{period[1]}/{period[0]} = {r:.3g} ({_fmt(a)} -> {_fmt(b)})"
    ok = r >= threshold if expected == "above" else r <= threshold
    if ok:
        return (
            "supported",
            measured,
            f"ratio {'at or above' if expected == 'above' else 'at or below'} {threshold:g}",
        )
    if (r < 1) if expected == "above" else (r > 1):
        return "contradicted", measured, "moved the other way"
    return "inconclusive", measured, f"ratio short of {threshold:g}"


def _stance(ev: Evaluator, period: tuple[int, int], expected: str) -> tuple[str, str, str]:
    pred = ev.named("walt_predicted").loc[period[0] : period[1]].dropna()
    rev = ev.named("revealed").loc[period[0] : period[1]].dropna()
    counts = [
        ", ".join(f"{k} {int(v)}" for k, v in s.value_counts().items()) or "none"
        for s in (pred, rev)
    ]
    measured = f"Walt rule: {counts[0]}; votes: {counts[1]} (years)"
    match = [(s == expected).mean() for s in (pred, rev) if len(s)]
    if not match:
        return "inconclusive", measured, "no stance measurable in the period"
    if all(m >= 0.5 for m in match):
        return "supported", measured, f"both measures mostly '{expected}'"
    if all(m < 0.5 for m in match):
        return "contradicted", measured, f"neither measure mostly '{expected}'"
    return "inconclusive", measured, "the Walt rule and the votes disagree"


def evaluate_test(
    ev: Evaluator, claim: Claim, test: Test, period: tuple[int, int]
) -> dict[str, Any]:
    """Verdict of one test of a claim over a period."""
    yrs = test.years or period
    y = ev.measure(test.measure).loc[yrs[0] : yrs[1]] if test.measure else pd.Series(dtype=float)
    if test.kind == "trend":
        v = _trend(y, test.expected)
    elif test.kind == "change":
        base = claim.baseline or (period[0] - (period[1] - period[0] + 1), period[0] - 1)
        full = ev.measure(test.measure)
        v = _change(full, yrs, base, test.expected, test.min_change)
    elif test.kind == "level":
        v = _level(y, test.expected, float(test.threshold))
    elif test.kind == "exceeds":
        v = _exceeds(y, ev.measure(test.compare).loc[yrs[0] : yrs[1]], test.share)
    elif test.kind == "ratio":
        v = _ratio(ev.measure(test.measure), yrs, test.expected, float(test.threshold))
    else:
        v = _stance(ev, yrs, test.expected)
    comparison = {
        "trend": f"{test.measure.describe() if test.measure else ''}: expected {test.expected}",
        "change": f"{test.measure.describe() if test.measure else ''}: expected {test.expected} by >= {test.min_change:g}",
        "level": f"{test.measure.describe() if test.measure else ''} {test.expected} {test.threshold}",
        "exceeds": f"{test.measure.describe() if test.measure else ''} >= {test.compare.describe() if test.compare else ''}",
        "ratio": f"{test.measure.describe() if test.measure else ''}: last/first {test.expected} {test.threshold}",
        "stance": f"stance expected '{test.expected}'",
    }[test.kind]
    return {"verdict": v[0], "measured": v[1], "reason": v[2], "comparison": comparison}


def _combine(verdicts: list[str]) -> str:
    if all(v == "supported" for v in verdicts):
        return "supported"
    if any(v == "contradicted" for v in verdicts):
        return "contradicted"
    return "inconclusive"


def evaluate_claims(
    source: Tables | None = None,
    rule: WaltRule | None = None,
    *,
    beyond: bool = True,
    path: Path = CLAIMS_FILE,
) -> pd.DataFrame:
    """Evaluate every claim (and its re-run on a later period).

    Returns
    -------
    DataFrame
        claim_id, period, condition, expected, measured, verdict, reason,
        comparison, statement, location, ko_figures (Ko's own numbers),
        scope (``ko`` or ``beyond``). None is skipped: a claim whose data are
        missing is ``inconclusive`` with the reason.
    """
    doc = load_claims(path)
    ev = Evaluator(source, rule)
    figures = load_ko_figures().set_index("figure_id")
    rows = []
    for claim in doc.claims:
        runs = [("ko", claim.period)]
        if beyond and claim.rerun:
            runs.append(("beyond", claim.rerun))
        for scope, period in runs:
            results = [evaluate_test(ev, claim, t, period) for t in claim.tests]
            ko_vals = "; ".join(
                f"{f}={figures.loc[f, 'value']:g} {figures.loc[f, 'unit']}"
                for f in claim.ko_figures
            )
            rows.append(
                {
                    "claim_id": claim.id
                    if scope == "ko"
                    else f"{claim.id}@{period[0]}-{period[1]}",
                    "period": f"{period[0]}-{period[1]}",
                    "condition": claim.condition,
                    "expected": " AND ".join(r["comparison"] for r in results),
                    "measured": " | ".join(r["measured"] for r in results),
                    "verdict": _combine([r["verdict"] for r in results]),
                    "reason": " | ".join(f"{r['verdict']}: {r['reason']}" for r in results),
                    "statement": claim.statement,
                    "location": claim.location,
                    "ko_figures": ko_vals,
                    "scope": scope,
                }
            )
    return pd.DataFrame(rows)


def ko_stances(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """Ko's stance per year (from his periods), with the period label."""
    doc = load_claims(path)
    rows = [
        {"year": y, "ko_stance": p.stance, "ko_period": p.label}
        for p in doc.periods
        for y in range(p.start, p.end + 1)
    ]
    return pd.DataFrame(rows).drop_duplicates("year", keep="last").reset_index(drop=True)


def stance_agreement(source: Tables | None = None, rule: WaltRule | None = None) -> dict[str, Any]:
    """Agreement of Ko's period stances with the Walt-rule and vote-revealed stances.

    Returns
    -------
    dict
        ``years``: year, ko_stance, predicted, revealed; ``summary``: for each
        data stance, the years compared, share agreeing, Cohen's kappa (with
        its standard error, statsmodels) and the years of disagreement.
    """
    ev = Evaluator(source, rule)
    ko = ko_stances()
    ko["predicted"] = ko["year"].map(ev.named("walt_predicted"))
    ko["revealed"] = ko["year"].map(ev.named("revealed"))
    rows = []
    for col in ("predicted", "revealed"):
        d = ko.dropna(subset=[col])
        table = pd.crosstab(d["ko_stance"], d[col]).reindex(
            index=STANCES, columns=STANCES, fill_value=0
        )
        if len(d) >= 2 and table.to_numpy().sum() > 0:
            k = cohens_kappa(table.to_numpy())
            kappa, se = float(k.kappa), float(k.std_kappa)
        else:
            kappa = se = np.nan
        rows.append(
            {
                "compared_with": col,
                "years": len(d),
                "agreement": float((d["ko_stance"] == d[col]).mean()),
                "kappa": kappa,
                "kappa_se": se,
                "disagreements": ", ".join(
                    f"{y} (Ko {a}, data {b})"
                    for y, a, b in d.loc[
                        d["ko_stance"] != d[col], ["year", "ko_stance", col]
                    ].itertuples(index=False)
                ),
            }
        )
    return {"years": ko, "summary": pd.DataFrame(rows)}


CheckFn = Callable[[pd.Series], bool]


def validate_claims(path: Path = CLAIMS_FILE, source: Tables | None = None) -> None:
    """Check that every claim's expressions and indicators resolve (used by the tests)."""
    doc = load_claims(path)
    source = source or Tables()
    cols = source.columns()
    registry = source.registry()
    for c in doc.claims:
        for i, t in enumerate(c.tests):
            for m in (t.measure, t.compare):
                if m is None:
                    continue
                if m.indicator and m.indicator not in registry:
                    raise RegistryError(
                        f"{path}, claim {c.id!r}, test {i + 1}: unknown indicator {m.indicator!r}"
                    )
                if m.expr:
                    tables = _tables_of(m.expr)
                    try:
                        check_expression(m.expr, tables, cols, f"claims.{c.id}.tests[{i}]")
                    except ValueError as exc:
                        raise RegistryError(f"{path}, claim {c.id!r}: {exc}") from exc


def _tables_of(node: Any) -> list[str]:
    if isinstance(node, Mapping):
        out = [node["table"]] if "table" in node else []
        for v in node.values():
            out += _tables_of(v)
        return out
    if isinstance(node, list):
        return [t for v in node for t in _tables_of(v)]
    return []


def claims_in_period(claims: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Evaluated claims whose period overlaps ``start``-``end``."""
    span = claims["period"].str.split("-", expand=True).astype(int)
    keep = (span[0] <= end) & (span[1] >= start)
    return claims[keep].reset_index(drop=True)


def periods_frame(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """Ko's periods as a table (id, label, start, end, stance)."""
    return pd.DataFrame([p.model_dump() for p in load_claims(path).periods])


def period_spans(path: Path = CLAIMS_FILE) -> dict[str, tuple[int, int]]:
    """Ko's periods as ``{label: (start, end)}``."""
    return {p.label: (p.start, p.end) for p in load_claims(path).periods}
