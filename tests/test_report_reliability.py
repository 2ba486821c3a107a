"""The batch-report runner under faults (issue 15): a cached report is always the report its
inputs would produce, a killed or interrupted run leaves nothing wrong behind, titles and user
files reach HTML escaped.

Every test here runs real notebooks, so the periods are short and the draws few.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

TEST_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
PROJECT_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

pytestmark = pytest.mark.slow


def write_periods(path: Path, body: str, notebooks: str = "[ok]", nb_dir: Path = TEST_NOTEBOOKS):
    path.write_text(
        f"notebooks_dir: {nb_dir}\nnotebooks: {notebooks}\nperiods:\n"
        + textwrap.indent(textwrap.dedent(body), "  "),
        encoding="utf-8",
    )
    return path


def two_periods(draws: int) -> str:
    return f"""\
    first_1992_1993:
      title: First
      description: One.
      start: 1992
      end: 1993
      draws: {draws}
    second_1994_1995:
      title: Second
      description: Two.
      start: 1994
      end: 1995
      draws: {draws}
    """


def injected(path: Path) -> dict[str, object]:
    """The parameters papermill injected into an executed notebook."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    ns: dict[str, object] = {}
    exec(cell.source, ns)  # a cell of plain literal assignments (checked by the runner)
    return {k: v for k, v in ns.items() if not k.startswith("__")}


def printed_mean(html: Path) -> float:
    m = re.search(r"mean overall score: (-?\d+\.\d{4})", html.read_text(encoding="utf-8"))
    assert m, f"no score printed in {html}"
    return float(m.group(1))


def expected_mean(start: int, end: int, draws: int, indicators_dir: Path | None = None) -> float:
    from balances import analysis

    # analysis caches the panel per user directory path for the life of a process; a kernel
    # starts fresh, so the expectation must too
    analysis._panel.cache_clear()
    res = analysis.score(start=start, end=end, draws=draws, seed=0, indicators_dir=indicators_dir)
    t = res.table()
    return round(float(t.loc[t["lens"] == "overall", "score"].mean()), 4)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``balances ARGS`` in a process of its own (as a user runs it from a shell)."""
    code = "import sys; from balances.cli import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, timeout: float = 600.0, what: str = "") -> None:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def has_draws(path: Path, draws: int) -> bool:
    try:
        return injected(path).get("draws") == draws
    except Exception:  # not written yet, or being replaced
        return False


# ---------------------------------------------------------------- High 1


def test_killed_run_never_makes_the_next_run_serve_the_wrong_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run at 20 draws; rerun at 60 and SIGKILL it once the first report is written; rerun
    at 20: every report is the 20-draw report, cached or not, and says so."""
    from balances.reports import cache as runner
    from balances.reports import load_periods, run_reports

    pkg = runner.package_hash()  # the tree may be edited meanwhile: not what this is about
    monkeypatch.setattr(runner, "package_hash", lambda: pkg)

    path = write_periods(tmp_path / "p.yml", two_periods(20))
    out = tmp_path / "out"
    run_reports(load_periods(path), out=out, jobs=1, progress=False)
    first = out / "first_1992_1993" / "ok.ipynb"
    assert injected(first)["draws"] == 20

    write_periods(path, two_periods(60))
    proc = cli("report", "--periods", str(path), "--out", str(out), "--jobs", "1")
    try:
        wait_for(lambda: has_draws(first, 60), what="the 60-draw report")
    finally:
        proc.kill()
        proc.wait()

    write_periods(path, two_periods(20))
    result = run_reports(load_periods(path), out=out, jobs=1, progress=False)
    status = {r["period"]: r["status"] for r in result.reports}
    assert status["first_1992_1993"] == "ok", "the 60-draw report was served as cached"
    for name, (start, end) in {
        "first_1992_1993": (1992, 1993),
        "second_1994_1995": (1994, 1995),
    }.items():
        assert injected(out / name / "ok.ipynb")["draws"] == 20
        assert printed_mean(out / name / "ok.html") == expected_mean(start, end, 20)


# ---------------------------------------------------------------- High 2

USER_CSV = (
    "iso3,year,bases\nRUS,1992,1\nCHN,1992,2\nUSA,1992,10\nRUS,1993,4\nCHN,1993,4\nUSA,1993,5\n"
)
USER_YML = """indicators:
  - id: user_bases_ratio
    lens: threat
    title: Focal pair's bases relative to the reference's
    unit: ratio
    level: system
    direction: 1
    concept: a user's own threat measure
    citation: the user's own data
    sources: [my_bases]
    compute:
      op: ratio
      num: {op: sum, table: my_bases, column: bases, states: [focal1, focal2]}
      den: {op: value, table: my_bases, column: bases, state: reference}
"""

