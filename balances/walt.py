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

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from balances.config import PANEL_END, STUDY_START
from balances.indicators.ops import Context
from balances.indicators.panel import Tables
from balances.indicators.registry import evaluate
from balances.triad import GREAT_POWERS, Triad

STANCES = ("bandwagon", "hedge", "balance")
#: Processed tables the Walt rule reads.
RULE_INPUTS = frozenset({"milex", "wdi", "nmc", "cr_summits", "atop_dyad", "mid_dyad"})
#: Processed tables the revealed stance reads.
REVEALED_INPUTS = frozenset({"unga_similarity"})

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
#: Raw UNGA agreement of the focal pair minus the first focal state's agreement with the reference.
VOTE_GAP = {
    "op": "difference",
    "a": {
        "op": "value",
        "table": "unga_similarity",
        "column": "agreement",
        "dyad": ["focal1", "focal2"],
    },
    "b": {
        "op": "value",
        "table": "unga_similarity",
        "column": "agreement",
        "dyad": ["focal1", "reference"],
    },
}


@dataclass(frozen=True)
class WaltRule:
    """Thresholds of the rule, exposed so that the Ko comparison can vary them."""

    capability_growth_min: float = 0.0
    capability_gdp_min: float = 0.15
    ally_cinc_min: float = 0.5
    ally_partnership_min: int = 3
    war_hostility_min: int = 5
    climate_when_missing: Literal["unknown", "peace"] = "unknown"


def _series(expr: dict, triad: Triad, source: Tables, years: pd.Index) -> pd.Series:
    return evaluate(expr, Context(triad, source, years))


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
    ext = pd.Index(range(start - 3, end + 1), name="year")
    growth = _series(
        {
            "op": "growth",
            "periods": 3,
            "x": {
                "op": "value",
                "table": "milex",
                "column": "milex_const_usd_m",
                "state": "focal1",
            },
        },
        triad,
        source,
        ext,
    ).reindex(years)
    gdp = _series(
        {
            "op": "ratio",
            "num": {
                "op": "value",
                "table": "wdi",
                "column": "gdp_ppp_const2021",
                "state": "focal1",
            },
            "den": {
                "op": "value",
                "table": "wdi",
                "column": "gdp_ppp_const2021",
                "state": "reference",
            },
        },
        triad,
        source,
        years,
    )
    partner = _series(
        {
            "op": "ratio",
            "num": {"op": "value", "table": "nmc", "column": "cinc5", "state": "focal2"},
            "den": {"op": "value", "table": "nmc", "column": "cinc5", "state": "reference"},
        },
        triad,
        source,
        years,
    )
    rank = partnership_rank(triad, source, years)
    mids = source("mid_dyad")
    gp = mids[mids["iso3_1"].isin(GREAT_POWERS) & mids["iso3_2"].isin(GREAT_POWERS)]
    hostility = gp.groupby("year")["cow_hostlev"].max().reindex(years)
    covered = years <= int(mids["year"].max())
    hostility = hostility.where(covered)

    def cond(values: pd.Series, test: pd.Series) -> pd.Series:
        return test.astype(float).where(values.notna())

    capability = cond(
        growth * gdp, (growth > rule.capability_growth_min) & (gdp >= rule.capability_gdp_min)
    )
    allies = cond(
        partner * rank, (partner >= rule.ally_cinc_min) & (rank >= rule.ally_partnership_min)
    )
    peace = pd.Series(
        np.where(covered, (hostility.fillna(0) < rule.war_hostility_min).astype(float), np.nan),
        index=years,
    )
    if rule.climate_when_missing == "peace":
        peace = peace.fillna(1.0)
    predicted = []
    for c, a, p in zip(capability, allies, peace, strict=True):
        if np.isnan(c) or np.isnan(a):
            predicted.append(None)
        elif c == 0 and a == 0:
            predicted.append("bandwagon")
        elif np.isnan(p):
            predicted.append(None)
        elif c == 1 and a == 1 and p == 1:
            predicted.append("balance")
        else:
            predicted.append("hedge")
    return pd.DataFrame(
        {
            "year": years,
            "milex_growth_3y": growth.to_numpy(),
            "gdp_vs_ref": gdp.to_numpy(),
            "partner_cinc_vs_ref": partner.to_numpy(),
            "partnership_rank": rank.to_numpy(),
            "gp_max_hostility": hostility.to_numpy(),
            "capability": capability.to_numpy(),
            "allies": allies.to_numpy(),
            "peace": peace.to_numpy(),
            "predicted": predicted,
        }
    )


def partnership_rank(triad: Triad, source: Tables, years: pd.Index) -> pd.Series:
    """Declared partnership between the focal pair, per year.

    For China and Russia, the rank of the named partnership in the summit
    documents (1 friendly countries ... 6 "new era"), carried forward from the
    first document. For other pairs, 3 when ATOP records any obligation between
    them and 0 when it records none (NaN outside ATOP's years).
    """
    if {triad.focal1, triad.focal2} == {"RUS", "CHN"}:
        s = source("cr_summits").dropna(subset=["partnership_rank"])
        named = s.groupby("year")["partnership_rank"].max().astype(float)
        full = named.reindex(range(int(named.index.min()), PANEL_END + 1)).ffill()
        return full.reindex(years).rename("partnership_rank")
    atop = source("atop_dyad")
    m = (atop["iso3_1"] == triad.focal1) & (atop["iso3_2"] == triad.focal2)
    ally = atop[m].set_index("year")["atopally"].astype(float)
    return (3.0 * ally).reindex(years).rename("partnership_rank")


def revealed_stance(
    triad: Triad | None = None,
    *,
    balance_gap: float = 0.25,
    bandwagon_gap: float = 0.0,
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
    raw = _series(VOTE_GAP, triad, source, years)
    gap = _series(KAPPA_GAP, triad, source, years)
    stance = np.where(
        gap >= balance_gap, "balance", np.where(gap <= bandwagon_gap, "bandwagon", "hedge")
    )
    return pd.DataFrame(
        {
            "year": years,
            "vote_gap": raw.to_numpy(),
            "kappa_gap": gap.to_numpy(),
            "revealed": pd.Series(stance, index=years).where(gap.notna(), None).to_numpy(),
        }
    )


def rule_table(rule: WaltRule | None = None) -> pd.DataFrame:
    """The rule's thresholds as a two-column table, for reports."""
    return pd.DataFrame(list(asdict(rule or WaltRule()).items()), columns=["parameter", "value"])
