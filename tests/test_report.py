"""The batch-report runner: strict periods file, papermill runs, caching, fault isolation, index."""

from __future__ import annotations

import json
import shutil
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from balances import reports as report
from balances.cli import main
from balances.errors import ParameterError, RegistryError
from balances.io import sha256
from balances.reports import cache, check_parameters_cell, load_periods, run_reports

TEST_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
INJECTION = "x'); import os; ('"


def write_periods(
    path: Path, body: str, *, notebooks_dir: Path = TEST_NOTEBOOKS, notebooks: str = "[ok]"
) -> Path:
    """A periods file with the test notebooks folder and ``body`` as its ``periods:`` block."""
    path.write_text(
        f"notebooks_dir: {notebooks_dir}\nnotebooks: {notebooks}\nperiods:\n"
        + textwrap.indent(textwrap.dedent(body), "  "),
        encoding="utf-8",
    )
    return path


GOOD = """\
a_1992_1995:
  title: First
  description: One line.
  start: 1992
  end: 1995
"""


@pytest.fixture
def frozen_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the package and data hashes: the tree may be edited while the tests run, and the
    caching tests are about the runner, not about those edits (tested on their own below)."""
    pkg, data = cache.package_hash(), cache.data_hashes()
    monkeypatch.setattr(cache, "package_hash", lambda: pkg)
    monkeypatch.setattr(cache, "data_hashes", lambda directory=None: dict(data))


def overall_mean(start: int, end: int, **kw: object) -> float:
    """What the package computes for a period: the mean overall score, as the test notebook."""
    from balances.analysis import score

    res = score(start=start, end=end, draws=1000, seed=0, **kw)
    table = res.table()
    return float(table.loc[table["lens"] == "overall", "score"].mean())


# ---------------------------------------------------------------- the periods file


def test_good_file_loads(tmp_path: Path) -> None:
    cfg = load_periods(write_periods(tmp_path / "p.yml", GOOD))
    p = cfg.periods["a_1992_1995"]
    assert p.parameters() == {
        "focal": "RUS,CHN",
        "reference": "USA",
        "start": 1992,
        "end": 1995,
        "spec": "default",
        "draws": 1000,
        "seed": 0,
        "period_name": "a_1992_1995",
        "period_title": "First",
    }
    assert cfg.notebooks_dir == TEST_NOTEBOOKS
    assert cfg.select(["a_1992_1995"]) == [p]


def test_notebooks_dir_argument_wins(tmp_path: Path) -> None:
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", nbs / "ok.ipynb")
    path = write_periods(tmp_path / "p.yml", GOOD, notebooks_dir=tmp_path / "missing")
    assert load_periods(path, notebooks_dir=nbs).notebooks_dir == nbs.resolve()


def test_notebooks_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "nbs").mkdir()
    shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", tmp_path / "nbs" / "ok.ipynb")
    sub = tmp_path / "params"
    sub.mkdir()
    path = write_periods(sub / "p.yml", GOOD, notebooks_dir=Path("../nbs"))
    assert load_periods(path).notebooks_dir == (tmp_path / "nbs").resolve()


def test_shipped_periods_file(tmp_path: Path) -> None:
    """The project's periods file declares the periods of the issue and validates."""
    real = report.DEFAULT_NOTEBOOKS_DIR
    if all((real / f"{nb}.ipynb").is_file() for nb in report.DEFAULT_NOTEBOOKS):
        nb_dir = real
    else:  # until the real notebooks land, stand-ins with the same parameters cell
        nb_dir = tmp_path
        for nb in report.DEFAULT_NOTEBOOKS:
            shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", tmp_path / f"{nb}.ipynb")
    cfg = load_periods(report.DEFAULT_PERIODS_FILE, notebooks_dir=nb_dir)
    expected = {
        "kozyrev_1992_1995",
        "primakov_1996_1999",
        "putin_first_term_2000_2003",
        "balancing_turn_2003_2007",
        "reset_2008_2011",
        "crimea_2012_2017",
        "recent_2018_2024",
        "ko_span_1992_2007",
        "whole_series_1992_2024",
    }
    assert expected <= set(cfg.periods)
    for name, p in cfg.periods.items():
        years = name.rsplit("_", 2)[-2:]
        assert [p.start, p.end] == [int(y) for y in years], name
        assert p.notebooks == report.DEFAULT_NOTEBOOKS
    assert cfg.defaults == {
        "focal": "RUS,CHN",
        "reference": "USA",
        "spec": "default",
        "draws": 1000,
        "seed": 0,
    }


