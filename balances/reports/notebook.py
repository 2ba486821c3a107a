"""What a report notebook displays about itself: its heading, its finding, its provenance.

Every text here may come from a periods file or a user's files (a period
title, an indicator title), and nbconvert keeps raw HTML and Markdown as they
are. So nothing is displayed as Markdown: each function builds HTML from
escaped text, and a title cannot become markup in the report.
"""

from __future__ import annotations

import html
import json
import subprocess
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balances.config import PACKAGE_DIR, PROJECT_DIR, processed_dir

if TYPE_CHECKING:
    import pandas as pd

    from balances.analysis import ScoreResult


class Html:
    """Already-escaped HTML that Jupyter displays as such (``_repr_html_``)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return self.markup


def esc(value: object) -> str:
    """Text escaped for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def heading(title: str, start: int, end: int, subtitle: str = "") -> Html:
    """The report's heading: the period's title and years, and a line under it (all escaped)."""
    sub = f"<p>{esc(subtitle)}</p>" if subtitle else ""
    return Html(f"<h2>{esc(title)} ({esc(start)}-{esc(end)})</h2>{sub}")


def paragraph(text: str) -> Html:
    """One paragraph of escaped text."""
    return Html(f"<p>{esc(text)}</p>")


def _points(x: float) -> str:
    return f"{x:+.0f} point{'s' if round(abs(x)) != 1 else ''}"


def alignment_finding(
    result: ScoreResult, levels: pd.DataFrame | None = None, rung_names: Iterable[str] = ()
) -> str:
    """Three or four sentences stating what the period's scores show, from its own numbers.

    First the measured outcome (what the states did together), then the drivers' overall
    score (the three lenses: what theory expects), the lens that moved most and the ladder.

    The score is given to whole points (the Monte Carlo bands are several points
    wide); a change is called clear only when the bands of the first and the
    last year do not overlap.
    """
    table = result.table()
    label = result.triad.label
    overall = table[(table["lens"] == "overall") & table["score"].notna()].sort_values("year")
    if overall.empty:
        return f"No year of {result.start}-{result.end} could be scored for {label}."
    a, b = overall.iloc[0], overall.iloc[-1]
    change = float(round(b["score"]) - round(a["score"]))  # the difference of the numbers shown
    verb = "rose" if round(change) > 0 else "fell" if round(change) < 0 else "stayed level"
    move = f"from {a['score']:.0f} in {int(a['year'])} to {b['score']:.0f} in {int(b['year'])}"
    first = (
        f"The overall driver score of {label} (the three lenses, 0-100) {verb} {move}"
        + (f" ({_points(change)})" if verb != "stayed level" else "")
        + f"; its mean over the period is {overall['score'].mean():.0f}."
    )
    if a["year"] == b["year"]:
        certainty = "One year is scored, so the period shows no change."
    elif overall[["low", "high"]].isna().any().any():
        certainty = "Without Monte Carlo draws, no band says how firm this change is."
    elif b["low"] > a["high"] or b["high"] < a["low"]:
        certainty = (
            f"The change is clear: the 5-95% bands of the two years "
            f"({a['low']:.0f}-{a['high']:.0f} and {b['low']:.0f}-{b['high']:.0f}) do not overlap."
        )
    else:
        certainty = (
            f"The change is within the uncertainty of the scoring choices: the 5-95% bands "
            f"({a['low']:.0f}-{a['high']:.0f} and {b['low']:.0f}-{b['high']:.0f}) overlap."
        )
    lenses = []
    for lens in ("power", "threat", "interests"):
        d = table[(table["lens"] == lens) & table["score"].notna()].sort_values("year")
        if len(d) >= 2:
            lenses.append((float(d["score"].iloc[-1] - d["score"].iloc[0]), lens))
    third = ""
    if lenses:
        delta, lens = max(lenses, key=lambda t: abs(t[0]))
        third = f"The {lens} lens moved most ({_points(delta)})"
    if levels is not None and not levels.dropna(subset=["level"]).empty:
        lv = levels.dropna(subset=["level"]).sort_values("year")
        names = list(rung_names)

        def rung(x: object) -> str:
            i = int(x)  # type: ignore[call-overload]
            return f"level {i}" + (f" ({names[i]})" if 0 <= i < len(names) else "")

        lo, hi = lv.iloc[0], lv.iloc[-1]
        ladder = (
            f"Korolev's ladder of military alignment stood at {rung(hi['level'])} in "
            f"{int(hi['year'])}"
            + (
                f", against {rung(lo['level'])} in {int(lo['year'])}"
                if int(lo["year"]) != int(hi["year"])
                else ""
            )
        )
        third = f"{third}; {ladder}" if third else ladder
    sentences = (_outcome_sentence(table, label), first, certainty, f"{third}." if third else "")
    return " ".join(s for s in sentences if s)


