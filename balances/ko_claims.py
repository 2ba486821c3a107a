"""Ko's and Korolev's claims files: the models, the strict loader and the checks.

``data/ko_claims.yml`` (Ko, mid-2000s) and ``data/korolev_claims.yml`` (Korolev
2021) hold each author's periodisation (the stance he gives each period) and
his testable claims, paraphrased, each with the section where it is made and
one or more tests. :func:`load_claims` reads a file through
:mod:`balances.declare` (strict YAML, unknown fields refused) and checks what a
model cannot: unique ids, known Ko figures, no raw UN vote agreement behind a
closeness claim. :func:`validate_claims` also resolves every indicator and
expression against the registry. The verdicts are :mod:`balances.ko`'s.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from balances.config import PROJECT_DIR
from balances.declare import read_document, validate
from balances.errors import RegistryError
from balances.indicators.panel import Tables
from balances.indicators.registry import check_expression
from balances.ko_figures import load_ko_figures
from balances.ko_series import SERIES, SERIES_TABLES
from balances.triad import Triad
from balances.walt import REVEALED_INPUTS, RULE_INPUTS, STANCES

CLAIMS_FILE = PROJECT_DIR / "data" / "ko_claims.yml"
KOROLEV_FILE = PROJECT_DIR / "data" / "korolev_claims.yml"
CLAIM_FILES: dict[str, Path] = {"ko": CLAIMS_FILE, "korolev": KOROLEV_FILE}
VERDICTS = ("supported", "contradicted", "inconclusive")
#: Significance level of trend tests.
ALPHA = 0.10
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
#: Series a test can name (:data:`balances.ko_series.SERIES`).
Series = Literal[tuple(SERIES)]  # type: ignore[valid-type]
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
    series: Series | None = None  # type: ignore[valid-type]
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
            return f"{self.similarity.measure}[{'-'.join(dyad_names(self.similarity.dyad))}]"
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

    __test__ = False  # a claim's test, not a pytest test class (its name starts with Test)
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


def dyad_names(dyad: tuple[str, str]) -> list[str]:
    """ISO3 codes of a dyad of roles or codes, for the default triad."""
    triad = Triad()
    return [triad.resolve(w) for w in dyad]


def _describe_expr(node: Mapping[str, Any]) -> str:
    op = node.get("op", "?")
    if "column" in node:
        who = node.get("state") or "-".join(node.get("dyad", [])) or ""
        who = "-".join(dyad_names(tuple(who.split("-")))) if who else ""
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