BAD_PERIODS = {
    "dotdot": (
        "../x:\n  title: T\n  description: D\n  start: 1992\n  end: 1995\n",
        ["period name '../x' is not allowed", "folders under --out", "no '/'"],
    ),
    "absolute": (
        "/etc/x:\n  title: T\n  description: D\n  start: 1992\n  end: 1995\n",
        ["period name '/etc/x' is not allowed"],
    ),
    "dot": (
        "a.b:\n  title: T\n  description: D\n  start: 1992\n  end: 1995\n",
        ["period name 'a.b' is not allowed"],
    ),
    "upper": (
        "Kozyrev:\n  title: T\n  description: D\n  start: 1992\n  end: 1995\n",
        ["period name 'Kozyrev' is not allowed"],
    ),
    "unknown_key": (
        GOOD + "  colour: red\n",
        ["period 'a_1992_1995'", "unknown key 'colour'", "allowed keys: title, description"],
    ),
    "missing_title": (
        "a:\n  description: D\n  start: 1992\n  end: 1995\n",
        ["period 'a'", "missing key 'title'"],
    ),
    "start_after_end": (
        "a:\n  title: T\n  description: D\n  start: 1999\n  end: 1995\n",
        ["period 'a'", "parameter 'start'", "1999", "not after end=1995"],
    ),
    "before_panel": (
        "a:\n  title: T\n  description: D\n  start: 1980\n  end: 1995\n",
        ["period 'a'", "parameter 'start'", "1980", "a year in 1991-2024"],
    ),
    "year_as_text": (
        "a:\n  title: T\n  description: D\n  start: '1992'\n  end: 1995\n",
        ["period 'a'", "parameter 'start'", "valid integer"],
    ),
    "unknown_country": (
        GOOD + "  focal: RUS,XXX\n",
        ["period 'a_1992_1995'", "parameter 'focal'", "'XXX'", "ISO3 code"],
    ),
    "unknown_reference": (
        GOOD + "  reference: ZZZ\n",
        ["period 'a_1992_1995'", "parameter 'reference'", "'ZZZ'"],
    ),
    "same_country": (GOOD + "  focal: RUS,USA\n", ["parameter 'focal'", "three different states"]),
    "unknown_preset": (
        GOOD + "  spec: nonexistent\n",
        [
            "period 'a_1992_1995'",
            "parameter 'spec'",
            "'nonexistent'",
            "preset among",
            "'default'",
            "'ko'",
        ],
    ),
    "spec_path": (GOOD + "  spec: ../spec.yml\n", ["parameter 'spec'", "preset among"]),
    "negative_draws": (GOOD + "  draws: -1\n", ["parameter 'draws'", "-1", "an integer in 0-"]),
    "bool_draws": (GOOD + "  draws: true\n", ["parameter 'draws'", "True"]),
    "float_seed": (GOOD + "  seed: 1.5\n", ["parameter 'seed'", "1.5"]),
    "unknown_notebook": (
        GOOD + "  notebooks: [nope]\n",
        ["period 'a_1992_1995'", "notebook 'nope' not found", "'fail'", "'ok'"],
    ),
    "notebook_path": (GOOD + "  notebooks: [../ok]\n", ["parameter 'notebooks'", "'../ok'"]),
    "inject_focal": (
        GOOD + f'  focal: "{INJECTION}"\n',
        ["period 'a_1992_1995'", "parameter 'focal'", "import os", "RUS,CHN"],
    ),
    "inject_reference": (GOOD + f'  reference: "{INJECTION}"\n', ["parameter 'reference'"]),
    "inject_spec": (GOOD + f'  spec: "{INJECTION}"\n', ["parameter 'spec'"]),
    "inject_title_newline": (
        "a:\n  title: \"x\\n__import__('os').system('id')\"\n"
        "  description: D\n  start: 1992\n  end: 1995\n",
        ["period 'a'", "parameter 'title'", "one line of text"],
    ),
    "inject_title_backslash": (
        "a:\n  title: \"x\\\\'); import os; ('\"\n  description: D\n  start: 1992\n  end: 1995\n",
        ["period 'a'", "parameter 'title'", "without backslashes"],
    ),
    "duplicate_period": (GOOD + GOOD, ["not valid YAML", "duplicate key 'a_1992_1995'"]),
}


