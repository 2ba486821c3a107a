"""The README documents every source and the two commands that CI runs."""

from __future__ import annotations

from balances.config import PROJECT_DIR
from balances.sources.catalogue import load_catalogue

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_every_source_is_listed_with_its_licence() -> None:
    for src in load_catalogue().values():
        assert f"`{src.id}`" in README, src.id
        assert src.licence.split(";")[0].strip()[:40] in README, src.id


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README and "make reports" in README
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
