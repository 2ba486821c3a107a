"""The named series Ko's and Korolev's claims can measure, each declared once.

A claim's test measures an indicator, an expression, a UN vote similarity, or
one of these series by name (``measure: {series: ladder_level}``). Each entry
of :data:`SERIES` holds the processed tables the series reads (for the
circularity and raw-agreement checks of :mod:`balances.ko_claims`) and how it is
computed from an evaluator (:class:`balances.ko_verdicts.Evaluator`). The Walt
rule's conditions have no function here: :func:`balances.walt.conditions`
computes them together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from balances.config import PANEL_END, STUDY_START
from balances.indicators.ops import Context
from balances.indicators.panel import Tables
from balances.indicators.registry import evaluate
from balances.ko_figures import AGGREGATE_CODES
from balances.ladder import SOURCES as LADDER_SOURCES
from balances.ladder import ladder
from balances.triad import Triad
from balances.walt import (
    CONDITION_TABLES,
    KAPPA_GAP,
    PARTNERSHIP_TABLES,
    REVEALED_INPUTS,
    partnership_rank,
)


class Evaluating(Protocol):
    """What a series is computed from: one triad's tables and years, and a cache."""

    source: Tables
    triad: Triad
    years: pd.Index
    #: (low, high) of the series that carry an uncertainty band.
    bands: dict[str, tuple[pd.Series, pd.Series]]
    _cache: dict[str, Any]


#: A series' computation: the evaluator -> values by year.
Compute = Callable[[Evaluating], pd.Series]


@dataclass(frozen=True)
class NamedSeries:
    """A series a claim can name: the tables it reads and how it is computed."""

    tables: frozenset[str]
    #: None for the Walt rule's conditions (computed together by the evaluator).
    compute: Compute | None = None


def _lens(name: str) -> Compute:
    def fn(ev: Evaluating) -> pd.Series:
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
            ev._cache[key] = res.table()
        tab = ev._cache[key]
        return tab[tab["lens"] == name].set_index("year")["score"]

    return fn


#: The alignment outcome's series by the dyad they score (they carry a 90% band).
OUTCOME_SERIES = {
    "pair": "outcome_focal_pair",
    "reference": "outcome_focal1_reference",
    "against": "outcome_against_reference",
}


def _outcome(which: str) -> Compute:
    """The alignment outcome (0-100 percentile of latent alignment, balances.alignment)."""

    def fn(ev: Evaluating) -> pd.Series:
        from balances import alignment

        t = ev.triad
        if which == "against":
            res = alignment.against(focal=(t.focal1, t.focal2), reference=t.reference)
        else:
            pair = (t.focal1, t.focal2) if which == "pair" else (t.focal1, t.reference)
            res = alignment.dyad_scores(pairs=[pair])
        by_year = res.groupby("year")[["score", "low", "high"]].first().reindex(ev.years)
        ev.bands[OUTCOME_SERIES[which]] = (by_year["low"], by_year["high"])
        return by_year["score"]

    return fn


def _usa_share_current(ev: Evaluating) -> pd.Series:
    milex = ev.source("milex")
    rows = milex[~milex["iso3"].isin(AGGREGATE_CODES)]
    world = rows.groupby("year")["milex_current_usd_m"].sum(min_count=1)
    ref = rows[rows["iso3"] == ev.triad.reference].set_index("year")["milex_current_usd_m"]
    return ref / world


def _event_count(
    table: str, lo: int, hi: int | None = None, contains: str | None = None
) -> Compute:
    def fn(ev: Evaluating) -> pd.Series:
        t = ev.source(table)
        if contains:
            t = t[t["title"].astype(str).str.contains(contains, case=False)]
        counts = t.groupby("year").size().astype(float)
        span = range(lo, (hi or PANEL_END) + 1)
        return counts.reindex(span, fill_value=0.0)

    return fn


def _mid_hostility(ev: Evaluating) -> pd.Series:
    mids = ev.source("mid_dyad")
    t = ev.triad
    m = mids[(mids["iso3_1"] == t.focal1) & (mids["iso3_2"] == t.reference)].set_index("year")
    return m["cow_hostlev"].astype(float).where(m["cow_mid"] > 0, 0.0)


#: The named series, each declared once: name -> tables read and computation.
SERIES: dict[str, NamedSeries] = {
    "walt_peace": NamedSeries(CONDITION_TABLES["peace"]),
    "walt_capability": NamedSeries(CONDITION_TABLES["capability"]),
    "walt_allies": NamedSeries(CONDITION_TABLES["allies"]),
    "ladder_level": NamedSeries(
        LADDER_SOURCES,
        lambda ev: (
            ladder(ev.triad, source=ev.source)["levels"].set_index("year")["level"].astype(float)
        ),
    ),
    "kappa_gap": NamedSeries(
        REVEALED_INPUTS, lambda ev: evaluate(KAPPA_GAP, Context(ev.triad, ev.source, ev.years))
    ),
    "partnership_rank": NamedSeries(
        PARTNERSHIP_TABLES, lambda ev: partnership_rank(ev.triad, ev.source, ev.years)
    ),
    "usa_share_world_milex_current": NamedSeries(frozenset({"milex"}), _usa_share_current),
    "cr_exercises": NamedSeries(frozenset({"cr_exercises"}), _event_count("cr_exercises", 2003)),
    "joint_vetoes": NamedSeries(
        frozenset({"unsc_vetoes_year"}),
        lambda ev: ev.source("unsc_vetoes_year").set_index("year")["rus_chn"],
    ),
    "multipolar_documents": NamedSeries(
        frozenset({"cr_summits"}), _event_count("cr_summits", 1991, contains="multipolar")
    ),
    "mid_hostility": NamedSeries(frozenset({"mid_dyad"}), _mid_hostility),
    **{
        f"lens_{lens}": NamedSeries(frozenset({f"indicators:{lens}"}), _lens(lens))
        for lens in ("power", "threat", "interests")
    },
    **{
        name: NamedSeries(frozenset({"alignment"}), _outcome(which))
        for which, name in OUTCOME_SERIES.items()
    },
}
#: Processed tables behind each named series (for the circularity and raw-agreement checks).
SERIES_TABLES: dict[str, frozenset[str]] = {name: s.tables for name, s in SERIES.items()}
