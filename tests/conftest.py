"""Shared fixtures: the raw-data directory (CI has it at ../shared/data/raw)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from balances.config import raw_dir

# Property tests that leave the number of examples to the profile: 200 in the full suite (CI),
# 25 in `make test-fast` (`--hypothesis-profile=fast`), for a quick loop while editing.
settings.register_profile("full", max_examples=200)
settings.register_profile("fast", max_examples=25)
settings.load_profile("full")


@pytest.fixture(scope="session")
def raw_root() -> Path:
    """The raw-data directory; tests needing it skip when it is absent (fail in CI)."""
    root = raw_dir(required=False)
    if root is None:
        if os.environ.get("BALANCES_REQUIRE_RAW"):
            pytest.fail("BALANCES_REQUIRE_RAW is set but the raw-data directory was not found")
        pytest.skip("raw-data directory not found (set BALANCES_RAW_DIR)")
    return root


@pytest.fixture(scope="session")
def raw(raw_root: Path):
    """A hash-verifying view of the raw directory."""
    from balances.sources.raw import RawFiles

    return RawFiles(raw_root)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Modules, registries and collected tests live to the end: keep them out of the cyclic
    collector's sweeps, and sweep less often (the suite allocates many short-lived frames;
    the default thresholds spent 7 s of its CPU time in 6,000 sweeps)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


#: Judgements of the claims files with the default inputs, shared by the command-line tests.
_JUDGED: dict[tuple[str, bool, bool], object] = {}


@pytest.fixture
def judge_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`balances claims` and `balances ko` judge each (author, options) once per test process.

    The command-line tests check what is printed; tests/test_ko.py checks the judging
    itself (and never through this fixture). Each call gets its own copy of the tables.
    """
    import dataclasses

    from balances import ko

    real = ko.judge

    def judge(author="ko", source=None, rule=None, *, beyond=True, path=None, grid=True, **kw):
        if source is not None or rule is not None or path is not None or kw:
            return real(author, source, rule, beyond=beyond, path=path, grid=grid, **kw)
        key = (author, beyond, grid)
        if key not in _JUDGED:
            _JUDGED[key] = real(author, beyond=beyond, grid=grid)
        j = _JUDGED[key]
        copies = {f.name: getattr(j, f.name).copy() for f in dataclasses.fields(j)}
        return dataclasses.replace(j, **copies)

    monkeypatch.setattr(ko, "judge", judge)
