"""One test per registry entry, the coverage promise, and values pinned from the committed data."""

from __future__ import annotations

import pandas as pd
import pytest

from balances.analysis import indicator_panel
from balances.indicators.panel import Tables, compute_panel, coverage
from balances.indicators.registry import LENSES
from balances.triad import Triad

SOURCE = Tables()
REGISTRY = SOURCE.registry()
PANEL, _ = indicator_panel()
VALUES = PANEL.pivot(index="year", columns="indicator", values="value")


@pytest.mark.parametrize("iid", sorted(REGISTRY))
def test_indicator_is_declared_and_computes(iid: str) -> None:
    ind = REGISTRY[iid]
    assert ind.concept.strip() and ind.citation.strip() and ind.sources
    series = VALUES[iid]
    assert series.notna().sum() >= 5, f"{iid} has fewer than 5 years of data"
    notes = PANEL[(PANEL["indicator"] == iid) & (PANEL["status"] == "missing")]["note"]
    assert (notes != "").all(), "every missing value carries its reason"


def test_at_least_eight_indicators_per_lens() -> None:
    per_lens = pd.Series([i.lens for i in REGISTRY.values()]).value_counts()
    for lens in LENSES:
        assert per_lens.get(lens, 0) >= 8, lens


def test_1992_2014_coverage_at_most_a_quarter_missing() -> None:
    span = PANEL[PANEL["year"].between(1992, 2014)]
    missing = span.groupby("lens")["status"].apply(lambda s: (s == "missing").mean())
    assert (missing <= 0.25).all(), missing.to_dict()


def test_coverage_grid_never_zero_for_missing() -> None:
    grid = coverage(PANEL)
    assert set(grid.stack().unique()) <= {"present", "estimate", "missing"}
    assert VALUES.loc[2024, "unga_agreement_focal"] != 0 and pd.isna(
        VALUES.loc[2024, "unga_agreement_focal"]
    )


@pytest.mark.parametrize(
    ("iid", "year", "expected", "tol"),
    [
        ("unga_agreement_focal", 2006, 0.8235, 1e-3),  # RUS-CHN, 70 of 85 roll calls (Voeten)
        ("arms_tiv_focal", 2005, 3077.0, 0.0),  # SIPRI TIV Russia -> China
        ("ref_milex_share_world", 2004, 0.511, 2e-3),  # US / SIPRI world total, constant 2023 US$
        ("atop_obligations", 2001, 2.0, 0.0),  # non-aggression (1992-) + consultation (2001-)
        ("atop_obligations", 2000, 1.0, 0.0),
        ("nato_members", 2004, 26.0, 0.0),
        ("us_bases_central_asia", 2003, 2.0, 0.0),  # Karshi-Khanabad and Manas
        ("us_bases_central_asia", 2006, 1.0, 0.0),  # after the eviction from Uzbekistan
        ("rivalry_ref_focal1", 2007, 1.0, 0.0),  # TSS: US-Russia rivalry from 2007
    ],
)
def test_pinned_values(iid: str, year: int, expected: float, tol: float) -> None:
    assert VALUES.loc[year, iid] == pytest.approx(expected, abs=tol)


def test_china_share_of_russian_arms_exports_1999_2004() -> None:
    """SIPRI tables to 2021: about 0.44 (Ko's Table 2 from the 2006 release: 40.7%)."""
    tiv = SOURCE("arms_tiv_dyad")
    state = SOURCE("arms_tiv_state")
    yrs = range(1999, 2005)
    to_china = tiv[(tiv["iso3_1"] == "RUS") & (tiv["iso3_2"] == "CHN") & tiv["year"].isin(yrs)][
        "tiv_usd_m"
    ].sum()
    total = state[(state["iso3"] == "RUS") & state["year"].isin(yrs)]["tiv_exports"].sum()
    assert to_china / total == pytest.approx(0.44, abs=0.005)


def test_other_triads_compute_or_say_what_they_lack() -> None:
    panel = compute_panel(Triad.parse("IND,RUS", "USA"), start=2000, end=2010, source=SOURCE)
    vals = panel.pivot(index="year", columns="indicator", values="value")
    assert vals.loc[2006, "unga_agreement_focal"] == pytest.approx(
        SOURCE("unga_similarity")
        .query("iso3_1 == 'IND' and iso3_2 == 'RUS' and year == 2006")["agreement"]
        .iloc[0]
    )
    vetoes = panel[panel["indicator"] == "joint_vetoes"]
    assert vetoes["value"].isna().all()
    assert vetoes["note"].str.contains("defined only for the RUS,CHN,USA triad").all()
    far = compute_panel(Triad.parse("CHN,PAK", "IND"), start=2000, end=2001, source=SOURCE)
    assert not far.empty