@pytest.mark.parametrize("case", sorted(BAD_PERIODS))
def test_bad_periods_are_rejected_with_a_clear_message(tmp_path: Path, case: str) -> None:
    body, fragments = BAD_PERIODS[case]
    path = write_periods(tmp_path / "periods.yml", body)
    with pytest.raises(RegistryError) as info:
        load_periods(path)
    msg = str(info.value)
    assert str(path) in msg
    for fragment in fragments:
        assert fragment in msg, (fragment, msg)


@pytest.mark.parametrize(
    ("top", "fragments"),
    [
        ("bogus: 1\n", ["unknown key 'bogus'", "allowed keys: notebooks_dir, defaults, notebooks"]),
        ("defaults:\n  focal: RUS;CHN\n", ["defaults, parameter 'focal'", "RUS,CHN"]),
        ("defaults:\n  reference: XXX\n", ["defaults, parameter 'reference'", "'XXX'"]),
        ("defaults:\n  colour: red\n", ["defaults: unknown key 'colour'"]),
    ],
)
def test_bad_top_level_is_rejected(tmp_path: Path, top: str, fragments: list[str]) -> None:
    path = tmp_path / "periods.yml"
    write_periods(path, GOOD)
    path.write_text(top + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_periods(path)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_notebook_without_the_parameters_is_rejected(tmp_path: Path) -> None:
    nb = nbformat.read(TEST_NOTEBOOKS / "ok.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = 'focal = "RUS,CHN"\nstart = 1992'
    nbformat.write(nb, tmp_path / "ok.ipynb")
    path = write_periods(tmp_path / "p.yml", GOOD, notebooks_dir=tmp_path)
    with pytest.raises(
        RegistryError,
        match=r"ok\.ipynb: the cell tagged 'parameters' does not "
        r"declare reference, end, spec, draws, seed",
    ):
        load_periods(path)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="periods file not found"):
        load_periods(tmp_path / "nope.yml")


def test_title_with_quotes_reaches_the_notebook_as_a_literal() -> None:
    params = {"period_title": 'Ko\'s "balancing" turn ' + INJECTION, "start": 1992}
    code = check_parameters_cell(params)
    ns: dict[str, object] = {}
    exec(compile(code, "<parameters>", "exec"), ns)  # what the kernel would run
    assert ns["period_title"] == params["period_title"]
    assert "os" not in ns


def test_injection_through_a_broken_translator_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """If papermill ever wrote strings unescaped, the parsed-back check stops the run."""
    from papermill.translators import PythonTranslator

    monkeypatch.setattr(PythonTranslator, "translate_str", classmethod(lambda cls, v: f"'{v}'"))
    with pytest.raises(RegistryError, match="refusing to run it"):
        check_parameters_cell({"period_title": INJECTION})
    with pytest.raises(RegistryError, match="refusing to run it"):
        check_parameters_cell({"period_title": "x'; import os; y='"})


def test_a_hand_built_job_is_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from papermill.translators import PythonTranslator

    monkeypatch.setattr(PythonTranslator, "translate_str", classmethod(lambda cls, v: f"'{v}'"))
    job = report.Job(
        period="a",
        notebook="ok",
        source=str(TEST_NOTEBOOKS / "ok.ipynb"),
        parameters={"period_title": INJECTION},
        out_dir=str(tmp_path / "a"),
        cwd=str(TEST_NOTEBOOKS),
    )
    result = report.run_job(job)
    assert result["status"] == "failed" and result["error"]["ename"] == "RegistryError"
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("value", [1.5, True, None, [1], {"a": 1}])
def test_only_int_and_str_parameters(value: object) -> None:
    with pytest.raises(RegistryError, match="expected an int or a string"):
        check_parameters_cell({"seed": value})


def test_unknown_only_names_the_allowed(tmp_path: Path) -> None:
    cfg = load_periods(write_periods(tmp_path / "p.yml", GOOD))
    with pytest.raises(
        ParameterError, match=r"'only' = 'nope'.*period names declared in .*a_1992_1995"
    ):
        run_reports(cfg, only=["nope"], out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"jobs": 0}, "jobs"),
        ({"executor": "dask"}, "scheduler"),
        ({"scheduler": "tcp://127.0.0.1:1"}, "scheduler"),
        ({"executor": "ray"}, "executor"),
    ],
)
def test_bad_run_options(tmp_path: Path, kw: dict, param: str) -> None:
    cfg = load_periods(write_periods(tmp_path / "p.yml", GOOD))
    with pytest.raises(ParameterError, match=f"parameter '{param}'"):
        run_reports(cfg, out=tmp_path / "out", progress=False, **kw)


