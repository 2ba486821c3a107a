"""The report notebooks: twins in sync, no committed outputs, and executed outputs equal the package's numbers."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
import pytest

from balances.analysis import period_summary, score
from balances.config import PROJECT_DIR
from balances.ko import claims_in_period, evaluate_claims
from balances.params import RunParams
from balances.reports import load_periods
from balances.reports.execution import export_html
from balances.reports.periods import DEFAULT_NOTEBOOKS, DEFAULT_PERIODS_FILE
from balances.reports.safety import PARAMETER_NAMES

NOTEBOOKS = sorted((PROJECT_DIR / "notebooks").glob("*.ipynb"))
PARAMETERS = {"focal", "reference", "start", "end", "draws", "seed"}
#: The notebooks `balances report` runs (explore.ipynb is the interactive explorer, tested in
#: test_explore.py).
REPORT_NOTEBOOKS = [PROJECT_DIR / "notebooks" / f"{name}.ipynb" for name in DEFAULT_NOTEBOOKS]


def _stdout(nb: nbformat.NotebookNode) -> str:
    return "".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


class _FirstParagraph(HTMLParser):
    """The class and text of the first ``<p>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.cls: str | None = None
        self.text = ""
        self._state = "before"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and self._state == "before":
            self.cls, self._state = dict(attrs).get("class") or "", "in"

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._state == "in":
            self._state = "after"

    def handle_data(self, data: str) -> None:
        if self._state == "in":
            self.text += data


def _first_paragraph(nb: nbformat.NotebookNode) -> tuple[str | None, str]:
    """The first paragraph of the report page made from an executed notebook, as published."""
    parser = _FirstParagraph()
    parser.feed(export_html(nb))
    return parser.cls, " ".join(parser.text.split())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_twin_in_sync_and_no_outputs(path: Path) -> None:
    nb = jupytext.read(path)
    twin = jupytext.read(path.with_suffix(".py"))
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        (c.cell_type, c.source) for c in twin.cells
    ]
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell(path: Path) -> None:
    params = pm.inspect_notebook(str(path))
    assert PARAMETERS <= set(params)
    tagged = [c for c in jupytext.read(path).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_typed_documented_and_the_run_defaults(path: Path) -> None:
    """`papermill --help-notebook` shows a type and a help line for every parameter, and the
    declared defaults are RunParams' (the period's labels: a period of the shipped file)."""
    params = pm.inspect_notebook(str(path))
    assert list(params) == list(PARAMETER_NAMES)
    defaults = RunParams()
    for name, p in params.items():
        value = ast.literal_eval(p["default"])
        assert p["inferred_type_name"] not in (None, "None"), f"{name}: Unknown type"
        assert p["inferred_type_name"] == type(value).__name__, name
        assert p["help"].strip(), f"{name}: no help comment"
        if name in RunParams.model_fields:
            assert value == getattr(defaults, name), name
    period = load_periods(DEFAULT_PERIODS_FILE).periods[
        ast.literal_eval(params["period_name"]["default"])
    ]
    assert (period.title, period.start, period.end) == (
        ast.literal_eval(params["period_title"]["default"]),
        defaults.start,
        defaults.end,
    )


@pytest.mark.slow
def test_alignment_report_prints_the_package_numbers(tmp_path: Path) -> None:
    out = tmp_path / "ar.ipynb"
    pm.execute_notebook(
        str(PROJECT_DIR / "notebooks" / "alignment_report.ipynb"),
        str(out),
        parameters={"start": 2003, "end": 2005, "draws": 200, "seed": 3},
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    text = _stdout(executed)
    # the page opens with the finding, from the period's own numbers (issue 13 point 3)
    cls, lead = _first_paragraph(executed)
    assert cls == "finding" and lead.startswith("Finding. Measured alignment of "), lead
    m = re.search(r"Mean overall driver score 2003-2005: ([\d.]+) \(band ([\d.]+)-([\d.]+)\)", text)
    assert m, text
    expected = (
        period_summary(score(start=2003, end=2005, draws=200, seed=3))
        .set_index("lens")
        .loc["overall"]
    )
    assert float(m.group(1)) == pytest.approx(expected["mean"], abs=0.05)
    assert float(m.group(2)) == pytest.approx(expected["mean_low"], abs=0.05)
    assert float(m.group(3)) == pytest.approx(expected["mean_high"], abs=0.05)
    assert "Share of indicator-years missing in 2003-2005" in text


@pytest.mark.slow
def test_ko_comparison_prints_the_package_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "ko.ipynb"
    pm.execute_notebook(
        str(PROJECT_DIR / "notebooks" / "ko_comparison.ipynb"),
        str(out),
        parameters={"start": 2001, "end": 2002, "draws": 100},
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    text = _stdout(executed)
    claims = claims_in_period(evaluate_claims(), 2001, 2002)
    counts = claims["verdict"].value_counts()
    cls, lead = _first_paragraph(executed)
    assert cls == "finding" and lead.startswith(f"Finding. {len(claims)} of Ko's claims bear on"), (
        lead
    )
    assert (
        f"Ko claims bearing on 2001-2002: {len(claims)} (supported {counts.get('supported', 0)}, "
        f"contradicted {counts.get('contradicted', 0)}"
    ) in text
    assert "sup-F break year" in text


@pytest.mark.slow
def test_bad_parameter_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(pm.PapermillExecutionError, match="parameter 'start' = 2010 is not allowed"):
        pm.execute_notebook(
            str(PROJECT_DIR / "notebooks" / "alignment_report.ipynb"),
            str(tmp_path / "x.ipynb"),
            parameters={"start": 2010, "end": 2005},
            progress_bar=False,
        )
