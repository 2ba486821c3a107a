"""Tooling: one version, docstring examples collected everywhere, a pre-commit config, xdist."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import balances
from balances.declare import load_yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_is_written_once() -> None:
    """pyproject.toml holds it; the package reads it from the installed metadata."""
    assert balances.__version__ == version("balances") == PYPROJECT["project"]["version"]
    assert f"version: {balances.__version__}" in (ROOT / "CITATION.cff").read_text()


def test_docstring_examples_of_every_module_are_collected() -> None:
    opts = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in opts["addopts"]
    assert "balances" in opts["testpaths"]


def test_pytest_xdist_is_a_test_dependency() -> None:
    assert any(
        d.startswith("pytest-xdist") for d in PYPROJECT["project"]["optional-dependencies"]["test"]
    )


def test_pre_commit_runs_the_linters_and_the_strict_yaml_check() -> None:
    config = load_yaml(ROOT / ".pre-commit-config.yaml")
    ids = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "yaml-strict"} <= ids


def test_the_yaml_check_command(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text("a: 1\n")
    bad.write_text("a: 1\na: 2\n")
    cmd = [sys.executable, "-m", "balances.declare"]
    assert subprocess.run([*cmd, str(good)], capture_output=True).returncode == 0
    run = subprocess.run([*cmd, str(good), str(bad)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "bad.yml, line 2, column 1: not valid YAML: duplicate key 'a'" in run.stderr


def test_lint_runs_mypy_on_a_list_that_includes_the_declaration_layer() -> None:
    files = PYPROJECT["tool"]["mypy"]["files"]
    assert {"balances/declare.py", "balances/params.py", "balances/errors.py"} <= set(files)
    assert all((ROOT / f).is_file() for f in files)
    assert "$(BIN)/mypy" in (ROOT / "Makefile").read_text()