ONE = """\
first_1992_1993:
  title: First
  description: One.
  start: 1992
  end: 1993
  draws: 10
"""


def test_cache_key_covers_the_users_indicators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from balances.reports import load_periods, run_reports

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my_bases.csv").write_text(USER_CSV)
    (mine / "mine.yml").write_text(USER_YML)
    path = write_periods(tmp_path / "p.yml", ONE)
    out = tmp_path / "out"
    html = out / "first_1992_1993" / "ok.html"
    monkeypatch.delenv("BALANCES_USER_DIR", raising=False)

    def run() -> str:
        return run_reports(load_periods(path), out=out, jobs=1, progress=False).reports[0]["status"]

    assert run() == "ok"
    builtin = expected_mean(1992, 1993, 10)
    assert printed_mean(html) == builtin

    monkeypatch.setenv("BALANCES_USER_DIR", str(mine))  # the indicator now enters the score
    with_user = expected_mean(1992, 1993, 10, indicators_dir=mine)
    assert with_user != builtin
    assert run() == "ok"
    assert printed_mean(html) == with_user
    assert run() == "cached"

    (mine / "my_bases.csv").write_text(USER_CSV.replace("USA,1993,5", "USA,1993,50"))
    assert run() == "ok", "an edited user table left the report as it was"
    assert printed_mean(html) == expected_mean(1992, 1993, 10, indicators_dir=mine)

    monkeypatch.delenv("BALANCES_USER_DIR")
    assert run() == "ok", "dropping the user's indicators left the stale report"
    assert printed_mean(html) == builtin
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"][0]["user_indicators"] is None


# ---------------------------------------------------------------- High 3

TITLES = {
    "script_1992_1993": "<script>alert(1)</script>",
    "img_1994_1995": "<img src=x onerror=alert(2)>",
}


def test_a_title_cannot_inject_markup_into_the_reports(tmp_path: Path) -> None:
    from balances.reports import load_periods, run_reports

    body = "".join(
        f'{name}:\n  title: "{title}"\n  description: D.\n'
        f"  start: {name[-9:-5]}\n  end: {name[-4:]}\n  draws: 5\n"
        for name, title in TITLES.items()
    )
    path = write_periods(
        tmp_path / "p.yml",
        body,
        notebooks="[alignment_report, ko_comparison]",
        nb_dir=PROJECT_NOTEBOOKS,
    )
    out = tmp_path / "out"
    result = run_reports(load_periods(path), out=out, jobs=2, progress=False)
    assert not result.failed, [r["error"] for r in result.failed]
    for name, title in TITLES.items():
        for nb in ("alignment_report", "ko_comparison"):
            page = (out / name / f"{nb}.html").read_text(encoding="utf-8")
            assert title not in page, f"{name}/{nb}: the title reached the page as markup"
            assert "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
            escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert escaped in page, f"{name}/{nb}: the title is not shown"
            check_finding_and_provenance(page, nb, int(name[-9:-5]), int(name[-4:]))


def check_finding_and_provenance(page: str, nb: str, start: int, end: int) -> None:
    """Issue 13 points 3 and 5: the report opens with its finding and ends with its provenance."""
    from balances import __version__
    from balances.reports import data_hashes

    lead = page.index('<p class="finding"><b>Finding.</b> ')
    first_section = page.index("Lens scores" if nb == "alignment_report" else "Claims and verdicts")
    assert lead < first_section, "the finding does not open the report"
    finding = page[lead : page.index("</p>", lead)]
    if nb == "alignment_report":
        assert "Measured alignment of RUS-CHN vs USA (what the states did together" in finding
        assert "The overall driver score of RUS-CHN vs USA (the three lenses, 0-100)" in finding
        assert re.search(rf"from \d+ in {start} to \d+ in {end}", finding), finding
        assert "bands" in finding and "lens moved most" in finding
    else:
        assert f"of Ko's claims bear on {start}-{end}" in finding or "None of Ko" in finding
    prov = page[page.index("Provenance</h2>") :]
    assert f"balances {__version__}, commit <code>" in prov
    for key in ("focal", "draws", "seed", "period_name"):
        assert f"{key} = <code>" in prov
    assert any(digest[:16] in prov for digest in data_hashes().values())
    assert "Sources (cite these with the package)" in prov and "Voeten" in prov
