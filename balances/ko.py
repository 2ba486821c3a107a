"""Ko Sangtu's and Alexander Korolev's claims, machine-readable and judged on the data.

``data/ko_claims.yml`` (Ko, mid-2000s) and ``data/korolev_claims.yml`` (Korolev
2021) hold each author's periodisation (the stance he gives each period) and
his testable claims, paraphrased, each with the section where it is made and
one or more tests. :func:`judge` turns every claim into a verdict (supported,
contradicted, inconclusive) with the measured values, the evidence kinds
weighed, the evidence rows behind it, its fragility over a declared grid of
thresholds and a one-line reason.

Evidence rules
--------------
* Every test names the kind of evidence it weighs (:data:`EVIDENCE_KINDS`).
  Within one kind, tests are conjuncts (all supported -> supported, any
  contradicted -> contradicted). A claim about closeness (``closeness: true``)
  is supported or contradicted only when all its kinds agree; otherwise it is
  inconclusive and the reason shows the disagreement. Other claims are
  conjunctions of their tests.
* No closeness claim reads raw UN vote agreement: the United States agrees
  little with anyone, so raw agreement makes every state look closer to China.
  Votes enter as Cohen's kappa or Scott's pi (chance-corrected) or as agreement
  minus the partner's mean agreement with all members (reference-adjusted).
* One trend test everywhere (:func:`balances.change.trend_by_period`, OLS with
  Newey-West errors). Below :data:`MIN_HAC_N` points the verdict rests on an
  exact permutation test of the slope instead, with a caution.
* :func:`sensitivity` varies the Walt rule's thresholds, the revealed-stance
  threshold and each test's tolerance one at a time over :data:`RULE_GRID`,
  :data:`REVEALED_GRID` and the per-kind grids (:data:`TOLERANCE_GRID`, or a
  test's own ``grid``); a verdict that flips anywhere on the grid is fragile.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from statsmodels.stats.inter_rater import cohens_kappa

from balances import change
from balances.config import PANEL_END, PROJECT_DIR, STUDY_START
from balances.declare import read_document, validate
from balances.errors import RegistryError
from balances.indicators.ops import Context
from balances.indicators.panel import Tables, compute_panel
from balances.indicators.registry import check_expression, evaluate
from balances.ko_figures import AGGREGATE_CODES, load_ko_figures
from balances.ladder import SOURCES as LADDER_SOURCES
from balances.ladder import ladder
from balances.triad import Triad
from balances.walt import (
    CONDITION_TABLES,
    KAPPA_GAP,
    PARTNERSHIP_TABLES,
    REVEALED_INPUTS,
    RULE_INPUTS,
    STANCES,
    WaltRule,
    conditions,
    partnership_rank,
)

CLAIMS_FILE = PROJECT_DIR / "data" / "ko_claims.yml"
KOROLEV_FILE = PROJECT_DIR / "data" / "korolev_claims.yml"
CLAIM_FILES: dict[str, Path] = {"ko": CLAIMS_FILE, "korolev": KOROLEV_FILE}
VERDICTS = ("supported", "contradicted", "inconclusive")
#: Significance level of trend tests.
ALPHA = 0.10
#: Below this many points a trend's p-value comes from an exact permutation test.
MIN_HAC_N = 8
EVIDENCE_KINDS = (
    "votes",
    "military",
    "treaties",
    "disputes",
    "statements",
    "outcome",
    "walt_rule",
    "capability",
    "economy",
    "power",
    "threat",
    "interests",
)
#: Revealed-stance thresholds on the kappa gap (balance at or above, bandwagon at or below).
REVEALED_BALANCE_GAP = 0.25
REVEALED_BANDWAGON_GAP = 0.0
#: One-at-a-time grid over the Walt rule's thresholds (the default is always included).
RULE_GRID: dict[str, tuple[float, ...]] = {
    "capability_growth_min": (0.05,),
    "capability_gdp_min": (0.10, 0.20),
    "ally_cinc_min": (0.4, 0.6),
    "ally_partnership_min": (2, 4),
    "war_hostility_min": (4,),
}
#: Grid over the revealed stance's balance threshold on the kappa gap.
REVEALED_GRID: tuple[float, ...] = (0.20, 0.30)
#: Default tolerance grid per test kind: factors on the declared tolerance.
TOLERANCE_GRID: dict[str, tuple[float, ...]] = {
    "change": (0.5, 2.0),
    "level": (0.9, 1.1),
    "ratio": (0.9, 1.1),
    "exceeds": (0.8, 1.2),
    "trend": (0.5,),
    "total": (0.5, 2.0),
}

Kind = Literal["trend", "change", "level", "exceeds", "ratio", "stance", "band", "total"]
Series = Literal[
    "walt_peace",
    "walt_capability",
    "walt_allies",
    "ladder_level",
    "kappa_gap",
    "partnership_rank",
    "usa_share_world_milex_current",
    "cr_exercises",
    "joint_vetoes",
    "multipolar_documents",
    "mid_hostility",
    "lens_power",
    "lens_threat",
    "lens_interests",
    "outcome_focal_pair",
    "outcome_focal1_reference",
    "outcome_against_reference",
]
#: Processed tables behind each named series (for the circularity and raw-agreement checks).
SERIES_TABLES: dict[str, frozenset[str]] = {
    "walt_peace": CONDITION_TABLES["peace"],
    "walt_capability": CONDITION_TABLES["capability"],
    "walt_allies": CONDITION_TABLES["allies"],
    "ladder_level": LADDER_SOURCES,
    "kappa_gap": REVEALED_INPUTS,
    "partnership_rank": PARTNERSHIP_TABLES,
    "usa_share_world_milex_current": frozenset({"milex"}),
    "cr_exercises": frozenset({"cr_exercises"}),
    "joint_vetoes": frozenset({"unsc_vetoes_year"}),
    "multipolar_documents": frozenset({"cr_summits"}),
    "mid_hostility": frozenset({"mid_dyad"}),
    "lens_power": frozenset({"indicators:power"}),
    "lens_threat": frozenset({"indicators:threat"}),
    "lens_interests": frozenset({"indicators:interests"}),
    "outcome_focal_pair": frozenset({"alignment"}),
    "outcome_focal1_reference": frozenset({"alignment"}),
    "outcome_against_reference": frozenset({"alignment"}),
}
#: Claim conditions that are Walt's (an indicator's ``ko_condition`` names one of them).
WALT_CONDITIONS = ("capability", "allies", "security_climate")
#: Indicators and series that are raw UN vote agreement (never evidence of closeness).
RAW_AGREEMENT_INDICATORS = frozenset({"unga_agreement_gap"})


class Similarity(BaseModel):
    """A chance-corrected or reference-adjusted UN vote similarity of a dyad.

    ``adjusted_agreement`` of (a, b) is a's agreement with b minus b's mean
    agreement with all members that year.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    measure: Literal["kappa", "pi", "adjusted_agreement"]
    dyad: tuple[str, str]


