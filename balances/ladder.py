"""Korolev's ladder of military alignment as an outcome series, coded from evidence.

Korolev (2019, 2020) measures how close two states are to an alliance by the
depth of their military cooperation: consultation mechanisms and regular
high-level contacts; military-technical cooperation; regular joint exercises;
and, further up, joint patrols, integrated command, joint basing, a common
defence policy and a formal defence pact. Each year's level here is the
highest rung such that it and every rung below it are met, and each rung's
verdict comes with the evidence rows (table, what was found) that support it.
A rung whose evidence source does not cover a year is unknown (NaN), not
"not met".

The ladder is an *outcome*, kept apart from the three driver lenses so that
the notebooks can ask whether the drivers explain it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from balances.config import PANEL_END, STUDY_START
from balances.indicators.panel import Tables
from balances.triad import Triad
from balances.walt import declared_partnership

#: A rung's rule: the rung, the tables, the triad and the years -> its evidence rows.
Rule = Callable[["Rung", Tables, Triad, pd.Index], pd.DataFrame]


@dataclass(frozen=True)
class Rung:
    """One step of the ladder: what it means, where its evidence comes from, how it is coded.

    ``sources`` are the processed tables its evidence comes from; a rung no
    dataset here codes has none, and its absence of evidence is recorded as such.
    """

    level: int
    name: str
    label: str
    criterion: str
    sources: tuple[str, ...] = ()
    rule: Rule | None = field(default=None, repr=False)

    def evidence(self, t: Tables, triad: Triad, years: pd.Index) -> pd.DataFrame:
        """Whether the rung is met each year (1/0/NaN), with the evidence rows."""
        return (self.rule or _uncoded)(self, t, triad, years)


CITATION = "Korolev 2019 (Asian Security 15:3), 2020 (International Politics 57): ladder of military alignment"


def _dyad(df: pd.DataFrame, a: str, b: str, both: bool = False) -> pd.DataFrame:
    m = (df["iso3_1"] == a) & (df["iso3_2"] == b)
    if both:
        m |= (df["iso3_1"] == b) & (df["iso3_2"] == a)
    return df[m]


def _evidence(
    years: pd.Index, rung: Rung, met: pd.Series, text: pd.Series, table: str | None = None
) -> pd.DataFrame:
    """Evidence rows of a rung; ``table`` defaults to the rung's declared sources."""
    return pd.DataFrame(
        {
            "year": years,
            "rung": rung.name,
            "met": met.reindex(years).to_numpy(),
            "evidence": text.reindex(years).fillna("").to_numpy(),
            "table": table if table is not None else ", ".join(rung.sources) or "none",
        }
    )


def _consultation(rung: Rung, t: Tables, triad: Triad, years: pd.Index) -> pd.DataFrame:
    a, b = triad.focal1, triad.focal2
    atop = _dyad(t("atop_dyad"), a, b).set_index("year")["atop_consul"]
    atop_years = (atop.index.min(), atop.index.max())
    if {a, b} == {"RUS", "CHN"}:
        summits = t("cr_summits")
        by_year = summits.groupby("year")["title"].apply(lambda s: " | ".join(s.astype(str)))
        span = (int(summits["year"].min()), PANEL_END)
        recent = pd.Series(
            {
                y: " | ".join(by_year.get(k, "") for k in (y - 1, y) if k in by_year.index)
                for y in years
            }
        )
        has_summit = recent.str.len() > 0
        met = pd.Series(np.where(years >= span[0], has_summit, np.nan), index=years)
        text = "summits/documents (cr_summits): " + recent.where(has_summit, "none")
    else:
        met = pd.Series(np.nan, index=years)
        text = pd.Series("no summit table for this pair", index=years)
    consul = atop.reindex(years)
    met = met.where(~(consul == 1), 1.0)
    in_atop = (years >= atop_years[0]) & (years <= atop_years[1])
    text = text + pd.Series(
        np.where(in_atop & (consul == 1), "; ATOP consultation obligation", ""), index=years
    )
    return _evidence(years, rung, met, text)


