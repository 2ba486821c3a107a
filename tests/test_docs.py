"""The API reference builds with Sphinx without a warning, and its internal links resolve
(issue 13, point 9). No network: external links are not fetched."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from balances.config import PROJECT_DIR

pytestmark = pytest.mark.slow
pytest.importorskip("sphinx", reason="sphinx is in the test extra (make install)")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(d["id"])
        if tag == "a" and d.get("href"):
            self.hrefs.append(d["href"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("docs")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q"]
        + [str(PROJECT_DIR / "docs"), str(out)],
        capture_output=True,
        text=True,
    )
    return out, proc.stderr if proc.returncode == 0 else f"exit {proc.returncode}\n{proc.stderr}"


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_builds_without_warnings(site):
    out, err = site
    assert err == "", err
    api = (out / "api.html").read_text(encoding="utf-8")
    for name in ("balances.analysis.score", "balances.plots.lens_scores", "balances.io.export"):
        assert f'id="{name}"' in api, name
    assert "balances.cite.cite" in api


def test_internal_links_resolve(site):
    out, _ = site
    pages = {p: _parse(p) for p in out.rglob("*.html")}
    broken = []
    for page, links in pages.items():
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.name}: {href}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.name}: {href}")
    assert not broken, broken[:10]
    assert sum(len(v.hrefs) for v in pages.values()) > 100


def test_every_public_module_is_documented():
    api = (PROJECT_DIR / "docs" / "api.rst").read_text(encoding="utf-8")
    documented = set(re.findall(r"automodule:: (balances[\w.]*)", api))
    for mod in ("analysis", "plots", "io", "cite", "scoring", "uncertainty", "similarity"):
        assert f"balances.{mod}" in documented
