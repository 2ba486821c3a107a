"""Korolev's alignment ladder: levels coded from evidence, with the evidence kept."""

from __future__ import annotations

import pandas as pd
import pytest

from balances.cli import main
from balances.ladder import RUNGS, SOURCES, as_panel, ladder
from balances.triad import Triad

LAD = ladder()
LEVELS = LAD["levels"].set_index("year")
EVIDENCE = LAD["evidence"]


@pytest.mark.parametrize(
    ("year", "level"),
    [(1995, 2), (2004, 2), (2005, 3), (2012, 3), (2018, 3), (2019, 4), (2024, 4)],
)
def test_levels(year: int, level: int) -> None:
    assert LEVELS.loc[year, "level"] == level


def test_each_year_has_evidence_for_every_rung() -> None:
    counts = EVIDENCE.groupby("year")["rung"].nunique()
    assert (counts == len(RUNGS)).all()
    met = EVIDENCE[EVIDENCE["met"] == 1]
    assert (met["evidence"] != "").all() and (met["table"] != "").all()


def test_each_rung_is_declared_once_with_its_sources_and_rule() -> None:
    assert [r.level for r in RUNGS] == list(range(1, 9))
    assert SOURCES == {t for r in RUNGS for t in r.sources}
    for r in RUNGS:
        assert (r.rule is None) == (not r.sources), r.name
        tables = set(EVIDENCE.loc[EVIDENCE["rung"] == r.name, "table"])
        assert tables == {", ".join(r.sources) or "none"}, r.name


def test_patrols_and_exercises_cite_the_sourced_table() -> None:
    row = EVIDENCE[(EVIDENCE["year"] == 2019) & (EVIDENCE["rung"] == "joint_patrols")].iloc[0]
    assert row["met"] == 1 and "1st joint strategic air patrol" in row["evidence"]
    first = EVIDENCE[(EVIDENCE["year"] == 2005) & (EVIDENCE["rung"] == "regular_exercises")].iloc[0]
    assert "Peace Mission 2005" in first["evidence"]


def test_defence_pact_unknown_after_atop_ends() -> None:
    pact = EVIDENCE[EVIDENCE["rung"] == "defence_pact"].set_index("year")
    assert pact.loc[2018, "met"] == 0 and pd.isna(pact.loc[2019, "met"])
    assert pact.loc[2019, "evidence"] == "ATOP 5.1 ends in 2018"


def test_partnership_named_level_carried_forward() -> None:
    assert LEVELS.loc[2003, "partnership"] == "strategic cooperative partnership"
    assert LEVELS.loc[2020, "partnership"].startswith(
        "comprehensive strategic partnership of coordination for a new era"
    )


def test_other_pair_says_what_it_lacks() -> None:
    lad = ladder(Triad.parse("IND,RUS", "USA"), start=2019, end=2019)
    patrols = lad["evidence"].query("rung == 'joint_patrols'").iloc[0]
    assert pd.isna(patrols["met"]) and "no exercise/patrol table" in patrols["evidence"]


def test_as_panel_and_cli_alignment_lens(capsys: pytest.CaptureFixture[str]) -> None:
    panel = as_panel(LAD)
    assert set(panel["lens"]) == {"alignment"}
    assert panel.query("indicator == 'ladder_level' and year == 2019")["value"].iloc[0] == 4
    assert main(["indicators", "--lens", "alignment", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "ladder_level" in out and "ladder_joint_patrols" in out


@pytest.mark.parametrize(("start", "end"), [(2099, 2100), (2025, 2025), (1985, 1990), (1800, 1800)])
def test_ladder_values_refuse_years_outside_the_data(capsys, start, end) -> None:
    from balances.cli import main

    argv = ["indicators", "--lens", "alignment", "--values", "--start", str(start)]
    assert main([*argv, "--end", str(end)]) == 2
    err = capsys.readouterr().err
    assert "a year in 1991-2024" in err
