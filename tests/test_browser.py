"""The explorer in JupyterLab, driven in headless Chromium: run it, move a slider, see it redraw.

Needs /usr/bin/chromium (Debian's ``chromium`` package) and Playwright for
Python (``pip install -e '.[browser]'``; never ``playwright install``). Skips
when either is missing, unless ``BALANCES_REQUIRE_BROWSER`` is set (CI), in
which case it fails.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from balances import analysis, explore
from balances.config import PROJECT_DIR
from balances.lab import lab_command

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
NOTEBOOK = PROJECT_DIR / "notebooks" / "explore.ipynb"
SERVER_START_S = 60
KERNEL_IDLE_MS = 120_000
#: From Run All to the first readout: kernel imports, the panel, the Monte Carlo, two plots.
FIRST_READOUT_MS = 120_000
REDRAW_MS = 60_000
#: The Lab settings that keep the "news" announcement popup away.
NOTIFICATION_SETTINGS = {"fetchNews": "false", "checkForUpdates": False}


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[browser]'; never `playwright install`)")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("BALANCES_REQUIRE_BROWSER"):
            pytest.fail(f"BALANCES_REQUIRE_BROWSER is set but the {message}")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    token: str
    log: Path

    def api(self, method: str, path: str) -> int:
        req = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 (random port and token) serving a copy of the explorer notebook.

    Its config, data and runtime dirs are under ``tmp_path``; the kernel is the
    server's own Python (the venv's ``python3``), so it imports balances.
    """
    _require_browser()
    root = tmp_path / "notebooks"
    root.mkdir()
    # the .ipynb alone: beside its jupytext twin, the server's jupytext extension would pair them
    shutil.copyfile(NOTEBOOK, root / NOTEBOOK.name)
    jupyter = {name: tmp_path / "jupyter" / name for name in ("config", "data", "runtime")}
    settings = jupyter["config"] / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps(NOTIFICATION_SETTINGS))
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(jupyter["config"]),
        "JUPYTER_DATA_DIR": str(jupyter["data"]),
        "JUPYTER_RUNTIME_DIR": str(jupyter["runtime"]),
    }
    port, token = _free_port(), secrets.token_hex(16)
    extra = [
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
    ]
    if os.geteuid() == 0:
        extra.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            lab_command(port, root, open_browser=False, extra_args=extra),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=root,
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if lab.api("GET", "/api/status") == 200:
                    break
            except OSError:  # not listening yet (URLError, ConnectionError are OSErrors)
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in {SERVER_START_S} s:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield lab
    finally:
        # ask the server to shut its kernels down, then stop it by its PID
        if proc.poll() is None:
            try:
                lab.api("POST", "/api/shutdown")
                proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=15)


def _readout(page) -> tuple[float, str]:
    value = page.locator(f".{explore.READOUT_CLASS} .{explore.READOUT_CLASS}-value")
    text = page.locator(f".{explore.READOUT_CLASS}").inner_text()
    return float(value.get_attribute("data-mean")), text


def _lens_png(page) -> bytes:
    src = page.locator(f".{explore.LENS_PLOT_CLASS} img").first.get_attribute("src")
    assert src and src.startswith("data:image/png;base64,"), f"not an inline PNG: {src!r:.80}"
    return base64.b64decode(src.split(",", 1)[1])


def test_explorer_redraws_on_a_slider(lab_server: Lab, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.set_default_timeout(30_000)
            page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK.name}?reset&token={lab_server.token}")
            page.locator(".jp-Notebook").first.wait_for()
            page.locator("#jp-main-statusbar").get_by_text("Idle").wait_for(timeout=KERNEL_IDLE_MS)

            run = "(id) => window.jupyterapp.commands.execute(id)"
            page.evaluate(run, "notebook:clear-all-cell-outputs")
            page.locator(f".{explore.READOUT_CLASS}").wait_for(state="detached")
            page.evaluate(run, "runmenu:run-all")
            page.locator(f".{explore.READOUT_CLASS}-value").wait_for(timeout=FIRST_READOUT_MS)
            page.locator(f".{explore.LENS_PLOT_CLASS} img").first.wait_for()
            mean_before, text_before = _readout(page)
            src_before = page.locator(f".{explore.LENS_PLOT_CLASS} img").first.get_attribute("src")
            png_before = _lens_png(page)
            assert text_before.startswith("Overall alignment score (mean, 1992-2024): ")
            assert mean_before == pytest.approx(_nominal_mean({}), abs=1e-9)
            page.locator(f".{explore.READOUT_CLASS}").scroll_into_view_if_needed()
            page.screenshot(path=tmp_path / "explorer_before.png")

            slider = page.locator(".balances-weight-threat")
            slider.locator(".noUi-handle").first.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                """([sel, old]) => {
                    const el = document.querySelector(sel);
                    return el !== null && el.getAttribute('data-mean') !== old;
                }""",
                arg=[f".{explore.READOUT_CLASS}-value", repr(mean_before)],
                timeout=REDRAW_MS,
            )
            page.wait_for_function(
                """([sel, old]) => {
                    const img = document.querySelector(sel);
                    return img !== null && img.getAttribute('src') !== old;
                }""",
                arg=[f".{explore.LENS_PLOT_CLASS} img", src_before],
                timeout=REDRAW_MS,
            )
            weight = float(slider.locator(".widget-readout").inner_text())
            mean_after, text_after = _readout(page)
            png_after = _lens_png(page)
            page.screenshot(path=tmp_path / "explorer_after.png")
        finally:
            browser.close()

    assert weight == 1.5
    assert mean_after != mean_before and text_after != text_before
    assert png_after != png_before
    assert mean_after == pytest.approx(_nominal_mean({"threat": weight}), abs=1e-9)


def _nominal_mean(weights: dict[str, float]) -> float:
    spec = explore.spec_for("default", {"power": 1.0, "threat": 1.0, "interests": 1.0} | weights)
    res = analysis.score("RUS,CHN", "USA", 1992, 2024, spec=spec, draws=0)
    return float(analysis.period_summary(res).set_index("lens").loc["overall", "mean"])
