"""Fault injection on the report runner (issue 15): killed workers, a killed or interrupted run,
time limits, corrupt outputs, two runs into one folder, and the non-terminal log.

The notebook used here does no scoring: it records its kernel's and worker's PIDs, prints its
parameters and sleeps as long as its title says, so the faults land where the tests want them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from _checks import tiny_notebook

from balances.errors import ParameterError
from balances.reports import cache, load_periods, run_reports
from balances.reports.run import INDEX_FILE, MANIFEST_FILE

pytestmark = pytest.mark.slow

BODY = """import json, os, pathlib, time
pathlib.Path("pids").mkdir(exist_ok=True)
pathlib.Path("pids", period_name + ".json").write_text(
    json.dumps({"kernel": os.getpid(), "worker": os.getppid()})
)
print(f"period: {period_name} draws={draws} seed={seed}")
last = period_title.split()[-1]
time.sleep(float(last) if last.replace(".", "", 1).isdigit() else 0)
print("done")
"""


def sleepy_notebooks(folder: Path) -> Path:
    """A folder with ``sleepy.ipynb`` (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    tiny_notebook(folder / "sleepy.ipynb", BODY)
    return folder


def periods_file(path: Path, nb_dir: Path, sleeps: dict[str, float], draws: int = 10) -> Path:
    body = "".join(
        f"{name}:\n  title: sleeps {secs}\n  description: D.\n  start: 1992\n  end: 1993\n"
        f"  draws: {draws}\n"
        for name, secs in sleeps.items()
    )
    path.write_text(
        f"notebooks_dir: {nb_dir}\nnotebooks: [sleepy]\nperiods:\n" + textwrap.indent(body, "  "),
        encoding="utf-8",
    )
    return path


def pids(nb_dir: Path, name: str) -> dict[str, int] | None:
    try:
        return json.loads((nb_dir / "pids" / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by its new parent, counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_for(predicate, timeout: float = 300.0, what: str = "") -> None:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def temporaries(out: Path) -> list[Path]:
    return [p for p in out.rglob(".*") if p.name.endswith((".tmp", ".tmp.ipynb"))]


def cli(*args: str) -> subprocess.Popen[str]:
    """``balances ARGS`` as a user runs it, in a session of its own (so that a Ctrl-C can be
    sent to its whole process group, as a terminal does)."""
    code = "import sys; from balances.cli import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def check_folder_agrees(out: Path, names: list[str]) -> dict[str, dict]:
    """The manifest and the index describe exactly the files on disk; every report is complete
    and stamped for its inputs; no temporary file is left."""
    assert not temporaries(out), temporaries(out)
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    records = {r["period"]: r for r in manifest["reports"]}
    index = (out / INDEX_FILE).read_text(encoding="utf-8")
    for name in names:
        rec = records[name]
        assert rec["status"] in ("ok", "cached"), rec
        reason, stamp = cache.verify(out / name, "sleepy", rec["cache_key"])
        assert reason is None, (name, reason)
        executed = nbformat.read(out / name / "sleepy.ipynb", as_version=4)
        assert executed.metadata["balances"]["cache_key"] == rec["cache_key"]
        assert f'href="{name}/sleepy.html"' in index
    return records


# ---------------------------------------------------------------- Medium 5 and 12


def test_a_killed_worker_fails_its_report_alone(tmp_path: Path) -> None:
    import threading

    nbs = sleepy_notebooks(tmp_path / "nbs")
    sleeps = {"victim": 120, "a": 0, "b": 0}
    cfg = load_periods(periods_file(tmp_path / "p.yml", nbs, sleeps))
    killed: dict[str, int] = {}

    def kill_victim() -> None:
        wait_for(lambda: pids(nbs, "victim") is not None, what="the victim's kernel")
        ids = pids(nbs, "victim")
        assert ids is not None
        os.kill(ids["worker"], signal.SIGKILL)  # as the out-of-memory killer would
        killed.update(ids)

    t = threading.Thread(target=kill_victim)
    t.start()
    t0 = time.monotonic()
    result = run_reports(cfg, out=tmp_path / "out", jobs=2, progress=False)
    t.join()
    assert time.monotonic() - t0 < 110, "the run waited for the killed report"
    status = {r["period"]: r for r in result.reports}
    assert status["victim"]["status"] == "failed"
    assert status["victim"]["error"]["ename"] == "WorkerDied"
    assert "SIGKILL" in status["victim"]["error"]["evalue"]
    assert status["a"]["status"] == status["b"]["status"] == "ok"
    wait_for(lambda: not alive(killed["kernel"]), timeout=30, what="the orphaned kernel to exit")
    assert not temporaries(tmp_path / "out")


def test_a_report_past_its_time_limit_fails_alone(tmp_path: Path) -> None:
    nbs = sleepy_notebooks(tmp_path / "nbs")
    cfg = load_periods(periods_file(tmp_path / "p.yml", nbs, {"stuck": 600, "quick": 0}))
    t0 = time.monotonic()
    result = run_reports(cfg, out=tmp_path / "out", jobs=2, progress=False, timeout=5)
    assert time.monotonic() - t0 < 120
    status = {r["period"]: r for r in result.reports}
    assert status["quick"]["status"] == "ok"
    assert status["stuck"]["status"] == "failed"
    assert "Timeout" in status["stuck"]["error"]["ename"], status["stuck"]["error"]
    ids = pids(nbs, "stuck")
    assert ids is not None
    wait_for(lambda: not alive(ids["kernel"]), timeout=30, what="the stuck kernel to exit")


# ---------------------------------------------------------------- Medium 6 and the fault injection


def test_killing_the_run_kills_its_workers_and_the_rerun_repairs_the_folder(
    tmp_path: Path,
) -> None:
    nbs = sleepy_notebooks(tmp_path / "nbs")
    names = ["one", "two", "three"]
    path = periods_file(tmp_path / "p.yml", nbs, dict.fromkeys(names, 60))
    out = tmp_path / "out"
    proc = cli("report", "--periods", str(path), "--out", str(out), "--jobs", "2")
    try:
        wait_for(
            lambda: pids(nbs, "one") is not None and pids(nbs, "two") is not None,
            what="two running reports",
        )
    finally:
        proc.kill()  # SIGKILL: nothing of the run's own code runs after this
        proc.wait()
    orphans = [pids(nbs, "one"), pids(nbs, "two")]
    for ids in orphans:
        assert ids is not None
        for role in ("worker", "kernel"):
            wait_for(lambda p=ids[role]: not alive(p), timeout=30, what=f"the {role} to exit")

    periods_file(path, nbs, dict.fromkeys(names, 0))  # the rerun is quick
    result = run_reports(load_periods(path), out=out, jobs=2, progress=False)
    assert {r["status"] for r in result.reports} == {"ok"}
    check_folder_agrees(out, names)


def test_ctrl_c_stops_the_run_cleanly_and_the_rerun_finishes_it(tmp_path: Path) -> None:
    nbs = sleepy_notebooks(tmp_path / "nbs")
    path = periods_file(tmp_path / "p.yml", nbs, {"quick": 0, "slow": 120})
    out = tmp_path / "out"
    proc = cli("report", "--periods", str(path), "--out", str(out), "--jobs", "2")
    wait_for(lambda: pids(nbs, "slow") is not None, what="the slow report")
    wait_for(lambda: cache.verify(out / "quick", "sleepy")[0] is None, what="the quick report")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    ids = pids(nbs, "slow")
    assert ids is not None
    for role in ("worker", "kernel"):
        wait_for(lambda p=ids[role]: not alive(p), timeout=30, what=f"the {role} to exit")
    assert not temporaries(out)
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    status = {r["period"]: r["status"] for r in manifest["reports"]}
    assert status == {"quick": "ok"}, "the manifest must say what is on disk"

    result = run_reports(load_periods(path), out=out, jobs=2, progress=False, timeout=300)
    status = {r["period"]: r["status"] for r in result.reports}
    assert status["quick"] == "cached"
    periods_file(path, nbs, {"quick": 0, "slow": 0})
    result = run_reports(load_periods(path), out=out, jobs=2, progress=False)
    check_folder_agrees(out, ["quick", "slow"])


# ---------------------------------------------------------------- Medium 7 and 8


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path, capsys) -> None:
    from balances.cli import main

    nbs = sleepy_notebooks(tmp_path / "nbs")
    path = periods_file(tmp_path / "p.yml", nbs, {"a": 0})
    out = tmp_path / "out"
    out.mkdir()
    with cache.OutputLock(out):
        with pytest.raises(ParameterError, match=rf"PID {os.getpid()}.*wait for it"):
            run_reports(load_periods(path), out=out, progress=False)
        assert main(["report", "--periods", str(path), "--out", str(out)]) == 2
        assert "is running there" in capsys.readouterr().err
    assert not (out / MANIFEST_FILE).exists()
    result = run_reports(load_periods(path), out=out, progress=False)  # released
    assert result.reports[0]["status"] == "ok"


def test_corrupt_outputs_are_run_again(tmp_path: Path) -> None:
    nbs = sleepy_notebooks(tmp_path / "nbs")
    path = periods_file(tmp_path / "p.yml", nbs, {"a": 0})
    out = tmp_path / "out"

    def run() -> dict:
        return run_reports(load_periods(path), out=out, jobs=1, progress=False).reports[0]

    assert run()["status"] == "ok"
    assert run()["status"] == "cached"
    (out / "a" / "sleepy.html").write_text("")  # emptied
    rec = run()
    assert rec["status"] == "ok" and "sleepy.html does not match its stamp" in rec["reason"]
    assert "period: a draws=10" in (out / "a" / "sleepy.html").read_text(encoding="utf-8")
    (out / "a" / "sleepy.ipynb").write_bytes(b"\x00garbage")
    rec = run()
    assert rec["status"] == "ok" and "sleepy.ipynb does not match its stamp" in rec["reason"]
    (out / "a" / "sleepy.stamp.json").write_text("{not json")
    assert run()["status"] == "ok"
    (out / MANIFEST_FILE).write_text('{"reports": [42, {"period": null}], "summary": 7}')
    assert run()["status"] == "cached", "a bad manifest must not matter: it is not read"


# ---------------------------------------------------------------- issue 13 point 8


def test_outside_a_terminal_each_finished_report_is_one_line(tmp_path: Path) -> None:
    nbs = sleepy_notebooks(tmp_path / "nbs")
    path = periods_file(tmp_path / "p.yml", nbs, {"a": 0, "b": 0})
    proc = cli("report", "--periods", str(path), "--out", str(tmp_path / "out"), "--jobs", "2")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert sorted(line.split()[0] for line in lines) == ["[1/2]", "[2/2]"]
    assert all(" ok " in line and "/sleepy" in line for line in lines), lines
    assert "\r" not in err, "a progress bar was drawn into a log"
    assert "ok      a/sleepy" in out and "index:" in out


# ---------------------------------------------------------------- Medium 13


def test_a_run_with_nothing_changed_scores_nothing_and_starts_light(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from balances.reports import summary

    nbs = sleepy_notebooks(tmp_path / "nbs")
    path = periods_file(tmp_path / "p.yml", nbs, {"a": 0})
    out = tmp_path / "out"
    first = run_reports(load_periods(path), out=out, progress=False)
    mean = first.manifest["summary"][0]["mean"]
    assert mean is not None and first.manifest["figure_error"] is None

    monkeypatch.setattr(summary, "period_summary", lambda *a, **k: pytest.fail("scored again"))
    monkeypatch.setattr(summary, "summary_figure", lambda *a, **k: pytest.fail("drawn again"))
    second = run_reports(load_periods(path), out=out, progress=False)
    assert second.reports[0]["status"] == "cached"
    assert second.manifest["summary"][0]["mean"] == mean
    index = (out / INDEX_FILE).read_text(encoding="utf-8")
    assert f"{mean:.2f}" in index and "data:image/png;base64," in index

    heavy = ("pandas", "numpy", "scipy", "matplotlib", "papermill", "nbconvert", "pydantic")
    code = (
        "import sys; from balances.cli import main; "
        f"rc = main(['report', '--periods', {str(path)!r}, '--out', {str(out)!r}]); "
        f"print(rc, sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    for _ in range(2):  # the first run after a run from Python also keeps the validation
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr
    assert "cached  a/sleepy" in done.stdout


# ---------------------------------------------------------------- Low: stdout


def test_closed_or_full_stdout(tmp_path: Path) -> None:
    import shlex

    nbs = sleepy_notebooks(tmp_path / "nbs")
    path = periods_file(tmp_path / "p.yml", nbs, {"a": 0})
    out = tmp_path / "out"
    code = "import sys; from balances.cli import main; sys.exit(main())"
    cmd = " ".join(
        shlex.quote(a)
        for a in (sys.executable, "-c", code, "report", "--periods", str(path), "--out", str(out))
    )
    closed = subprocess.run(["bash", "-c", f"{cmd} >&-"], capture_output=True, text=True)
    assert closed.returncode == 0, closed.stderr  # the kernel must not inherit a closed fd
    assert cache.verify(out / "a", "sleepy")[0] is None
    full = subprocess.run(["bash", "-c", f"{cmd} > /dev/full"], capture_output=True, text=True)
    assert full.returncode == 1
    assert "balances: error: cannot write to stdout (No space left on device)" in full.stderr
    assert "Traceback" not in full.stderr
