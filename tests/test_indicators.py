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


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The default triad's indicator panel (long), built once for the module."""
    return indicator_panel()[0]


@pytest.fixture(scope="module")
def values(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel as a year x indicator table."""
    return panel.pivot(index="year", columns="indicator", values="value")


@pytest.mark.parametrize("iid", sorted(REGISTRY))
def test_indicator_is_declared_and_computes(
    iid: str, panel: pd.DataFrame, values: pd.DataFrame
) -> None:
    ind = REGISTRY[iid]
    assert ind.concept.strip() and ind.citation.strip() and ind.sources
    series = values[iid]
    assert series.notna().sum() >= 5, f"{iid} has fewer than 5 years of data"
    notes = panel[(panel["indicator"] == iid) & (panel["status"] == "missing")]["note"]
    assert (notes != "").all(), "every missing value carries its reason"


#: The sub-concepts each lens's theory names (issue 11: one concept counted once).
SUBCONCEPTS = {
    "power": {"preponderance", "capacity"},
    "threat": {"proximity", "offensive_capability", "intentions", "mutual_threat"},
    "interests": {"revisionism"},
}


def test_each_lens_holds_its_theorys_subconcepts() -> None:
    found: dict[str, set[str]] = {}
    for ind in REGISTRY.values():
        if ind.lens in LENSES:
            assert ind.subconcept, f"{ind.id} declares no sub-concept"
            found.setdefault(ind.lens, set()).add(ind.subconcept)
    assert found == SUBCONCEPTS


def test_reference_preponderance_is_counted_once() -> None:
    """The old registry read US preponderance three times in power and once in threat."""
    prepon = [i.id for i in REGISTRY.values() if i.subconcept == "preponderance"]
    assert prepon == ["ref_milex_share_world"]
    removed = {"gp_concentration", "ref_cinc_share_gp", "ref_gdp_share_world", "focal1_gdp_vs_ref"}
    drivers = {i for i, ind in REGISTRY.items() if ind.lens in LENSES}
    assert not removed & drivers


def test_1992_2014_coverage_at_most_a_quarter_missing(panel: pd.DataFrame) -> None:
    span = panel[panel["year"].between(1992, 2014)]
    missing = span.groupby("lens")["status"].apply(lambda s: (s == "missing").mean())
    assert (missing <= 0.25).all(), missing.to_dict()


def test_coverage_grid_never_zero_for_missing(panel: pd.DataFrame, values: pd.DataFrame) -> None:
    grid = coverage(panel)
    assert set(grid.stack().unique()) <= {"present", "estimate", "missing"}
    assert pd.isna(values.loc[2015, "mid_ref_focal1"])  # COW-MID ends in 2014: missing, not 0


@pytest.mark.parametrize(
    ("iid", "year", "expected", "tol"),
    [
        ("ref_milex_share_world", 2004, 0.511, 2e-3),  # US / SIPRI world total, constant 2023 US$
        ("nato_border_focal", 1998, 1.0, 0.0),  # Norway
        ("nato_border_focal", 2004, 5.0, 0.0),  # + Poland (1999), Estonia, Latvia, Lithuania
        ("nato_border_focal", 2023, 6.0, 0.0),  # + Finland
        ("rivalry_ref_focal1", 2007, 1.0, 0.0),  # TSS: US-Russia rivalry from 2007
        ("rivalry_focal_pair", 2000, 0.0, 0.0),  # the Sino-Soviet rivalry ended in 1989
    ],
)
def test_pinned_values(
    iid: str, year: int, expected: float, tol: float, values: pd.DataFrame
) -> None:
    assert values.loc[year, iid] == pytest.approx(expected, abs=tol)


def test_troops_2008_missing_not_doubled(values: pd.DataFrame) -> None:
    """The rebuild file doubles every host in 2008 (us_troops_bases/SOURCE.md, warning)."""
    troops = values["us_troops_near_focal"]
    assert pd.isna(troops[2008])
    assert troops[2007] == pytest.approx(troops[2009], rel=0.35)


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
    assert vals.loc[2006, "idealpoint_dist_focal1_ref"] == pytest.approx(
        SOURCE("unga_idealpoint_distance")
        .query("iso3_1 == 'IND' and iso3_2 == 'USA' and year == 2006")["distance_all"]
        .iloc[0]
    )
    far = compute_panel(Triad.parse("CHN,PAK", "IND"), start=2000, end=2001, source=SOURCE)
    troops = far[far["indicator"] == "us_troops_near_focal"]
    assert troops["value"].isna().all()
    assert troops["note"].str.contains("only with USA as the reference").all()
