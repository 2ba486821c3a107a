"""Headless Chromium: the explorer in JupyterLab (run it, move a slider, see it redraw), and the
published report pages (finding first, every figure drawn, nothing wider than one column).

Screenshots are saved as test artefacts in ``$BALANCES_ARTEFACTS`` (default
``tests/artefacts/``, ignored by git). Needs /usr/bin/chromium (Debian's ``chromium`` package) and Playwright for
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
import struct
import subprocess
import textwrap
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
#: One column of a paper or a narrow window: report pages must fit it without scrolling sideways.
COLUMN_PX = 700
#: The short report run the page checks open (both report notebooks, few draws).
REPORT_PERIOD = "putin_2001_2004"
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


def artefacts_dir() -> Path:
    """Where screenshots go: ``$BALANCES_ARTEFACTS`` or ``tests/artefacts/`` (git-ignored)."""
    where = Path(os.environ.get("BALANCES_ARTEFACTS") or PROJECT_DIR / "tests" / "artefacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


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


def test_explorer_redraws_on_a_slider(lab_server: Lab) -> None:
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
            assert text_before.startswith("Overall driver score (mean, 1992-2024): ")
            assert mean_before == pytest.approx(_nominal_mean({}), abs=1e-9)
            page.locator(f".{explore.READOUT_CLASS}").scroll_into_view_if_needed()
            page.screenshot(path=artefacts_dir() / "explorer_before.png")

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
            page.screenshot(path=artefacts_dir() / "explorer_after.png")
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


# ---------------------------------------------------------------- the published report pages


@pytest.fixture(scope="module")
def report_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`balances report` on one short period with both report notebooks (few draws): its folder."""
    _require_browser()
    from balances.reports import load_periods, run_reports

    root = tmp_path_factory.mktemp("report_run")
    periods = root / "periods.yml"
    periods.write_text(
        textwrap.dedent(
            f"""\
            notebooks_dir: {PROJECT_DIR / "notebooks"}
            defaults:
              draws: 100
            notebooks: [alignment_report, ko_comparison]
            periods:
              {REPORT_PERIOD}:
                title: Putin's first term
                description: From multivector diplomacy to the turn after 2003.
                start: 2001
                end: 2004
            """
        ),
        encoding="utf-8",
    )
    out = root / "out"
    result = run_reports(load_periods(periods), out=out, jobs=2, progress=False)
    assert not result.failed, result.reports
    return out


#: What the page shows, measured in the browser after its images have decoded.
PAGE_FACTS = """() => {
    const vw = document.documentElement.clientWidth;
    const first = document.querySelector('p');
    const scrolls = (el) => {
        for (let a = el.parentElement; a; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
        }
        return false;
    };
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && (r.right > vw + 1 || r.left < -1) && !scrolls(el);
    }).map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`);
    // a table may scroll sideways, but no cell's text may spill into the next one
    const spilled = [...document.querySelectorAll('td, th')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => `${el.scrollWidth}>${el.clientWidth}px: ${el.innerText.slice(0, 60)}`);
    const images = [...document.images].map((img) => {
        const r = img.getBoundingClientRect();
        let colours = 0;
        if (img.complete && img.naturalWidth > 0) {
            const c = document.createElement('canvas');
            c.width = img.naturalWidth;
            c.height = img.naturalHeight;
            const ctx = c.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const px = ctx.getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            for (let i = 0; i < px.length && seen.size < 64; i += 4 * 97) {
                seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
            }
            colours = seen.size;
        }
        return {natural: img.naturalWidth, left: r.left, right: r.right, colours};
    });
    return {
        vw,
        scrollWidth: document.scrollingElement.scrollWidth,
        firstClass: first ? first.className : null,
        firstText: first ? first.innerText : '',
        wide,
        spilled,
        images,
        text: document.body.innerText,
    };
}"""


def _figures_in(executed: Path) -> int:
    """Figures a report should show: the PNG outputs of its executed notebook."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize(
    "page_path",
    ["index.html", f"{REPORT_PERIOD}/alignment_report.html", f"{REPORT_PERIOD}/ko_comparison.html"],
    ids=["index", "alignment_report", "ko_comparison"],
)
def test_report_page_at_one_column_width(report_run: Path, page_path: str) -> None:
    """At one column's width: the first paragraph is the finding, every figure has decoded and
    is a drawing (not a blank), nothing but the scrolling tables is wider than the page and no
    table cell's text spills out of it, a period report ends with its provenance; a screenshot is
    saved as an artefact."""
    from playwright.sync_api import sync_playwright

    target = report_run / page_path
    shot = artefacts_dir() / f"report_{target.stem}.png"
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": COLUMN_PX, "height": 1000})
            page.set_default_timeout(30_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # the pages are self-contained: nothing leaves the machine (nbconvert links CDNs)
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("file:", "data:"))
                    else route.abort()
                ),
            )
            page.goto(target.as_uri(), wait_until="load")
            page.wait_for_function("() => [...document.images].every((i) => i.complete)")
            facts = page.evaluate(PAGE_FACTS)
            page.screenshot(path=shot, full_page=True)
        finally:
            browser.close()

    assert facts["firstClass"] == "finding", facts["firstText"]
    assert facts["firstText"].startswith("Finding. "), facts["firstText"]
    expected = 1 if target.name == "index.html" else _figures_in(target.with_suffix(".ipynb"))
    assert expected >= 1 and len(facts["images"]) == expected, facts["images"]
    for i, img in enumerate(facts["images"]):
        assert img["natural"] > 0, f"figure {i} did not decode"
        assert 0 <= img["left"] and img["right"] <= facts["vw"] + 1, f"figure {i} is cut: {img}"
        assert img["colours"] >= 3, f"figure {i} is blank: {img}"
    assert facts["scrollWidth"] <= facts["vw"], f"the page scrolls sideways: {facts['wide'][:10]}"
    assert not facts["wide"], facts["wide"][:10]
    assert not facts["spilled"], facts["spilled"][:10]
    if target.name != "index.html":
        tail = facts["text"][facts["text"].rindex("Provenance") :]
        for part in ("Generated ", "by balances ", "commit ", "Parameters: ", "sha256", "Sources"):
            assert part in tail, part
        assert f"period_name = {REPORT_PERIOD}" in tail
    assert not errors, errors
    assert _png_size(shot)[0] == COLUMN_PX