def _military_technical(rung: Rung, t: Tables, triad: Triad, years: pd.Index) -> pd.DataFrame:
    a, b = triad.focal1, triad.focal2
    tiv = t("arms_tiv_dyad")
    flows = (
        _dyad(tiv, a, b)
        .set_index("year")["tiv_usd_m"]
        .fillna(0)
        .add(_dyad(tiv, b, a).set_index("year")["tiv_usd_m"].fillna(0), fill_value=0)
    )
    last = int(tiv["year"].max())
    window = flows.reindex(range(years.min() - 2, years.max() + 1)).rolling(3, min_periods=1).sum()
    met = (window > 0).astype(float).reindex(years).where(years <= last)
    text = "SIPRI TIV in the pair, 3 years to the year: " + window.reindex(years).round(0).astype(
        "Int64"
    ).astype(str)
    reg = t("arms_register_orders")
    deliv = (
        _dyad(reg, a, b, both=True)
        .groupby("year")["tiv_delivered_spread"]
        .sum()
        .reindex(range(years.min() - 2, years.max() + 1))
        .fillna(0)
        .rolling(3, min_periods=1)
        .sum()
    )
    late = (years > last) & (years <= int(reg["year"].max()))
    met = met.where(~late, (deliv.reindex(years) > 0).astype(float))
    text = text.where(
        ~late,
        "SIPRI register (approximate, order-based), 3 years: "
        + deliv.reindex(years).round(0).astype(str),
    )
    return _evidence(years, rung, met, text)


def _exercises(rung: Rung, t: Tables, triad: Triad, years: pd.Index) -> pd.DataFrame:
    """Regular joint exercises, or joint patrols (the rung ``joint_patrols``)."""
    kind = "patrol" if rung.name == "joint_patrols" else "exercise"
    a, b = triad.focal1, triad.focal2
    if {a, b} != {"RUS", "CHN"}:
        dy = _dyad(t("exercises_dyad"), a, b).set_index("year")
        if kind == "patrol" or dy.empty:
            return _evidence(
                years,
                rung,
                pd.Series(np.nan, index=years),
                pd.Series("no exercise/patrol table for this pair", index=years),
                "exercises_dyad",
            )
        n = dy[["mme_exercises", "jme_exercises", "rus_mod_exercises"]].max(axis=1, skipna=True)
        names = "exercises (MME/JME/MoD, max count): " + n.astype("Int64").astype(str)
        source: str | None = "exercises_dyad"
    else:
        ex = t("cr_exercises")
        is_patrol = ex["type"].str.contains("patrol", case=False)
        sel = ex[is_patrol] if kind == "patrol" else ex[~is_patrol]
        n = sel.groupby("year").size().reindex(range(STUDY_START - 2, PANEL_END + 1)).fillna(0)
        # before the sourced table starts (2003), joint exercises come from MME/JME
        dy = _dyad(t("exercises_dyad"), a, b).set_index("year")
        early = dy[["mme_exercises", "jme_exercises"]].max(axis=1, skipna=True)
        if kind != "patrol":
            n = n.where(n.index >= 2003, early.reindex(n.index))
        names = sel.groupby("year")["name"].apply(lambda s: " | ".join(s)).reindex(n.index)
        names = names.fillna(
            n.astype("Int64").astype(str) + " (MME/JME count)" if kind != "patrol" else "none"
        )
        source = None
    if kind == "patrol":
        met = (n > 0).astype(float).where(n.notna())
        return _evidence(years, rung, met.reindex(years), names, source)
    yes = (n > 0).astype(float).where(n.notna())
    regular = yes.rolling(3, min_periods=3).sum() >= 2
    met = regular.astype(float).where(yes.notna())
    return _evidence(years, rung, met.reindex(years), names, source)


def _uncoded(rung: Rung, t: Tables, triad: Triad, years: pd.Index) -> pd.DataFrame:
    return _evidence(
        years,
        rung,
        pd.Series(0.0, index=years),
        pd.Series(
            "no source here records it (absence of evidence, not coded by any dataset)",
            index=years,
        ),
    )


def _defence_pact(rung: Rung, t: Tables, triad: Triad, years: pd.Index) -> pd.DataFrame:
    atop = _dyad(t("atop_dyad"), triad.focal1, triad.focal2).set_index("year")["atop_defense"]
    met = atop.reindex(years).astype(float)
    text = pd.Series(
        np.where(
            met == 1,
            "ATOP defence obligation",
            np.where(met == 0, "no ATOP defence obligation", "ATOP 5.1 ends in 2018"),
        ),
        index=years,
    )
    return _evidence(years, rung, met, text)