def test_cli_bad_parameters_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_periods(tmp_path / "p.yml", GOOD + "  spec: nonexistent\n")
    assert main(["report", "--periods", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "parameter 'spec'" in err and "preset among" in err
    good = write_periods(tmp_path / "g.yml", GOOD)
    assert main(["report", "--periods", str(good), "--only", "zzz", "--out", str(tmp_path)]) == 2
    assert "a_1992_1995" in capsys.readouterr().err


def test_package_hash_covers_the_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.yml").write_text("k: v\n")
    (pkg / "notes.txt").write_text("ignored\n")
    monkeypatch.setattr(cache, "PACKAGE_DIR", pkg)
    first = report.package_hash()
    assert len(first) == 64 and report.package_hash() == first
    (pkg / "notes.txt").write_text("still ignored\n")
    assert report.package_hash() == first
    (pkg / "sub" / "b.yml").write_text("k: w\n")
    assert report.package_hash() != first


def test_cache_key_changes_with_each_input() -> None:
    base = {
        "notebook_sha256": "n",
        "parameters": {"start": 1992},
        "package_version": "0.1.0",
        "package_sha256": "p",
        "data": {"nmc": "d"},
        "with_input": False,
    }
    key = report.cache_key(base)
    for k, v in [
        ("notebook_sha256", "m"),
        ("parameters", {"start": 1993}),
        ("package_version", "0.2"),
        ("package_sha256", "q"),
        ("data", {"nmc": "e"}),
        ("with_input", True),
        ("user_indicators", {"dir": "/u", "files": {"a.csv": "h"}, "plugins": {}}),
    ]:
        assert report.cache_key({**base, k: v}) != key, k


def test_index_escapes_everything(tmp_path: Path) -> None:
    """No text from the periods file, the data or an error reaches the page unescaped."""
    body = (
        "x:\n  title: <script>alert(1)</script>\n"
        '  description: a <b>bold</b> & "quoted" claim\n  start: 1992\n  end: 1995\n'
    )
    cfg = load_periods(write_periods(tmp_path / "p.yml", body))
    rec = {
        "period": "x",
        "notebook": "ok",
        "status": "failed",
        "duration_s": 1.0,
        "error": {"ename": "ValueError", "evalue": "<img src=x onerror=alert(2)>"},
        "html": "x/ok.html",
        "ipynb": "x/ok.ipynb",
        "failed_ipynb": "x/ok.failed.ipynb",
    }
    manifest = {
        "reports": [rec],
        "balances_version": "0",
        "package_sha256": "0" * 64,
        "periods_file": "<p>.yml",
        "data": {"<t>": "<h>"},
        "run": {"finished": "<now>"},
        "summary": [
            {
                "period": "x",
                "mean": None,
                "low": None,
                "high": None,
                "error": "ParameterError: <svg onload=alert(3)>",
            }
        ],
    }
    page = report.render_index(cfg, manifest, None, "<iframe>")
    for raw in (
        "<script>",
        "<b>bold</b>",
        "<img src=x",
        "<svg",
        "<iframe>",
        "<t>",
        "<h>",
        "<p>.yml",
        "<now>",
    ):
        assert raw not in page, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert 'href="x/ok.failed.ipynb"' in page


# ---------------------------------------------------------------- running notebooks

TWO = """\
kozyrev_1992_1995:
  title: <script>alert(1)</script>
  description: Kozyrev's course & the West.
  start: 1992
  end: 1995
primakov_1996_1999:
  title: Primakov's Eurasianism
  description: Multipolarity.
  start: 1996
  end: 1999
  draws: 200
  seed: 7
"""


@pytest.mark.slow
def test_two_periods_produce_reports_index_and_manifest(
    tmp_path: Path, frozen_inputs: None
) -> None:
    cfg = load_periods(write_periods(tmp_path / "p.yml", TWO))
    out = tmp_path / "out"
    result = run_reports(cfg, out=out, jobs=2, progress=False)
    assert [r["status"] for r in result.reports] == ["ok", "ok"]
    assert not result.failed

    for name, (start, end, draws, seed) in {
        "kozyrev_1992_1995": (1992, 1995, 1000, 0),
        "primakov_1996_1999": (1996, 1999, 200, 7),
    }.items():
        page = (out / name / "ok.html").read_text(encoding="utf-8")
        executed = nbformat.read(out / name / "ok.ipynb", as_version=4)
        from balances.analysis import score

        res = score(start=start, end=end, draws=draws, seed=seed)
        t = res.table().query("lens == 'overall'")
        expected = float(t["score"].mean())
        assert f"mean overall score: {expected:.4f}" in page
        assert f"period: {name} ({start}-{end})" in page
        assert "balances.analysis" not in page  # code hidden by default
        injected = next(
            c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])
        )
        assert f"seed = {seed}" in injected.source
        summary = next(s for s in result.manifest["summary"] if s["period"] == name)
        assert summary["mean"] == pytest.approx(expected, abs=1e-6)
        from balances.analysis import period_summary

        row = period_summary(res).set_index("lens").loc["overall"]
        # the period's band: from the draws of the period mean, holding the mean
        assert summary["low"] == pytest.approx(float(row["mean_low"]), abs=1e-6)
        assert summary["low"] <= summary["mean"] <= summary["high"]
        assert summary["error"] is None

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rec = manifest["reports"][0]
    assert rec["period"] == "kozyrev_1992_1995" and rec["notebook"] == "ok"
    assert rec["parameters"]["start"] == 1992
    assert rec["parameters"]["period_title"] == "<script>alert(1)</script>"
    from balances.scoring import PRESETS

    assert rec["spec_digest"] == PRESETS["default"].digest()
    assert rec["data"] == report.data_hashes() and "nmc" in rec["data"]
    assert rec["package_version"] == manifest["balances_version"]
    assert rec["notebook_sha256"] == sha256(TEST_NOTEBOOKS / "ok.ipynb")
    assert rec["status"] == "ok" and rec["error"] is None and rec["duration_s"] > 0
    assert rec["started"] <= rec["finished"]

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "<script>" not in index
    assert "Primakov&#39;s Eurasianism" in index  # escaped (jinja2 writes &#39;)
    assert 'href="kozyrev_1992_1995/ok.html"' in index
    assert "data:image/png;base64," in index
    mean = next(s["mean"] for s in manifest["summary"] if s["period"] == "kozyrev_1992_1995")
    assert f"{mean:.2f}" in index
    assert not list(out.rglob("*.tmp")), "temporary files left behind"


