"""A report marked "cached" is always what a fresh run with the same inputs would write
(issue 15): hypothesis drives random sequences of parameter changes, user-file edits,
interrupts and corruptions, and after every run each report must show today's inputs.

The notebook prints a deterministic function of its inputs (its parameters and the SHA-256 of
every file in the user's indicator directory), so "what a fresh run writes" is known without
running it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest
from _checks import tiny_notebook
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from balances.reports import load_periods, run_reports

pytestmark = pytest.mark.slow

ECHO = """import hashlib, os, pathlib
d = os.environ.get("BALANCES_USER_DIR")
files = sorted(p for p in pathlib.Path(d).iterdir()) if d else []
digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
print(f"inputs: {period_name} draws={draws} seed={seed} user={digest[:16] if d else 'none'}")
"""

PERIODS = ("p1", "p2")


def user_digest(folder: Path | None) -> str:
    if folder is None:
        return "none"
    files = sorted(folder.iterdir())
    blob = b"".join(p.name.encode() + p.read_bytes() for p in files)
    return hashlib.sha256(blob).hexdigest()[:16]


class ReportCache(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="balances-stateful-"))
        self.nbs = self.tmp / "nbs"
        self.nbs.mkdir()
        tiny_notebook(self.nbs / "echo.ipynb", ECHO)
        self.user = self.tmp / "user"
        self.user.mkdir()
        (self.user / "t.csv").write_text("year,v\n2000,1\n")
        self.use_user = False
        self.draws = dict.fromkeys(PERIODS, 1)
        self.out = self.tmp / "out"
        self.ran_once = False
        self.write_periods()

    def write_periods(self) -> None:
        body = "".join(
            f"{p}:\n  title: T\n  description: D.\n  start: 1992\n  end: 1993\n"
            f"  draws: {self.draws[p]}\n"
            for p in PERIODS
        )
        (self.tmp / "p.yml").write_text(
            f"notebooks_dir: {self.nbs}\nnotebooks: [echo]\nperiods:\n"
            + textwrap.indent(body, "  ")
        )

    def run(self, stop_after: int | None = None) -> list[dict]:
        seen: list[dict] = []

        def on_report(rec: dict) -> None:
            seen.append(rec)
            if stop_after is not None and len(seen) >= stop_after:
                raise KeyboardInterrupt

        result = run_reports(
            load_periods(self.tmp / "p.yml"),
            out=self.out,
            jobs=2,
            progress=False,
            indicators_dir=self.user if self.use_user else None,
            on_report=on_report,
        )
        self.ran_once = True
        return result.reports

    @rule(period=st.sampled_from(PERIODS), draws=st.integers(1, 3))
    def change_parameters(self, period: str, draws: int) -> None:
        self.draws[period] = draws
        self.write_periods()

    @rule(value=st.integers(1, 3))
    def edit_user_file(self, value: int) -> None:
        (self.user / "t.csv").write_text(f"year,v\n2000,{value}\n")

    @rule()
    def toggle_user_dir(self) -> None:
        self.use_user = not self.use_user

    @rule()
    def full_run(self) -> None:
        reports = self.run()
        assert all(r["status"] in ("ok", "cached") for r in reports), reports
        self.check_reports()

    @rule()
    def interrupted_run(self) -> None:
        try:
            self.run(stop_after=1)
        except KeyboardInterrupt:
            pass

    @rule(period=st.sampled_from(PERIODS))
    def corrupt(self, period: str) -> None:
        html = self.out / period / "echo.html"
        if html.exists():
            html.write_text(html.read_text(encoding="utf-8")[:100], encoding="utf-8")

    def check_reports(self) -> None:
        expected_user = user_digest(self.user if self.use_user else None)
        for p in PERIODS:
            page = (self.out / p / "echo.html").read_text(encoding="utf-8")
            shown = re.search(r"inputs: (\S+) draws=(\d+) seed=(\d+) user=(\S+)", page)
            assert shown, f"{p}: no inputs line"
            assert shown.groups() == (p, str(self.draws[p]), "0", expected_user), (
                f"{p} shows {shown.groups()}, a fresh run would show "
                f"{(p, self.draws[p], 0, expected_user)}"
            )

    @invariant()
    def no_temporaries(self) -> None:
        if self.ran_once:
            left = [q for q in self.out.rglob(".*") if q.name.endswith((".tmp", ".tmp.ipynb"))]
            assert not left, left

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


ReportCache.TestCase.settings = settings(
    max_examples=3,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
test_cached_reports_equal_fresh_runs = ReportCache.TestCase
