"""Walt's three conditions as Ko uses them, per year, and the stance they predict.

Ko (section "Conditions Affecting the Alliance Decision") reads Walt (1987)
as saying that a state balances rather than bandwagons when (1) it is strong
enough to matter, (2) allies are available, and (3) the security climate is
peaceful, so a wrong choice is not fatal. Here, for the first focal state
(Russia by default) against the reference (the United States):

* **capability**: its real military spending grew over the last three years
  (Ko's evidence: spending nearly doubled 1999-2004) *and* its GDP at PPP is
  at least ``capability_gdp_min`` of the reference's;
* **allies**: the partner (China) has at least ``ally_cinc_min`` of the
  reference's CINC *and* the two are bound by a declared partnership of at
  least rank ``ally_partnership_min`` (the named level of the China-Russia
  summit documents, carried forward; 3 = "strategic partnership", 1996) or,
  for other pairs, an ATOP obligation between them;
* **security climate**: no war (COW MID hostility level 5; ``war_hostility_min``
  = 4 makes any use of force count) between any two great powers in the year.

The first two conditions are a rule table (:data:`RULE`) over registry ids:
each input is an indicator declared in ``balances/indicators/context.yml`` with
the ``ko_condition`` it feeds, tested against a :class:`WaltRule` threshold.
Only the declared partnership (:func:`partnership_rank`, carried forward from
the summit documents) and the great-power war test are computed here, because
the indicators' expression vocabulary cannot state them.

The rule: all three met -> ``balance``; capability and allies both unmet ->
``bandwagon``; otherwise ``hedge``. A condition whose data are missing makes
the prediction missing, unless ``climate_when_missing`` says what to assume for
the security climate after the MID data end (2014).

The rule reads no UN vote: its inputs (:data:`RULE_INPUTS`) are disjoint from
the votes the revealed stance is measured on (:data:`REVEALED_INPUTS`), so
comparing the two is not circular. The revealed stance uses Cohen's kappa,
not raw agreement: the United States agrees little with anyone, so raw
agreement makes every state look closer to China than to the US.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from balances.config import PANEL_END, STUDY_START
from balances.errors import RegistryError
from balances.indicators.ops import Context
from balances.indicators.panel import Tables
from balances.indicators.registry import Indicator, evaluate
from balances.triad import GREAT_POWERS, Triad

STANCES = ("bandwagon", "hedge", "balance")
#: Processed tables behind the declared partnership (:func:`partnership_rank`).
PARTNERSHIP_TABLES = frozenset({"cr_summits", "atop_dyad"})
#: Processed tables each condition reads: the sources of its registry inputs (a test checks
#: them against the registry) and the tables of the inputs computed here.
CONDITION_TABLES: dict[str, frozenset[str]] = {
    "capability": frozenset({"milex", "wdi"}),
    "allies": frozenset({"nmc"}) | PARTNERSHIP_TABLES,
    "peace": frozenset({"mid_dyad"}),
}
#: Processed tables the Walt rule reads.
RULE_INPUTS = frozenset().union(*CONDITION_TABLES.values())
#: Processed tables the revealed stance reads.
REVEALED_INPUTS = frozenset({"unga_similarity"})
#: Revealed-stance thresholds on the kappa gap (balance at or above, bandwagon at or below).
REVEALED_BALANCE_GAP = 0.25
REVEALED_BANDWAGON_GAP = 0.0

#: Cohen's kappa of the focal pair minus the first focal state's kappa with the reference.
KAPPA_GAP = {
    "op": "difference",
    "a": {
        "op": "value",
        "table": "unga_similarity",
        "column": "kappa",
        "dyad": ["focal1", "focal2"],
    },
    "b": {
        "op": "value",
        "table": "unga_similarity",
        "column": "kappa",
        "dyad": ["focal1", "reference"],
    },
}
#: The registry's raw UNGA agreement gap (focal pair minus first focal state with the reference).
VOTE_GAP_INDICATOR = "unga_agreement_gap"


@dataclass(frozen=True)
class WaltRule:
    """Thresholds of the rule, exposed so that the Ko comparison can vary them."""

    capability_growth_min: float = 0.0
    capability_gdp_min: float = 0.15
    ally_cinc_min: float = 0.5
    ally_partnership_min: int = 3
    war_hostility_min: int = 5
    climate_when_missing: Literal["unknown", "peace"] = "unknown"


@dataclass(frozen=True)
class Input:
    """One measured input of the rule and the test a condition puts to it.

    ``indicator`` is a registry id (``balances/indicators/*.yml``) whose
    declared ``ko_condition`` must be ``condition``; ``None`` marks the one
    input the expression vocabulary cannot state (:func:`partnership_rank`).
    The condition holds in a year when ``value <op> rule.<threshold>``.
    """

    column: str
    condition: Literal["capability", "allies"]
    indicator: str | None
    op: Literal[">", ">="]
    threshold: str


#: Walt's first two conditions as tests on declared indicators; a condition is met when all its
#: inputs pass. The security climate (great-power war in COW MID) is :func:`_peace`.
RULE: tuple[Input, ...] = (
    Input("milex_growth_3y", "capability", "focal1_milex_growth_3y", ">", "capability_growth_min"),
    Input("gdp_vs_ref", "capability", "focal1_gdp_vs_ref", ">=", "capability_gdp_min"),
    Input("partner_cinc_vs_ref", "allies", "focal2_cinc_vs_ref", ">=", "ally_cinc_min"),
    Input("partnership_rank", "allies", None, ">=", "ally_partnership_min"),
)
#: Years before ``start`` an input may look back (the three-year growth).
LOOKBACK = 3


def _series(expr: dict, triad: Triad, source: Tables, years: pd.Index) -> pd.Series:
    return evaluate(expr, Context(triad, source, years))


def rule_indicators(source: Tables | None = None) -> dict[str, Indicator]:
    """The registry entries the rule reads, checked against their ``ko_condition``.

    Raises
    ------
    RegistryError
        If an indicator of :data:`RULE` is not declared, or is declared for
        another condition.
    """
    registry = (source or Tables()).registry()
    out: dict[str, Indicator] = {}
    for inp in RULE:
        if inp.indicator is None:
            continue
        ind = registry.get(inp.indicator)
        if ind is None:
            raise RegistryError(f"the Walt rule reads indicator {inp.indicator!r}, not declared")
        if ind.ko_condition != inp.condition:
            raise RegistryError(
                f"{ind.origin}: indicator {ind.id!r} feeds Walt's {inp.condition} condition but "
                f"declares ko_condition: {ind.ko_condition}; declare ko_condition: {inp.condition}"
            )
        out[ind.id] = ind
    return out


def _inputs(triad: Triad, source: Tables, years: pd.Index) -> dict[str, pd.Series]:
    """Each input of :data:`RULE` per year (indicators evaluated with their look-back)."""
    declared = rule_indicators(source)
    ext = pd.Index(range(years[0] - LOOKBACK, years[-1] + 1), name="year")
    out = {}
    for inp in RULE:
        if inp.indicator is None:
            out[inp.column] = partnership_rank(triad, source, years)
        else:
            out[inp.column] = _series(declared[inp.indicator].compute, triad, source, ext).reindex(
                years
            )
    return out


def _condition(
    name: str, values: Mapping[str, pd.Series], rule: WaltRule, years: pd.Index
) -> pd.Series:
    """1/0 where every input of the condition is present, NaN where one is missing."""
    met = pd.Series(True, index=years)
    present = pd.Series(1.0, index=years)
    for inp in RULE:
        if inp.condition != name:
            continue
        x, limit = values[inp.column], getattr(rule, inp.threshold)
        met &= x > limit if inp.op == ">" else x >= limit
        present = present * x
    return met.astype(float).where(present.notna())


def _peace(rule: WaltRule, source: Tables, years: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Great-power maximum hostility and the security climate (1 peaceful, 0 not, NaN unknown)."""
    mids = source("mid_dyad")
    gp = mids[mids["iso3_1"].isin(GREAT_POWERS) & mids["iso3_2"].isin(GREAT_POWERS)]
    hostility = gp.groupby("year")["cow_hostlev"].max().reindex(years)
    covered = years <= int(mids["year"].max())
    hostility = hostility.where(covered)
    peace = pd.Series(
        np.where(covered, (hostility.fillna(0) < rule.war_hostility_min).astype(float), np.nan),
        index=years,
    )
    if rule.climate_when_missing == "peace":
        peace = peace.fillna(1.0)
    return hostility, peace


def _predict(c: float, a: float, p: float) -> str | None:
    """The stance the three conditions predict (None when the data do not decide)."""
    if np.isnan(c) or np.isnan(a):
        return None
    if c == 0 and a == 0:
        return "bandwagon"
    if np.isnan(p):
        return None
    return "balance" if c == 1 and a == 1 and p == 1 else "hedge"


def conditions(
    triad: Triad | None = None,
    rule: WaltRule | None = None,
    *,
    start: int = STUDY_START,
    end: int = PANEL_END,
    source: Tables | None = None,
) -> pd.DataFrame:
    """Walt's conditions per year and the stance they predict.

    Returns
    -------
    DataFrame
        year; the measured inputs (``milex_growth_3y``, ``gdp_vs_ref``,
        ``partner_cinc_vs_ref``, ``partnership_rank``, ``gp_max_hostility``); the
        conditions (``capability``, ``allies``, ``peace`` as 1/0/NaN); and
        ``predicted`` (bandwagon, hedge, balance or None).

    Examples
    --------
    >>> c = conditions(start=2004, end=2004).iloc[0]
    >>> c["predicted"]
    'balance'
    """
    triad = triad or Triad()
    rule = rule or WaltRule()
    source = source or Tables()
    years = pd.Index(range(start, end + 1), name="year")
    values = _inputs(triad, source, years)
    capability = _condition("capability", values, rule, years)
    allies = _condition("allies", values, rule, years)
    hostility, peace = _peace(rule, source, years)
    predicted = [_predict(*cap) for cap in zip(capability, allies, peace, strict=True)]
    return pd.DataFrame(
        {
            "year": years,
            **{k: v.to_numpy() for k, v in values.items()},
            "gp_max_hostility": hostility.to_numpy(),
            "capability": capability.to_numpy(),
            "allies": allies.to_numpy(),
            "peace": peace.to_numpy(),
            "predicted": predicted,
        }
    )


def declared_partnership(source: Tables, years: pd.Index) -> pd.DataFrame:
    """The named China-Russia partnership in force each year: ``rank`` and ``label``.

    From the summit documents (``cr_summits``): the highest rank named in a
    year, carried forward from the first document that names one (NaN before).
    """
    s = (
        source("cr_summits")
        .dropna(subset=["partnership_rank"])
        .sort_values(["year", "partnership_rank"])
    )
    named = s.groupby("year")[["partnership_rank", "partnership_label"]].last()
    span = range(int(named.index.min()), PANEL_END + 1)
    rank = named["partnership_rank"].astype(float).reindex(span).ffill()
    label = pd.Series(named["partnership_label"].reindex(span).tolist(), index=span, dtype="string")
    return pd.DataFrame({"rank": rank.reindex(years), "label": label.ffill().reindex(years)})


def partnership_rank(triad: Triad, source: Tables, years: pd.Index) -> pd.Series:
    """Declared partnership between the focal pair, per year.

    For China and Russia, the rank of the named partnership in the summit
    documents (1 friendly countries ... 6 "new era"), carried forward from the
    first document (:func:`declared_partnership`). For other pairs, 3 when ATOP
    records any obligation between them and 0 when it records none (NaN outside
    ATOP's years).
    """
    if {triad.focal1, triad.focal2} == {"RUS", "CHN"}:
        return declared_partnership(source, years)["rank"].rename("partnership_rank")
    atop = source("atop_dyad")
    m = (atop["iso3_1"] == triad.focal1) & (atop["iso3_2"] == triad.focal2)
    ally = atop[m].set_index("year")["atopally"].astype(float)
    return (3.0 * ally).reindex(years).rename("partnership_rank")


def revealed_stance(
    triad: Triad | None = None,
    *,
    balance_gap: float = REVEALED_BALANCE_GAP,
    bandwagon_gap: float = REVEALED_BANDWAGON_GAP,
    start: int = STUDY_START,
    end: int = PANEL_END,
    source: Tables | None = None,
) -> pd.DataFrame:
    """The stance the first focal state's UNGA votes reveal, per year.

    The gap is Cohen's kappa with the partner minus kappa with the reference
    (``kappa_gap``; chance-corrected, so the reference's habit of voting alone
    does not count as distance). ``balance`` when the gap is at least
    ``balance_gap``; ``bandwagon`` when the first focal state is at least as close
    to the reference as to the partner (gap <= ``bandwagon_gap``); ``hedge``
    between. ``vote_gap`` (raw agreement) is kept for comparison only.
    """
    triad = triad or Triad()
    source = source or Tables()
    years = pd.Index(range(start, end + 1), name="year")
    raw = _series(source.registry()[VOTE_GAP_INDICATOR].compute, triad, source, years)
    gap = _series(KAPPA_GAP, triad, source, years)
    return pd.DataFrame(
        {
            "year": years,
            "vote_gap": raw.to_numpy(),
            "kappa_gap": gap.to_numpy(),
            "revealed": stance_of_gap(gap, balance_gap, bandwagon_gap).to_numpy(),
        }
    )


def stance_of_gap(
    gap: pd.Series,
    balance_gap: float = REVEALED_BALANCE_GAP,
    bandwagon_gap: float = REVEALED_BANDWAGON_GAP,
) -> pd.Series:
    """The stance a kappa gap reveals: balance, hedge, bandwagon, or None where it is missing.

    Examples
    --------
    >>> stance_of_gap(pd.Series([0.3, 0.1, -0.2, np.nan])).tolist()
    ['balance', 'hedge', 'bandwagon', None]
    """
    stance = np.where(
        gap >= balance_gap, "balance", np.where(gap <= bandwagon_gap, "bandwagon", "hedge")
    )
    return pd.Series(stance, index=gap.index, dtype=object).where(gap.notna(), None)


def rule_table(rule: WaltRule | None = None) -> pd.DataFrame:
    """The rule's thresholds as a two-column table, for reports."""
    return pd.DataFrame(list(asdict(rule or WaltRule()).items()), columns=["parameter", "value"])
