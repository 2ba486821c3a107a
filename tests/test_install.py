"""The wheel works outside a clone: data and notebooks ship with it (issue 13, point 6)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from balances import __version__
from balances.config import PROJECT_DIR


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.fail("uv is needed to build and install the wheel (make install provides it)")
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv outside the repository with only the built wheel installed."""
    root = tmp_path_factory.mktemp("fresh-install")
    assert PROJECT_DIR not in root.parents
    uv = _uv()
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(root / "dist"), str(PROJECT_DIR)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (root / "dist").glob("balances-*.whl")
    venv = root / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)],
        check=True,
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BALANCES_", "VIRTUAL_ENV", "PYTHONPATH"))
    }
    return venv, env


def _run(installed, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    venv, env = installed
    return subprocess.run(
        [str(venv / "bin" / "balances"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_installed_package_scores_from_shipped_tables(installed, tmp_path):
    venv, _ = installed
    out = _run(
        installed,
        "score",
        "--start",
        "2000",
        "--end",
        "2001",
        "--draws",
        "0",
        "--format",
        "csv",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(io.StringIO(out.stdout), comment="#")
    mine = subprocess.run(
        [sys.executable, "-m", "balances.cli", "score", "--start", "2000", "--end", "2001"]
        + ["--draws", "0", "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = pd.read_csv(io.StringIO(mine.stdout), comment="#")
    pd.testing.assert_frame_equal(table, expected)
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from balances.config import PROJECT_DIR; print(PROJECT_DIR)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where) == venv / "share" / "balances"


@pytest.mark.slow
def test_installed_package_writes_a_report(installed, tmp_path):
    periods = tmp_path / "periods.yml"
    periods.write_text(
        f"notebooks_dir: {installed[0] / 'share' / 'balances' / 'notebooks'}\n"
        "defaults: {focal: 'RUS,CHN', reference: USA, spec: default, draws: 20, seed: 0}\n"
        "notebooks: [alignment_report]\n"
        "periods:\n"
        "  short_2003_2004: {title: Two years, description: a short test period, start: 2003, end: 2004}\n",
        encoding="utf-8",
    )
    out = _run(
        installed,
        "report",
        "--periods",
        str(periods),
        "--out",
        str(tmp_path / "out"),
        "--jobs",
        "1",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr + out.stdout
    html = (tmp_path / "out" / "short_2003_2004" / "alignment_report.html").read_text()
    assert "2003" in html and "Two years" in html
    assert (tmp_path / "out" / "index.html").is_file()


@pytest.mark.slow  # runs make
@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_link_puts_balances_on_path(tmp_path):
    venv_bin = Path(sys.executable).parent
    if not (venv_bin / ".installed").is_file() or venv_bin.parent != PROJECT_DIR / ".venv":
        pytest.skip("runs from the project's own .venv (make install)")
    subprocess.run(
        ["make", "-s", "link", f"BINDIR={tmp_path / 'bin'}"],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
    )
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        ["balances", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"balances {__version__}"


@pytest.mark.slow
def test_installed_package_judges_both_authors_claims(installed, tmp_path):
    """Korolev's claims file was left out of the wheel: `balances claims --author all` failed."""
    out = _run(installed, "claims", "--author", "all", "--format", "csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    claims = pd.read_csv(io.StringIO(out.stdout), comment="#")
    assert "korolev_alignment_continues" in set(claims["claim_id"])
