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
