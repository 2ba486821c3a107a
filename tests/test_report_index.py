"""The index page states its finding (issue 13 point 3), from the periods' own summaries."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from balances.reports import load_periods, render_index

TEST_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"

PERIODS = """\
a_1992_1995:
  title: First <b>period</b>
  description: One line.
  start: 1992
  end: 1995
b_1996_1999:
  title: Second
  description: One line.
  start: 1996
  end: 1999
c_2000_2003:
  title: Third
  description: One line.
  start: 2000
  end: 2003
k_1992_2007:
  title: Ko's years
  description: Another spec, not compared with the others.
  start: 1992
  end: 2007
  spec: ko
"""


def _page(tmp_path: Path, summaries: dict[str, tuple[float, ...] | None]) -> str:
    (tmp_path / "p.yml").write_text(
        f"notebooks_dir: {TEST_NOTEBOOKS}\nnotebooks: [ok]\nperiods:\n"
        + textwrap.indent(PERIODS, "  "),
        encoding="utf-8",
    )
    cfg = load_periods(tmp_path / "p.yml")
    summary: list[dict[str, Any]] = [
        {"period": name, "mean": None, "low": None, "high": None, "error": "ValueError: x"}
        if v is None
        else {"period": name, "mean": v[0], "low": v[1], "high": v[2], "error": None}
        | ({"outcome": v[3]} if len(v) > 3 else {})
        for name, v in summaries.items()
    ]
    manifest = {
        "reports": [],
        "balances_version": "0",
        "package_sha256": "0" * 64,
        "periods_file": "p.yml",
        "data": {},
        "run": {"finished": "now"},
        "summary": summary,
    }
    return render_index(cfg, manifest, None, "not drawn")


def _finding(page: str) -> str:
    m = re.search(r'<p class="finding">(.*?)</p>', page, re.S)
    assert m, "no finding paragraph"
    assert page.index('<p class="finding">') < page.index("<p>"), "the finding comes first"
    return " ".join(re.sub(r"<[^>]+>", "", m.group(1)).split())


def test_finding_names_the_weakest_and_strongest_period_of_the_default_spec(
    tmp_path: Path,
) -> None:
    page = _page(
        tmp_path,
        {
            "a_1992_1995": (40.2, 35.0, 45.1),
            "b_1996_1999": (55.0, 50.0, 60.0),
            "c_2000_2003": (70.4, 66.0, 74.9),
            "k_1992_2007": (99.0, 98.0, 99.5),  # spec ko: on another scale, left out
        },
    )
    text = _finding(page)
    assert text.startswith("Finding. Of the 3 periods scored with the default parameters")
    assert "drivers of alignment against the reference power" in text
    assert (
        "weakest in First &lt;b&gt;period&lt;/b&gt; (1992-1995: mean 40, 5-95% band 35-45)" in text
    )
    assert "strongest in Third (2000-2003: mean 70, 5-95% band 66-75)" in text
    assert "do not overlap" in text and "Ko's" not in text


def test_overlapping_bands_are_called_within_the_uncertainty(tmp_path: Path) -> None:
    text = _finding(
        _page(tmp_path, {"a_1992_1995": (50.0, 40.0, 60.0), "b_1996_1999": (55.0, 45.0, 65.0)})
    )
    assert "The two bands overlap: the difference is within the uncertainty" in text


def test_one_scored_period_and_none(tmp_path: Path) -> None:
    text = _finding(_page(tmp_path, {"a_1992_1995": None, "b_1996_1999": (55.0, 45.0, 65.0)}))
    assert text.startswith("Finding. In Second (1996-1999) the mean overall driver score")
    assert "was 55, with a 5-95% band of 45-65." in text
    page = _page(tmp_path, {"a_1992_1995": None})
    assert 'class="finding"' not in page


def test_summary_chart_is_paper_grade(tmp_path: Path) -> None:
    """Issue 13 point 4 on the index chart: one neutral colour for the periods (they are not
    categories), integer years, data-end marks and a source line."""
    import matplotlib.colors as mcolors
    import pandas as pd

    from balances.reports.summary import plot_periods

    (tmp_path / "p.yml").write_text(
        f"notebooks_dir: {TEST_NOTEBOOKS}\nnotebooks: [ok]\nperiods:\n"
        + textwrap.indent(PERIODS, "  "),
        encoding="utf-8",
    )
    periods = list(load_periods(tmp_path / "p.yml").periods.values())
    years = range(1992, 2008)
    table = pd.DataFrame(
        {"year": years, "lens": "overall", "score": 60.0, "low": 50.0, "high": 70.0}
    )
    ends = pd.DataFrame({"source": ["cow_mid_v5"], "last_year": [2001], "indicator": ["x"]})
    ax = plot_periods(table, periods, ends=ends, source="Source: test.")
    bars = [c for c in ax.collections if c.get_gid() == "period-bar"]
    assert len(bars) == len(periods)
    colours = {mcolors.to_hex(c.get_facecolor()[0]) for c in bars}
    assert len(colours) == 1, colours
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert [t.get_text() for t in ax.texts if t.get_gid() == "data-end"] == ["cow_mid_v5 end"]
    notes = [t for t in ax.texts if t.get_gid() == "source-note"]
    assert notes and notes[0].get_text() == "Source: test."
    labels = {t.get_text() for t in ax.texts}
    assert {"a", "b", "c", "k"} <= labels  # the period names, years stripped


def test_finding_sets_the_measured_alignment_beside_the_drivers(tmp_path: Path) -> None:
    """The overall score is the lenses' drivers; what the pair did is the measured outcome."""
    page = _page(
        tmp_path, {"a_1992_1995": (40.0, 35.0, 45.0, 12.4), "b_1996_1999": (70.0, 66.0, 75.0, 30.6)}
    )
    text = _finding(page)
    assert "The measured alignment (what the two states did together, -100 to 100)" in text
    assert "averaged 12 in the first of these periods and 31 in the second." in text
    assert "<th>measured alignment (mean)</th>" in page
