"""Citations: BibTeX for the package and for every source a result used (``balances cite``).

Modelled on peacesciencer's ``ps_cite()``: the package entry comes from
``CITATION.cff`` (with the works whose framework it operationalises), each
source entry from its catalogue file (``balances/sources/catalogue/*.yml``).
A result's sources are traced from the indicators that have a value in its
period, through the processed tables they read, to the catalogued sources
those tables were built from (``data/processed/provenance.json``).

Examples
--------
>>> print(bibtex_source("atop").splitlines()[0])
@misc{atop,
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from balances import __version__
from balances.config import PROJECT_DIR
from balances.data import tables
from balances.errors import ParameterError
from balances.sources.catalogue import Source, load_catalogue

if TYPE_CHECKING:
    from balances.analysis import ScoreResult

CITATION_FILE = PROJECT_DIR / "CITATION.cff"

# BibTeX treats these as commands or comment markers; the catalogue's free text has them.
_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))


def _tex(text: object) -> str:
    s = " ".join(str(text).split())
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], s)


def _entry(kind: str, key: str, fields: Mapping[str, object]) -> str:
    body = ",\n".join(
        f"  {name} = {{{value}}}" for name, value in fields.items() if value not in (None, "")
    )
    return f"@{kind}{{{key},\n{body}\n}}"


def _year(text: str) -> str | None:
    """The first year in a citation, preferring one in parentheses ("Leeds ... (2002).")."""
    m = re.search(r"\((\d{4})", text) or re.search(r"\b((?:19|20)\d{2})\b", text)
    return m.group(1) if m else None


def _cff() -> dict[str, Any]:
    if CITATION_FILE.is_file():
        from balances.declare import read_document

        return read_document(CITATION_FILE, "citation file").data or {}
    return {}


def _authors(people: Iterable[Mapping[str, str]]) -> str:
    names = []
    for p in people:
        if "family-names" in p:
            names.append(f"{p['family-names']}, {p.get('given-names', '')}".rstrip(", "))
        else:
            names.append("{" + p.get("name", "") + "}")  # braces: a corporate author, not parsed
    return " and ".join(_tex(n) for n in names)


def bibtex_package() -> str:
    """BibTeX for ``balances`` itself and for the works whose framework it measures."""
    cff = _cff()
    entries = [
        _entry(
            "software",
            "balances",
            {
                "author": _authors(cff.get("authors", [{"name": "The balances developers"}])),
                "title": _tex(cff.get("title", "balances")),
                "version": __version__,
                "year": str(cff.get("date-released", ""))[:4] or None,
                "license": cff.get("license"),
                "note": "Python package",
            },
        )
    ]
    for ref in cff.get("references", []):
        family = ref["authors"][0].get("family-names", "ref").lower()
        fields = {
            "author": _authors(ref["authors"]),
            "title": _tex(ref["title"]),
            "journal": _tex(ref["journal"]) if ref.get("journal") else None,
            "volume": ref.get("volume"),
            "number": ref.get("issue"),
            "year": ref.get("year"),
            "doi": ref.get("doi"),
        }
        kind = "article" if ref.get("journal") else "misc"
        entries.append(_entry(kind, f"{family}{ref.get('year', '')}", fields))
    return "\n\n".join(entries)


def bibtex_source(source: str | Source) -> str:
    """One ``@misc`` entry for a catalogued source; the key is the source id.

    The catalogue holds a full free-text citation (author, year, title, venue,
    the file used); it goes in ``note`` unchanged, so nothing is re-parsed or lost.
    """
    src = load_catalogue()[source] if isinstance(source, str) else source
    return _entry(
        "misc",
        src.id,
        {
            "author": "{" + _tex(src.producer) + "}",
            "title": _tex(src.title),
            "year": _year(src.citation),
            "version": _tex(src.version),
            "url": src.url,
            "note": _tex(src.citation) + f" Licence: {_tex(src.licence)}.",
        },
    )


def sources_of_tables(names: Iterable[str]) -> list[str]:
    """Catalogued sources the named processed tables were built from (user tables have none)."""
    prov = tables()
    out: dict[str, None] = {}
    for name in names:
        for sid in prov.get(name, {}).get("sources", []):
            out[sid] = None
    return sorted(out)


#: Years before a period that lags and rolling windows may read (``rolling_sum`` over 5, ``lag``).
LOOKBACK = 10


def sources_used(res: ScoreResult) -> list[str]:
    """Source ids behind the indicators that have a value in the result's period.

    A table built from several sources (a 1946-2022 veto list and its 2022-2024
    extension) cites only those whose coverage reaches the period (less
    :data:`LOOKBACK` years).
    """
    panel = res.period_panel()
    used = panel.loc[panel["status"] != "missing", "indicator"].unique()
    catalogue = load_catalogue()
    ids = sources_of_tables(t for i in used for t in res.registry[i].sources)
    return [
        s
        for s in ids
        if catalogue[s].coverage[1] >= res.start - LOOKBACK and catalogue[s].coverage[0] <= res.end
    ]


def cite(
    res: ScoreResult | None = None,
    *,
    sources: Iterable[str] | None = None,
    package: bool = True,
) -> str:
    """BibTeX for the package and the sources a result used (or the sources named).

    Parameters
    ----------
    res
        A :class:`~balances.analysis.ScoreResult`; its sources are traced.
    sources
        Source ids to cite instead (``"all"`` in the list means the whole catalogue).
    package
        Include the package's own entries.

    Examples
    --------
    >>> "@misc{cow_nmc," in cite(sources=["cow_nmc"], package=False)
    True
    """
    catalogue = load_catalogue()
    ids: list[str] = []
    if sources is not None:
        ids = list(catalogue) if "all" in sources else list(dict.fromkeys(sources))
        unknown = [s for s in ids if s not in catalogue]
        if unknown:
            raise ParameterError(
                "source", unknown[0], f"a catalogued source id ({', '.join(catalogue)})"
            )
    elif res is not None:
        ids = sources_used(res)
    parts = [bibtex_package()] if package else []
    parts += [bibtex_source(catalogue[s]) for s in ids]
    return "\n\n".join(parts) + "\n"
