"""``index.html``: every period, the status of each of its reports, and the summary.

Rendered from ``templates/index.html.j2`` by jinja2 with autoescaping on, so
every text from the periods file, the data, a user's files or an error is
escaped; link targets are URL-quoted as well.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from balances.reports.periods import PeriodsConfig

TEMPLATES = Path(__file__).resolve().parent / "templates"

CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{border:1px solid #ccc;padding:.35rem .5rem;vertical-align:top;text-align:left}"
    "th{background:#f3f3f3}.ok{color:#1a7f37}.cached{color:#0b5cad}"
    ".failed{color:#b42318;font-weight:600}.stale{color:#9a6700}"
    ".muted{color:#777}.err{font-family:monospace;white-space:pre-wrap;color:#b42318}"
    "td.num{text-align:right;white-space:nowrap}img{max-width:100%}"
)

STATUS_WORDS = {"stale": "out of date"}


def _environment(cache_dir: Path | None = None) -> Any:
    import jinja2

    bytecode = None
    if cache_dir is not None:  # compiling the template costs more than the rest of a cached run
        cache_dir.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(cache_dir))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        bytecode_cache=bytecode,
    )
    env.filters["href"] = lambda path: urllib.parse.quote(str(path))
    return env


def render_index(
    config: PeriodsConfig,
    manifest: Mapping[str, Any],
    figure_png: str | None,
    figure_error: str | None,
    cache_dir: Path | None = None,
) -> str:
    """The index page (every text escaped by the template engine).

    ``cache_dir``: where to keep the compiled template between runs.
    """
    records = {(r["period"], r["notebook"]): r for r in manifest["reports"]}
    summary = {s["period"]: s for s in manifest.get("summary", [])}
    notebooks = list(dict.fromkeys(nb for p in config.periods.values() for nb in p.notebooks))
    rows = []
    for p in config.periods.values():
        cells = [
            {"rec": records.get((p.name, nb))} if nb in p.notebooks else None for nb in notebooks
        ]
        durations = [
            r["duration_s"]
            for nb in p.notebooks
            if (r := records.get((p.name, nb))) and r.get("duration_s") is not None
        ]
        rows.append(
            {
                "period": p,
                "cells": cells,
                "duration": sum(durations) if durations else None,
                "summary": summary.get(p.name),
            }
        )
    statuses = [r["status"] for r in manifest["reports"]]
    n = {k: statuses.count(k) for k in ("ok", "cached", "failed", "stale")}
    return (
        _environment(cache_dir)
        .get_template("index.html.j2")
        .render(
            css=CSS,
            n=n,
            run=manifest["run"],
            manifest=manifest,
            defaults=config.defaults,
            figure_png=figure_png,
            figure_error=figure_error,
            notebooks=notebooks,
            rows=rows,
            status_words=STATUS_WORDS,
        )
    )