def _outcome_sentence(table: pd.DataFrame, label: str) -> str:
    """What the pair did together: the measured outcome ("aligned against", -100 to 100)."""
    d = table[(table["lens"] == "alignment") & table["score"].notna()].sort_values("year")
    if d.empty:
        return ""
    a, b = d.iloc[0], d.iloc[-1]
    if a["year"] == b["year"]:
        return (
            f"Measured alignment of {label} (what the states did together, -100 to 100) was "
            f"{a['score']:.0f} in {int(a['year'])}."
        )
    apart = b["low"] > a["high"] or b["high"] < a["low"]
    return (
        f"Measured alignment of {label} (what the states did together, -100 to 100) went from "
        f"{a['score']:.0f} in {int(a['year'])} to {b['score']:.0f} in {int(b['year'])}"
        + (", beyond its 90% bands." if apart else ", within its 90% bands.")
    )


def ko_finding(claims: pd.DataFrame, start: int, end: int) -> str:
    """Two sentences on Ko's claims bearing on the period and how the data judge them."""
    n = len(claims)
    if n == 0:
        return f"None of Ko's claims bears on {start}-{end}."
    counts = claims["verdict"].value_counts()
    s, c, i = (int(counts.get(k, 0)) for k in ("supported", "contradicted", "inconclusive"))
    first = (
        f"{n} of Ko's claims bear on {start}-{end}: the data support {s}, "
        f"contradict {c} and leave {i} inconclusive."
    )
    if c and c >= s:
        second = "On this period the measured trajectory departs from Ko's reading more than it confirms it."
    elif s > c:
        second = "On this period the measured trajectory mostly bears Ko's reading out."
    else:
        second = "The data are too thin here to confirm or refute Ko's reading."
    return f"{first} {second}"


def finding(text: str) -> Html:
    """The finding as the report's lead paragraph."""
    return Html(f'<p class="finding"><b>Finding.</b> {esc(text)}</p>')


def _commit() -> str:
    """The git commit of the project checkout, with ``+dirty`` for local edits, or why not."""
    try:
        head = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--", str(PACKAGE_DIR)],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return head + ("+dirty" if dirty else "")


def _catalogue(source_id: str) -> dict[str, Any]:
    from balances.declare import load_yaml
    from balances.errors import RegistryError

    path = PACKAGE_DIR / "sources" / "catalogue" / f"{source_id}.yml"
    try:
        doc = load_yaml(path, "source catalogue entry")
    except (OSError, RegistryError):
        return {}
    return doc if isinstance(doc, dict) else {}


def provenance_record(
    parameters: Mapping[str, Any], tables: Iterable[str] | None = None
) -> dict[str, Any]:
    """Parameters, package version and commit, data tables with hashes, sources, and the date.

    ``tables``: the processed tables the report used (default all).
    """
    from balances import __version__
    from balances.reports.cache import package_hash

    prov = json.loads((Path(processed_dir()) / "provenance.json").read_text(encoding="utf-8"))
    wanted = sorted(prov if tables is None else set(tables) & set(prov))
    sources: dict[str, dict[str, str]] = {}
    for t in wanted:
        for sid, meta in (prov[t].get("sources") or {}).items():
            cat = _catalogue(sid)
            sources[sid] = {
                "title": str(meta.get("title") or cat.get("title", "")),
                "version": str(meta.get("version") or cat.get("version", "")),
                "citation": " ".join(str(cat.get("citation", "")).split()),
            }
    return {
        "parameters": dict(parameters),
        "balances_version": __version__,
        "commit": _commit(),
        "package_sha256": package_hash(),
        "tables": {t: prov[t].get("sha256", "") for t in wanted},
        "sources": dict(sorted(sources.items())),
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def tables_used(result: ScoreResult) -> set[str]:
    """Processed tables behind the indicators that have a value in the period."""
    panel = result.period_panel()
    present = set(panel.loc[panel["status"] != "missing", "indicator"])
    return {t for iid in present if iid in result.registry for t in result.registry[iid].sources}


def provenance(parameters: Mapping[str, Any], tables: Iterable[str] | None = None) -> Html:
    """:func:`provenance_record` as an escaped HTML section for the end of a report."""
    rec = provenance_record(parameters, tables)
    params = ", ".join(f"{esc(k)} = <code>{esc(v)}</code>" for k, v in rec["parameters"].items())
    tables_html = "".join(
        f"<li><code>{esc(t)}</code> sha256 <code>{esc(h[:16])}</code></li>"
        for t, h in rec["tables"].items()
    )
    sources_html = "".join(
        f"<li><code>{esc(sid)}</code>: {esc(s['title'])} ({esc(s['version'])}). "
        f"{esc(s['citation'])}</li>"
        for sid, s in rec["sources"].items()
    )
    return Html(
        "<h2>Provenance</h2>"
        f"<p>Generated {esc(rec['generated'])} by balances {esc(rec['balances_version'])}, "
        f"commit <code>{esc(rec['commit'])}</code>, package source sha256 "
        f"<code>{esc(rec['package_sha256'][:16])}</code>.</p>"
        f"<p>Parameters: {params}.</p>"
        f"<p>Data tables used (SHA-256 of the processed file):</p><ul>{tables_html}</ul>"
        f"<p>Sources (cite these with the package):</p><ul>{sources_html}</ul>"
    )