class Measure(BaseModel):
    """What a test measures: an indicator, an expression, a similarity or a named series."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str | None = None
    expr: dict[str, Any] | None = None
    series: Series | None = None
    similarity: Similarity | None = None

    @model_validator(mode="after")
    def _one(self) -> Measure:
        given = (self.indicator, self.expr, self.series, self.similarity)
        if sum(x is not None for x in given) != 1:
            raise ValueError("give exactly one of indicator, expr, series, similarity")
        return self

    def describe(self) -> str:
        if self.indicator:
            return self.indicator
        if self.series:
            return self.series
        if self.similarity:
            return f"{self.similarity.measure}[{'-'.join(_names(self.similarity.dyad))}]"
        return _describe_expr(self.expr or {})

    def tables(self) -> frozenset[str]:
        """Processed tables the measure reads (indicators: ``indicator:<id>``)."""
        if self.indicator:
            return frozenset({f"indicator:{self.indicator}"})
        if self.series:
            return SERIES_TABLES[self.series]
        if self.similarity:
            return frozenset({"unga_similarity"})
        return frozenset(_tables_of(self.expr))

    def raw_agreement(self) -> bool:
        """Whether the measure is raw UN vote agreement."""
        if self.indicator:
            return self.indicator in RAW_AGREEMENT_INDICATORS
        if self.expr:
            return _reads_column(self.expr, "unga_similarity", "agreement")
        return False


class Test(BaseModel):
    """One test of a claim, on one kind of evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind
    evidence: Literal[EVIDENCE_KINDS]  # type: ignore[valid-type]
    expected: str
    measure: Measure | None = None
    compare: Measure | None = None
    threshold: float | None = None
    low: float | None = None
    high: float | None = None
    min_change: float = 0.0
    share: float = 0.75
    years: tuple[int, int] | None = None
    stance_source: Literal["walt", "votes"] | None = None
    grid: tuple[float, ...] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _fields(self) -> Test:
        if self.kind != "stance" and self.measure is None:
            raise ValueError(f"a {self.kind} test needs a measure")
        if self.kind in ("level", "ratio", "total") and self.threshold is None:
            raise ValueError(f"a {self.kind} test needs a threshold")
        if self.kind == "band" and (self.low is None or self.high is None):
            raise ValueError("a band test needs low and high")
        if self.kind == "exceeds" and self.compare is None:
            raise ValueError("an exceeds test needs a compare measure")
        if self.kind in ("trend", "change") and self.expected not in ("increase", "decrease"):
            raise ValueError("expected must be 'increase' or 'decrease'")
        if self.kind in ("level", "ratio", "total") and self.expected not in ("above", "below"):
            raise ValueError("expected must be 'above' or 'below'")
        if self.kind == "stance":
            if self.expected not in STANCES:
                raise ValueError(f"expected must be one of {STANCES}")
            if self.stance_source is None:
                raise ValueError("a stance test needs stance_source (walt or votes)")
            want = "walt_rule" if self.stance_source == "walt" else "votes"
            if self.evidence != want:
                raise ValueError(f"a stance test on {self.stance_source} is evidence {want!r}")
        return self

    @property
    def tolerance(self) -> float:
        """The parameter the sensitivity grid varies."""
        return {
            "change": self.min_change,
            "level": self.threshold,
            "ratio": self.threshold,
            "total": self.threshold,
            "exceeds": self.share,
            "trend": ALPHA,
            "band": 0.0,
            "stance": 0.0,
        }[self.kind]

    def tolerance_grid(self) -> tuple[float, ...]:
        """Alternative tolerances (the declared ``grid``, or the kind's default factors)."""
        if self.grid is not None:
            return self.grid
        base = self.tolerance
        return tuple(
            min(f * base, 0.95) if self.kind == "exceeds" else f * base
            for f in TOLERANCE_GRID.get(self.kind, ())
        )

    def tables(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for m in (self.measure, self.compare):
            if m is not None:
                out |= m.tables()
        if self.kind == "stance":
            out |= RULE_INPUTS if self.stance_source == "walt" else REVEALED_INPUTS
        return out


class Claim(BaseModel):
    """One testable claim (paraphrased)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    period: tuple[int, int]
    condition: Literal[
        "stance",
        "capability",
        "allies",
        "security_climate",
        "us_europe",
        "conclusion",
        "trajectory",
        "drivers",
        "forecast",
    ]
    statement: str
    location: str
    tests: list[Test] = Field(min_length=1)
    closeness: bool = False
    modal: Literal["assertion", "possibility"] = "assertion"
    consistent_with: list[str] = Field(default_factory=list)
    baseline: tuple[int, int] | None = None
    ko_figures: list[str] = Field(default_factory=list)
    rerun: tuple[int, int] | None = None
    out_of_sample: bool = False
    breakdown: Literal["eu15_milex_shares"] | None = None
    note: str | None = None


class Period(BaseModel):
    """A period of Russian policy, with the stance the author gives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    label: str
    start: int
    end: int
    stance: Literal["bandwagon", "hedge", "balance"]
    location: str
    note: str | None = None


class ClaimsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    author: Literal["ko", "korolev"]
    citation: str
    periods: list[Period]
    claims: list[Claim]


#: Backwards-compatible name.
KoFile = ClaimsFile


@functools.cache
def load_claims(path: Path = CLAIMS_FILE) -> ClaimsFile:
    """Load and validate a claims file (strict YAML; errors name the file, line and claim)."""
    source = read_document(path, "claims file")
    doc = validate(ClaimsFile, source.data, source)
    _check_claims(doc, Path(path))
    return doc


def _check_claims(doc: ClaimsFile, path: Path) -> None:
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
        missing = [o for o in c.consistent_with if o not in ids]
        if missing:
            raise RegistryError(f"{path}, claim {c.id!r}: consistent_with names unknown {missing}")
        if c.closeness:
            raw = [t.measure.describe() for t in c.tests if t.measure and t.measure.raw_agreement()]
            raw += [
                t.compare.describe() for t in c.tests if t.compare and t.compare.raw_agreement()
            ]
            if raw:
                raise RegistryError(
                    f"{path}, claim {c.id!r}: raw UN vote agreement {raw} cannot judge closeness; "
                    "use similarity: {measure: kappa} or adjusted_agreement"
                )


def _names(dyad: tuple[str, str]) -> list[str]:
    triad = Triad()
    return [triad.resolve(w) for w in dyad]


def _describe_expr(node: Mapping[str, Any]) -> str:
    op = node.get("op", "?")
    if "column" in node:
        who = node.get("state") or "-".join(node.get("dyad", [])) or ""
        who = "-".join(_names(tuple(who.split("-")))) if who else ""
        return f"{node.get('table')}.{node['column']}" + (f"[{who}]" if who else "")
    parts = [_describe_expr(node[k]) for k in ("num", "den", "a", "b", "x") if k in node]
    parts += [_describe_expr(a) for a in node.get("args", [])]
    return f"{op}({', '.join(parts)})"


def _tables_of(node: Any) -> list[str]:
    if isinstance(node, Mapping):
        out = [node["table"]] if "table" in node else []
        for v in node.values():
            out += _tables_of(v)
        return out
    if isinstance(node, list):
        return [t for v in node for t in _tables_of(v)]
    return []


def _reads_column(node: Any, table: str, column: str) -> bool:
    if isinstance(node, Mapping):
        if node.get("table") == table and node.get("column") == column:
            return True
        return any(_reads_column(v, table, column) for v in node.values())
    if isinstance(node, list):
        return any(_reads_column(v, table, column) for v in node)
    return False


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
            gap = self.named("kappa_gap")
            stance = np.where(
                gap >= self.balance_gap,
                "balance",
                np.where(gap <= REVEALED_BANDWAGON_GAP, "bandwagon", "hedge"),
            )
            self._cache[name] = pd.Series(stance, index=gap.index, dtype=object).where(
                gap.notna(), None
            )
        else:
            self._cache[name] = _SERIES[name](self).reindex(self.years).astype(float)
        return self._cache[name]

    def band(self, m: Measure) -> tuple[pd.Series, pd.Series] | None:
        """The 90% band (low, high) of a measure that has one, else None."""
        if m.series and m.series in _OUTCOME_NAMES.values():
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
    a, b = _names(sim.dyad)
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


def _lens(name: str):
    def fn(ev: Evaluator) -> pd.Series:
        from balances.analysis import score

        key = "_lens_table"
        if key not in ev._cache:
            res = score(
                f"{ev.triad.focal1},{ev.triad.focal2}",
                ev.triad.reference,
                STUDY_START,
                PANEL_END,
                draws=0,
            )
            ev._cache[key] = res.table()  # type: ignore[assignment]
        tab = ev._cache[key]
        return tab[tab["lens"] == name].set_index("year")["score"]

    return fn


_OUTCOME_NAMES = {
    "pair": "outcome_focal_pair",
    "reference": "outcome_focal1_reference",
    "against": "outcome_against_reference",
}


def _outcome(which: str):
    """The alignment outcome (0-100 percentile of latent alignment, balances.alignment)."""

    def fn(ev: Evaluator) -> pd.Series:
        from balances import alignment

        t = ev.triad
        if which == "against":
            res = alignment.against(focal=(t.focal1, t.focal2), reference=t.reference)
        else:
            pair = (t.focal1, t.focal2) if which == "pair" else (t.focal1, t.reference)
            res = alignment.dyad_scores(pairs=[pair])
        by_year = res.groupby("year")[["score", "low", "high"]].first().reindex(ev.years)
        ev.bands[_OUTCOME_NAMES[which]] = (by_year["low"], by_year["high"])
        return by_year["score"]

    return fn


def _usa_share_current(ev: Evaluator) -> pd.Series:
    milex = ev.source("milex")
    rows = milex[~milex["iso3"].isin(AGGREGATE_CODES)]
    world = rows.groupby("year")["milex_current_usd_m"].sum(min_count=1)
    ref = rows[rows["iso3"] == ev.triad.reference].set_index("year")["milex_current_usd_m"]
    return ref / world


def _event_count(table: str, lo: int, hi: int | None = None, contains: str | None = None):
    def fn(ev: Evaluator) -> pd.Series:
        t = ev.source(table)
        if contains:
            t = t[t["title"].astype(str).str.contains(contains, case=False)]
        counts = t.groupby("year").size().astype(float)
        span = range(lo, (hi or PANEL_END) + 1)
        return counts.reindex(span, fill_value=0.0)

    return fn


def _mid_hostility(ev: Evaluator) -> pd.Series:
    m = _dyad_rows(ev.source("mid_dyad"), ev.triad.focal1, ev.triad.reference).set_index("year")
    return m["cow_hostlev"].astype(float).where(m["cow_mid"] > 0, 0.0)


#: Named series: name -> function of the evaluator, returning values by year.
_SERIES = {
    "ladder_level": lambda ev: (
        ladder(ev.triad, source=ev.source)["levels"].set_index("year")["level"].astype(float)
    ),
    "kappa_gap": lambda ev: evaluate(KAPPA_GAP, Context(ev.triad, ev.source, ev.years)),
    "partnership_rank": lambda ev: partnership_rank(ev.triad, ev.source, ev.years),
    "usa_share_world_milex_current": _usa_share_current,
    "cr_exercises": _event_count("cr_exercises", 2003),
    "joint_vetoes": lambda ev: ev.source("unsc_vetoes_year").set_index("year")["rus_chn"],
    "multipolar_documents": _event_count("cr_summits", 1991, contains="multipolar"),
    "mid_hostility": _mid_hostility,
    "lens_power": _lens("power"),
    "lens_threat": _lens("threat"),
    "lens_interests": _lens("interests"),
    "outcome_focal_pair": _outcome("pair"),
    "outcome_focal1_reference": _outcome("reference"),
    "outcome_against_reference": _outcome("against"),
}


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


def _comparison(test: Test) -> str:
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


@dataclass
class Judgement:
    """Verdicts on an author's claims: one row per claim (and re-run), and the evidence rows."""

    claims: pd.DataFrame
    evidence: pd.DataFrame
    tests: pd.DataFrame


def _runs(claim: Claim, beyond: bool) -> list[tuple[str, tuple[int, int]]]:
    runs = [("ko" if not claim.out_of_sample else "out_of_sample", claim.period)]
    if beyond and claim.rerun:
        runs.append(("beyond", claim.rerun))
    return runs


def _claim_id(claim: Claim, scope: str, period: tuple[int, int]) -> str:
    return claim.id if scope != "beyond" else f"{claim.id}@{period[0]}-{period[1]}"


def judge(
    author: str = "ko",
    source: Tables | None = None,
    rule: WaltRule | None = None,
    *,
    beyond: bool = True,
    path: Path | None = None,
    grid: bool = True,
    evaluator: Evaluator | None = None,
) -> Judgement:
    """Judge every claim of an author (and its re-run on a later period).

    Parameters
    ----------
    author
        ``ko`` or ``korolev`` (the file in :data:`CLAIM_FILES`, unless ``path`` is given).
    grid
        Run :func:`sensitivity` and fill ``fragility`` (else ``not assessed``).

    Returns
    -------
    Judgement
        ``claims``: claim_id, author, period, condition, expected, measured,
        evidence (verdict per kind), verdict, fragility, reason, statement,
        location, note (the claims file's), ko_figures, scope (``ko``,
        ``beyond`` or ``out_of_sample``); ``evidence``: claim_id, test,
        evidence, measure, series, year, value; ``tests``: claim_id, test,
        evidence, comparison, verdict, measured, reason, note (one row per test).
    """
    path = Path(path) if path else CLAIM_FILES[author]
    doc = load_claims(path)
    ev = evaluator or Evaluator(source, rule)
    figures = load_ko_figures().set_index("figure_id")
    rows, evid, per_test = [], [], []
    for claim in doc.claims:
        for scope, period in _runs(claim, beyond):
            cid = _claim_id(claim, scope, period)
            outs = [evaluate_test(ev, claim, t, period) for t in claim.tests]
            verdict, per_kind, note = combine(claim, outs)
            reasons = " | ".join(
                f"{t.evidence}: {o.verdict}: {o.reason}"
                for t, o in zip(claim.tests, outs, strict=True)
            )
            for i, (t, o) in enumerate(zip(claim.tests, outs, strict=True)):
                per_test.append(
                    {
                        "claim_id": cid,
                        "test": i + 1,
                        "evidence": t.evidence,
                        "comparison": _comparison(t),
                        "verdict": o.verdict,
                        "measured": o.measured,
                        "reason": o.reason,
                        "note": t.note or "",
                    }
                )
                r = o.rows.assign(
                    claim_id=cid, test=i + 1, evidence=t.evidence, measure=_comparison(t)
                )
                evid.append(r)
            rows.append(
                {
                    "claim_id": cid,
                    "author": doc.author,
                    "period": f"{period[0]}-{period[1]}",
                    "condition": claim.condition,
                    "expected": " AND ".join(_comparison(t) for t in claim.tests),
                    "measured": " | ".join(
                        [o.measured for o in outs]
                        + ([BREAKDOWNS[claim.breakdown](ev, period)] if claim.breakdown else [])
                    ),
                    "evidence": "; ".join(f"{k} {v}" for k, v in per_kind.items()),
                    "verdict": verdict,
                    "fragility": "not assessed",
                    "reason": (note + " || " if note else "") + reasons,
                    "statement": claim.statement,
                    "location": claim.location,
                    "note": claim.note or "",
                    "ko_figures": "; ".join(
                        f"{f}={figures.loc[f, 'value']:g} {figures.loc[f, 'unit']}"
                        for f in claim.ko_figures
                    ),
                    "scope": scope,
                }
            )
    claims = pd.DataFrame(rows)
    evidence = pd.concat(evid, ignore_index=True)[
        ["claim_id", "test", "evidence", "measure", "series", "year", "value"]
    ]
    if grid:
        sens = sensitivity(author, evaluator=ev, path=path, beyond=beyond, base=claims)
        frag = sens.groupby("claim_id").apply(
            lambda d: ", ".join(
                f"{r.parameter}={r.value:g} -> {r.verdict}" for r in d.itertuples() if r.flips
            ),
            include_groups=False,
        )
        claims["fragility"] = [
            f"fragile: {frag[c]}" if frag.get(c) else "robust" for c in claims["claim_id"]
        ]
    return Judgement(claims, evidence, pd.DataFrame(per_test))


def _depends_on_rule(claim: Claim) -> bool:
    return any(
        (t.kind == "stance" and t.stance_source == "walt")
        or any(
            m is not None and (m.series or "").startswith("walt_") for m in (t.measure, t.compare)
        )
        for t in claim.tests
    )


def _depends_on_revealed(claim: Claim) -> bool:
    return any(t.kind == "stance" and t.stance_source == "votes" for t in claim.tests)


def sensitivity(
    author: str = "ko",
    *,
    evaluator: Evaluator | None = None,
    path: Path | None = None,
    beyond: bool = True,
    base: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Verdicts over the declared grid, one parameter at a time.

    Varies each Walt-rule threshold over :data:`RULE_GRID`, the revealed
    stance's balance threshold over :data:`REVEALED_GRID`, and each test's
    tolerance over its grid (:meth:`Test.tolerance_grid`).

    Returns
    -------
    DataFrame
        claim_id, parameter (``rule.<name>``, ``revealed.balance_gap`` or
        ``test<i>.<evidence>.<kind>``), value, verdict, base_verdict, flips.
    """
    path = Path(path) if path else CLAIM_FILES[author]
    doc = load_claims(path)
    ev = evaluator or Evaluator()
    if base is None:
        base = judge(author, evaluator=ev, path=path, beyond=beyond, grid=False).claims
    base_v = base.set_index("claim_id")["verdict"]
    variants: list[tuple[str, float, Evaluator, Any]] = []
    for name, values in RULE_GRID.items():
        for v in values:
            rule = replace(ev.rule, **{name: type(getattr(ev.rule, name))(v)})
            variants.append((f"rule.{name}", v, ev.variant(rule=rule), _depends_on_rule))
    for v in REVEALED_GRID:
        variants.append(
            ("revealed.balance_gap", v, ev.variant(balance_gap=v), _depends_on_revealed)
        )
    rows = []
    for claim in doc.claims:
        for scope, period in _runs(claim, beyond):
            cid = _claim_id(claim, scope, period)
            outs = [evaluate_test(ev, claim, t, period) for t in claim.tests]
            for param, value, ev_v, depends in variants:
                if not depends(claim):
                    continue
                o = [evaluate_test(ev_v, claim, t, period) for t in claim.tests]
                rows.append((cid, param, value, combine(claim, o)[0]))
            for i, t in enumerate(claim.tests):
                for tol in t.tolerance_grid():
                    o = list(outs)
                    o[i] = evaluate_test(ev, claim, t, period, tolerance=tol)
                    rows.append(
                        (cid, f"test{i + 1}.{t.evidence}.{t.kind}", tol, combine(claim, o)[0])
                    )
    out = pd.DataFrame(rows, columns=["claim_id", "parameter", "value", "verdict"])
    out["base_verdict"] = out["claim_id"].map(base_v)
    out["flips"] = out["verdict"] != out["base_verdict"]
    return out


def evaluate_claims(
    source: Tables | None = None,
    rule: WaltRule | None = None,
    *,
    beyond: bool = True,
    path: Path = CLAIMS_FILE,
    grid: bool = False,
) -> pd.DataFrame:
    """Judge every claim of a file and return the claims table (see :func:`judge`)."""
    doc = load_claims(path)
    return judge(doc.author, source, rule, beyond=beyond, path=path, grid=grid).claims


def author_stances(author: str = "ko") -> pd.DataFrame:
    """The author's stance per year (from his periods), with the period label."""
    doc = load_claims(CLAIM_FILES[author])
    rows = [
        {"year": y, "stance": p.stance, "period": p.label}
        for p in doc.periods
        for y in range(p.start, p.end + 1)
    ]
    return pd.DataFrame(rows).drop_duplicates("year", keep="last").reset_index(drop=True)


def ko_stances(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """Ko's stance per year (from his periods), with the period label."""
    doc = load_claims(path)
    rows = [
        {"year": y, "ko_stance": p.stance, "ko_period": p.label}
        for p in doc.periods
        for y in range(p.start, p.end + 1)
    ]
    return pd.DataFrame(rows).drop_duplicates("year", keep="last").reset_index(drop=True)


def _kappa_row(d: pd.DataFrame, a: str, b: str, label: str) -> dict[str, Any]:
    d = d.dropna(subset=[a, b])
    table = pd.crosstab(d[a], d[b]).reindex(index=STANCES, columns=STANCES, fill_value=0)
    kappa = se = np.nan
    note = ""
    if d[a].nunique() < 2 and d[b].nunique() < 2:
        note = "kappa undefined: both sources give a single stance"
    elif len(d) >= 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            k = cohens_kappa(table.to_numpy())
        kappa, se = float(k.kappa), float(k.std_kappa)
        if d[a].nunique() < 2 or d[b].nunique() < 2:
            note = "one source gives a single stance: kappa is 0 or below by construction"
    return {
        "compared": label,
        "years": len(d),
        "agreement": float((d[a] == d[b]).mean()) if len(d) else np.nan,
        "kappa": kappa,
        "kappa_se": se,
        "note": note,
        "disagreements": ", ".join(
            f"{y} ({x} vs {z})"
            for y, x, z in d.loc[d[a] != d[b], ["year", a, b]].itertuples(index=False)
        ),
    }


def stance_table(source: Tables | None = None, rule: WaltRule | None = None) -> pd.DataFrame:
    """Year by year: Ko's stance, Korolev's, the Walt rule's and the votes' (kappa gap)."""
    ev = Evaluator(source, rule)
    years = pd.DataFrame({"year": list(range(STUDY_START, PANEL_END + 1))})
    ko = author_stances("ko").set_index("year")["stance"]
    kor = author_stances("korolev").set_index("year")["stance"]
    years["ko"] = years["year"].map(ko)
    years["korolev"] = years["year"].map(kor)
    years["walt_rule"] = years["year"].map(ev.named("walt_predicted"))
    years["votes"] = years["year"].map(ev.named("revealed"))
    return years.astype(object).where(years.notna(), None)


def stance_agreement(source: Tables | None = None, rule: WaltRule | None = None) -> dict[str, Any]:
    """Agreement of the authors' period stances with the Walt-rule and vote-revealed stances.

    Returns
    -------
    dict
        ``years``: :func:`stance_table`; ``summary``: for each pair of sources
        (an author against a data stance), the years compared, share agreeing,
        Cohen's kappa (with its standard error) and the years of disagreement.
    """
    years = stance_table(source, rule)
    rows = []
    for author in ("ko", "korolev"):
        for data in ("walt_rule", "votes"):
            row = _kappa_row(years, author, data, f"{author} vs {data}")
            row.update(author=author, compared_with=data)
            rows.append(row)
    cols = [
        "compared",
        "author",
        "compared_with",
        "years",
        "agreement",
        "kappa",
        "kappa_se",
        "note",
        "disagreements",
    ]
    return {"years": years, "summary": pd.DataFrame(rows)[cols]}


def validate_claims(path: Path = CLAIMS_FILE, source: Tables | None = None) -> None:
    """Check that every claim's expressions and indicators resolve (used by the tests).

    A claim about one of Walt's conditions measures only indicators declared
    for that condition (``ko_condition``) or for none.
    """
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
                tag = registry[m.indicator].ko_condition if m.indicator else "none"
                if c.condition in WALT_CONDITIONS and tag not in ("none", c.condition):
                    raise RegistryError(
                        f"{path}, claim {c.id!r}, test {i + 1}: a claim about {c.condition} "
                        f"measures {m.indicator!r}, declared for ko_condition: {tag}"
                    )
                if m.expr:
                    try:
                        check_expression(
                            m.expr, _tables_of(m.expr), cols, f"claims.{c.id}.tests[{i}]"
                        )
                    except ValueError as exc:
                        raise RegistryError(f"{path}, claim {c.id!r}: {exc}") from exc


def circularity(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """Tables shared between the Walt rule and what each stance claim checks it against.

    One row per claim with a Walt-rule stance test: the rule's inputs, the
    tables of the claim's other tests, and their overlap (empty when sound).
    """
    doc = load_claims(path)
    rows = []
    for c in doc.claims:
        rule_tests = [t for t in c.tests if t.kind == "stance" and t.stance_source == "walt"]
        if not rule_tests:
            continue
        others = frozenset().union(*(t.tables() for t in c.tests if t not in rule_tests))
        rows.append(
            {
                "claim_id": c.id,
                "rule_inputs": ", ".join(sorted(RULE_INPUTS)),
                "checked_against": ", ".join(sorted(others)),
                "overlap": ", ".join(sorted(RULE_INPUTS & others)),
            }
        )
    return pd.DataFrame(rows, columns=["claim_id", "rule_inputs", "checked_against", "overlap"])


def claims_in_period(claims: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Evaluated claims whose period overlaps ``start``-``end``."""
    span = claims["period"].str.split("-", expand=True).astype(int)
    keep = (span[0] <= end) & (span[1] >= start)
    return claims[keep].reset_index(drop=True)


def periods_frame(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """An author's periods as a table (id, label, start, end, stance, location, note)."""
    return pd.DataFrame([p.model_dump() for p in load_claims(path).periods])


def period_spans(path: Path = CLAIMS_FILE) -> dict[str, tuple[int, int]]:
    """An author's periods as ``{label: (start, end)}``."""
    return {p.label: (p.start, p.end) for p in load_claims(path).periods}


#: Fields printed per claim by :func:`format_claims`, in order.
PRINTED = ("expected", "measured", "evidence", "fragility", "reason")


def format_claims(claims: pd.DataFrame, width: int = 100) -> str:
    """The claims as text blocks that fit ``width`` columns (at most 120).

    One header line per claim (id, period, verdict), then the expected and
    measured values, the verdict per evidence kind, the fragility and the
    reason, each wrapped with a hanging indent.
    """
    import textwrap

    width = max(60, min(int(width), 120))
    out = []
    for r in claims.itertuples(index=False):
        head = f"{r.claim_id}  [{r.period}]  {r.verdict.upper()}"
        out.append(textwrap.shorten(head, width=width, placeholder="..."))
        for field in PRINTED:
            text = str(getattr(r, field)).replace(" || ", " | ")
            label = f"  {field:<10}"
            out.append(
                textwrap.fill(
                    text,
                    width=width,
                    initial_indent=label,
                    subsequent_indent=" " * len(label),
                    break_long_words=True,
                    break_on_hyphens=False,
                )
            )
        out.append("")
    return "\n".join(out)