#: The ladder, bottom rung first: the one declaration of each rung.
RUNGS: tuple[Rung, ...] = (
    Rung(
        1,
        "consultation",
        "consultation and high-level contacts",
        "a summit, state visit or treaty document in the year or the year before, or an ATOP consultation obligation",
        ("cr_summits", "atop_dyad"),
        _consultation,
    ),
    Rung(
        2,
        "military_technical",
        "military-technical cooperation",
        "arms deliveries between the pair (SIPRI TIV > 0) in the three years to the year",
        ("arms_tiv_dyad", "arms_register_orders"),
        _military_technical,
    ),
    Rung(
        3,
        "regular_exercises",
        "regular joint exercises",
        "joint exercises in at least two of the three years to the year",
        ("cr_exercises", "exercises_dyad"),
        _exercises,
    ),
    Rung(
        4,
        "joint_patrols",
        "joint air or naval patrols",
        "at least one joint air or naval patrol in the year",
        ("cr_exercises",),
        _exercises,
    ),
    Rung(5, "integrated_command", "integrated command", "a joint or integrated command structure"),
    Rung(6, "joint_basing", "joint basing", "forces of one stationed at bases of the other"),
    Rung(7, "common_defence_policy", "common defence policy", "a common defence policy"),
    Rung(
        8,
        "defence_pact",
        "formal defence pact",
        "an ATOP defence obligation between the pair",
        ("atop_dyad",),
        _defence_pact,
    ),
)
RUNG_NAMES = ("none", *(r.label for r in RUNGS))
#: Processed tables the ladder's evidence comes from (all rungs).
SOURCES: frozenset[str] = frozenset(t for r in RUNGS for t in r.sources)


def ladder(
    triad: Triad | None = None,
    *,
    start: int = STUDY_START,
    end: int = PANEL_END,
    source: Tables | None = None,
) -> dict[str, pd.DataFrame]:
    """The alignment ladder of the focal pair, per year, with its evidence.

    Returns
    -------
    dict
        ``levels``: year, level (0-8), label, uncertain (a rung needed to
        decide is unknown), partnership (the named level of the partnership
        in force, from the summit documents); ``evidence``: year, rung, met,
        evidence, table.

    Examples
    --------
    >>> lad = ladder(start=2019, end=2019)
    >>> int(lad["levels"]["level"].iloc[0])
    4
    """
    triad = triad or Triad()
    source = source or Tables()
    years = pd.Index(range(start, end + 1), name="year")
    evidence = pd.concat([r.evidence(source, triad, years) for r in RUNGS], ignore_index=True)
    grid = evidence.pivot(index="year", columns="rung", values="met")[[r.name for r in RUNGS]]
    levels, uncertain = [], []
    for _, row in grid.iterrows():
        lvl, unsure = 0, False
        for r in RUNGS:
            v = row[r.name]
            if pd.isna(v):
                unsure = True
                break
            if v < 1:
                break
            lvl = r.level
        levels.append(lvl)
        uncertain.append(unsure)
    out = pd.DataFrame({"year": years, "level": levels, "uncertain": uncertain})
    out["label"] = out["level"].map(dict(enumerate(RUNG_NAMES)))
    out["partnership"] = _partnership(source, triad, years)
    return {"levels": out, "evidence": evidence}


def _partnership(t: Tables, triad: Triad, years: pd.Index) -> np.ndarray:
    if {triad.focal1, triad.focal2} != {"RUS", "CHN"}:
        return np.full(len(years), None, dtype=object)
    label = declared_partnership(t, years)["label"]
    return label.astype(object).where(lambda x: x.notna(), None).to_numpy(dtype=object)


def as_panel(lad: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The ladder as indicator-panel rows (lens ``alignment``): each rung met (1/0/NaN) and the level."""
    ev = lad["evidence"]
    rungs = pd.DataFrame(
        {
            "year": ev["year"],
            "indicator": "ladder_" + ev["rung"],
            "lens": "alignment",
            "value": ev["met"],
            "status": ev["met"].map(lambda v: "missing" if pd.isna(v) else "present"),
            "note": ev["evidence"],
        }
    )
    lv = lad["levels"]
    level = pd.DataFrame(
        {
            "year": lv["year"],
            "indicator": "ladder_level",
            "lens": "alignment",
            "value": lv["level"].astype(float),
            "status": "present",
            "note": lv["label"] + np.where(lv["uncertain"], " (a rung above is unknown)", ""),
        }
    )
    return pd.concat([level, rungs], ignore_index=True)


def registry_rows() -> pd.DataFrame:
    """The ladder's rungs described like registry entries, for ``balances indicators --lens alignment``."""
    rows = [
        {
            "id": "ladder_level",
            "lens": "alignment",
            "title": "Depth of military alignment (ladder level)",
            "unit": "level 0-8",
            "direction": 1,
            "sources": " ".join(sorted(SOURCES)),
            "citation": CITATION,
        }
    ]
    rows += [
        {
            "id": f"ladder_{r.name}",
            "lens": "alignment",
            "title": f"Rung {r.level}: {r.label} ({r.criterion})",
            "unit": "met (1/0)",
            "direction": 1,
            "sources": " ".join(r.sources) or "none (not coded)",
            "citation": CITATION,
        }
        for r in RUNGS
    ]
    return pd.DataFrame(rows)
