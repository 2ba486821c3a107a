"""What a report states about itself (issue 13 points 3 and 5): its finding, generated from its
own numbers, and its provenance; and that every text it displays is escaped (issue 15 High 3)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from balances import __version__
from balances.config import processed_dir
from balances.reports.notebook import (
    alignment_finding,
    finding,
    heading,
    ko_finding,
    provenance,
    provenance_record,
    tables_used,
)


@pytest.fixture(scope="module")
def result():
    from balances.analysis import score

    return score(start=2003, end=2007, draws=50, seed=1)


def test_alignment_finding_states_the_periods_own_numbers(result) -> None:
    text = alignment_finding(result)
    t = result.table()
    overall = t[t["lens"] == "overall"].set_index("year")
    a, b = overall.loc[2003], overall.loc[2007]
    out = t[t["lens"] == "alignment"].set_index("year")["score"]
    assert text.startswith(
        "Measured alignment of RUS-CHN vs USA (what the states did together, -100 to 100) "
        f"went from {out[2003]:.0f} in 2003 to {out[2007]:.0f} in 2007"
    )
    assert "The overall driver score of RUS-CHN vs USA (the three lenses, 0-100) " in text
    assert f"from {a['score']:.0f} in 2003 to {b['score']:.0f} in 2007" in text
    change = round(b["score"]) - round(a["score"])  # the numbers the sentence shows
    word = "rose" if change > 0 else "fell" if change < 0 else "stayed level"
    assert word in text
    if change:
        assert f"({change:+d} point" in text
    assert f"mean over the period is {overall['score'].mean():.0f}." in text
    overlap = not (b["low"] > a["high"] or b["high"] < a["low"])
    assert ("overlap." in text) == overlap and ("do not overlap" in text) == (not overlap)
    moves = {lens: t[t["lens"] == lens].set_index("year")["score"] for lens in ("power", "threat")}
    moves["interests"] = t[t["lens"] == "interests"].set_index("year")["score"]
    top = max(moves, key=lambda k: abs(moves[k][2007] - moves[k][2003]))
    assert f"The {top} lens moved most" in text
    # the outcome, the drivers, their certainty, the lens
    assert 3 <= text.count(". ") + 1 <= 4, text


def test_alignment_finding_reports_the_ladder(result) -> None:
    levels = pd.DataFrame({"year": [2003, 2007], "level": [2, 4]})
    text = alignment_finding(result, levels, ["none", "a", "b", "c", "d"])
    assert (
        "ladder of military alignment stood at level 4 (d) in 2007, against level 2 (b) in 2003"
        in text
    )


def test_ko_finding_counts_the_verdicts() -> None:
    claims = pd.DataFrame({"verdict": ["supported", "supported", "contradicted", "inconclusive"]})
    text = ko_finding(claims, 1996, 1999)
    assert text.startswith("4 of Ko's claims bear on 1996-1999: the data support 2, contradict 1")
    assert "mostly bears Ko's reading out" in text
    assert ko_finding(claims.iloc[:0], 1996, 1999) == "None of Ko's claims bears on 1996-1999."


def test_provenance_names_parameters_version_tables_sources_and_date(result) -> None:
    params = {"focal": "RUS,CHN", "draws": 50, "seed": 1}
    used = tables_used(result)
    assert {"nmc", "unga_similarity"} & used
    rec = provenance_record(params, used)
    prov = json.loads((processed_dir() / "provenance.json").read_text(encoding="utf-8"))
    assert rec["parameters"] == params and rec["balances_version"] == __version__
    assert rec["tables"] == {t: prov[t]["sha256"] for t in sorted(used)}
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|not a git checkout", rec["commit"])
    assert rec["sources"] and all(s["citation"] for s in rec["sources"].values())
    assert rec["generated"][:10] == datetime.now(UTC).date().isoformat()
    page = provenance(params, used)._repr_html_()
    assert "seed = <code>1</code>" in page and rec["package_sha256"][:16] in page


@pytest.mark.parametrize(
    "title", ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[x](javascript:y)"]
)
def test_displayed_text_is_escaped(title: str) -> None:
    page = heading(title, 1992, 1995, subtitle=title)._repr_html_() + finding(title)._repr_html_()
    assert "<script" not in page and "<img" not in page
    assert "&lt;" in page or "javascript" in page  # markdown is not interpreted either
    assert "<a " not in page