@pytest.mark.slow
def test_failing_report_is_isolated_and_keeps_the_last_good_one(
    tmp_path: Path, frozen_inputs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", nbs / "ok.ipynb")
    shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", nbs / "flaky.ipynb")
    body = TWO + "  notebooks: [flaky]\n"
    path = write_periods(tmp_path / "p.yml", body, notebooks_dir=nbs)
    out = tmp_path / "out"
    args = ["report", "--periods", str(path), "--out", str(out), "--jobs", "2"]
    rc, printed = main(args), capsys.readouterr()
    assert rc == 0, printed.out + printed.err
    good_html = (out / "primakov_1996_1999" / "flaky.html").read_bytes()
    good_ipynb = (out / "primakov_1996_1999" / "flaky.ipynb").read_bytes()

    shutil.copy(TEST_NOTEBOOKS / "fail.ipynb", nbs / "flaky.ipynb")  # now it raises
    rc, printed = main(args), capsys.readouterr()
    assert rc == 1, printed.out + printed.err
    assert "failed  primakov_1996_1999/flaky" in printed.out
    assert "cached  kozyrev_1992_1995/ok" in printed.out

    assert (out / "primakov_1996_1999" / "flaky.html").read_bytes() == good_html
    assert (out / "primakov_1996_1999" / "flaky.ipynb").read_bytes() == good_ipynb
    failed = nbformat.read(out / "primakov_1996_1999" / "flaky.failed.ipynb", as_version=4)
    outputs = [o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("ename") == "RuntimeError" for o in outputs)  # partially executed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    status = {(r["period"], r["notebook"]): r for r in manifest["reports"]}
    assert status[("kozyrev_1992_1995", "ok")]["status"] == "cached"
    bad = status[("primakov_1996_1999", "flaky")]
    assert bad["status"] == "failed"
    assert bad["error"] == {
        "ename": "RuntimeError",
        "evalue": "deliberate failure <b>&</b> in primakov_1996_1999",
    }
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "deliberate failure &lt;b&gt;&amp;&lt;/b&gt; in primakov_1996_1999" in index
    assert "<b>&</b>" not in index
    assert 'href="primakov_1996_1999/flaky.failed.ipynb"' in index
    assert 'href="primakov_1996_1999/flaky.html">last good report' in index

    shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", nbs / "flaky.ipynb")  # fixed again
    rc, printed = main(args), capsys.readouterr()
    assert rc == 0, printed.out + printed.err
    assert not (out / "primakov_1996_1999" / "flaky.failed.ipynb").exists()


@pytest.mark.slow
def test_caching_force_and_with_input(tmp_path: Path, frozen_inputs: None) -> None:
    path = write_periods(tmp_path / "p.yml", TWO)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    first = run_reports(load_periods(path), out=out, jobs=2, progress=False)
    cold = time.perf_counter() - t0
    html = out / "kozyrev_1992_1995" / "ok.html"
    stamp = html.stat().st_mtime_ns

    t0 = time.perf_counter()
    second = run_reports(load_periods(path), out=out, jobs=2, progress=False)
    warm = time.perf_counter() - t0
    assert [r["status"] for r in second.reports] == ["cached", "cached"]
    assert [r["duration_s"] for r in second.reports] == [r["duration_s"] for r in first.reports]
    assert [r["started"] for r in second.reports] == [r["started"] for r in first.reports]
    assert html.stat().st_mtime_ns == stamp
    assert warm < cold

    forced = run_reports(load_periods(path), out=out, jobs=2, force=True, progress=False)
    assert [r["status"] for r in forced.reports] == ["ok", "ok"]
    assert [r["reason"] for r in forced.reports] == ["forced", "forced"]
    assert html.stat().st_mtime_ns != stamp

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("seed: 7", "seed: 8"), encoding="utf-8")
    changed = run_reports(load_periods(path), out=out, jobs=1, progress=False)
    assert [r["status"] for r in changed.reports] == ["cached", "ok"]
    assert changed.reports[1]["reason"] == "parameters changed"

    only = run_reports(
        load_periods(path), out=out, only=["kozyrev_1992_1995"], with_input=True, progress=False
    )
    assert [r["status"] for r in only.reports] == ["ok"]
    assert "balances.analysis" in html.read_text(encoding="utf-8")  # code kept
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {r["period"] for r in manifest["reports"]} == {"kozyrev_1992_1995", "primakov_1996_1999"}


@pytest.mark.slow
def test_dask_executor_on_a_local_cluster(tmp_path: Path, frozen_inputs: None) -> None:
    distributed = pytest.importorskip("distributed")
    cfg = load_periods(write_periods(tmp_path / "p.yml", TWO))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = run_reports(
            cfg,
            out=tmp_path / "out",
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert [r["status"] for r in result.reports] == ["ok", "ok"]
    expected = overall_mean(1992, 1995)
    page = (tmp_path / "out" / "kozyrev_1992_1995" / "ok.html").read_text(encoding="utf-8")
    assert f"mean overall score: {expected:.4f}" in page
    assert result.manifest["run"]["executor"] == "dask"
