"""Ko Sangtu's and Alexander Korolev's claims, machine-readable and judged on the data.

``data/ko_claims.yml`` (Ko, mid-2000s) and ``data/korolev_claims.yml`` (Korolev
2021) hold each author's periodisation (the stance he gives each period) and
his testable claims, paraphrased, each with the section where it is made and
one or more tests. :func:`judge` turns every claim into a verdict (supported,
contradicted, inconclusive) with the measured values, the evidence kinds
weighed, the evidence rows behind it, its fragility over a declared grid of
thresholds and a one-line reason.

The claims files' models and strict loader are in :mod:`balances.ko_claims`, the
series a claim can name in :mod:`balances.ko_series`, and the evidence and
verdict of one test in :mod:`balances.ko_verdicts`; this module judges whole
claims, and its names stay the API (it re-exports theirs).

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

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from balances.config import PANEL_END, STUDY_START
from balances.indicators.panel import Tables
from balances.ko_claims import (  # noqa: F401 - balances.ko is the claims API
    ALPHA,
    CLAIM_FILES,
    CLAIMS_FILE,
    EVIDENCE_KINDS,
    KOROLEV_FILE,
    RAW_AGREEMENT_INDICATORS,
    TOLERANCE_GRID,
    VERDICTS,
    WALT_CONDITIONS,
    Claim,
    ClaimsFile,
    KoFile,
    Measure,
    Period,
    Similarity,
    Test,
    load_claims,
    validate_claims,
)
from balances.ko_figures import load_ko_figures
from balances.ko_series import SERIES, SERIES_TABLES  # noqa: F401 - part of the claims API
from balances.ko_verdicts import (  # noqa: F401 - balances.ko is the claims API
    BREAKDOWNS,
    MIN_HAC_N,
    Evaluator,
    Outcome,
    combine,
    describe_test,
    evaluate_test,
    exact_permutation_p,
)
from balances.walt import (  # noqa: F401 - the revealed-stance thresholds are part of the API
    REVEALED_BALANCE_GAP,
    REVEALED_BANDWAGON_GAP,
    RULE_INPUTS,
    STANCES,
    WaltRule,
)

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
            row, tests, rows_of_evidence = _judge_run(ev, claim, scope, period, figures)
            rows.append({"claim_id": row.pop("claim_id"), "author": doc.author, **row})
            per_test += tests
            evid += rows_of_evidence
    claims = pd.DataFrame(rows)
    evidence = pd.concat(evid, ignore_index=True)[
        ["claim_id", "test", "evidence", "measure", "series", "year", "value"]
    ]
    if grid:
        claims["fragility"] = _fragility(
            sensitivity(author, evaluator=ev, path=path, beyond=beyond, base=claims),
            claims["claim_id"],
        )
    return Judgement(claims, evidence, pd.DataFrame(per_test))


def _judge_run(
    ev: Evaluator, claim: Claim, scope: str, period: tuple[int, int], figures: pd.DataFrame
) -> tuple[dict[str, Any], list[dict[str, Any]], list[pd.DataFrame]]:
    """One claim over one period: its row, its tests' rows and its evidence rows."""
    cid = _claim_id(claim, scope, period)
    outs = [evaluate_test(ev, claim, t, period) for t in claim.tests]
    verdict, per_kind, note = combine(claim, outs)
    reasons = " | ".join(
        f"{t.evidence}: {o.verdict}: {o.reason}" for t, o in zip(claim.tests, outs, strict=True)
    )
    tests, evidence = [], []
    for i, (t, o) in enumerate(zip(claim.tests, outs, strict=True)):
        tests.append(
            {
                "claim_id": cid,
                "test": i + 1,
                "evidence": t.evidence,
                "comparison": describe_test(t),
                "verdict": o.verdict,
                "measured": o.measured,
                "reason": o.reason,
                "note": t.note or "",
            }
        )
        evidence.append(
            o.rows.assign(claim_id=cid, test=i + 1, evidence=t.evidence, measure=describe_test(t))
        )
    row = {
        "claim_id": cid,
        "period": f"{period[0]}-{period[1]}",
        "condition": claim.condition,
        "expected": " AND ".join(describe_test(t) for t in claim.tests),
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
            f"{f}={figures.loc[f, 'value']:g} {figures.loc[f, 'unit']}" for f in claim.ko_figures
        ),
        "scope": scope,
    }
    return row, tests, evidence


def _fragility(sens: pd.DataFrame, claim_ids: pd.Series) -> list[str]:
    """Per claim, the grid points that flip its verdict (``robust`` when none does)."""
    frag = sens.groupby("claim_id").apply(
        lambda d: ", ".join(
            f"{r.parameter}={r.value:g} -> {r.verdict}" for r in d.itertuples() if r.flips
        ),
        include_groups=False,
    )
    return [f"fragile: {frag[c]}" if frag.get(c) else "robust" for c in claim_ids]


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
