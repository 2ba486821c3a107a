"""`balances cite`: BibTeX for the package and each source a result used (issue 13, point 5)."""

from __future__ import annotations

import re

import pytest

from balances.analysis import score
from balances.cite import bibtex_source, cite, sources_used
from balances.cli import main
from balances.errors import ParameterError
from balances.sources.catalogue import load_catalogue


def _keys(bib: str) -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M)


def _balanced(bib: str) -> bool:
    depth = 0
    for ch in bib.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("sid", sorted(load_catalogue()))
def test_every_catalogued_source_has_a_bibtex_entry(sid):
    src = load_catalogue()[sid]
    bib = bibtex_source(sid)
    assert _keys(bib) == [sid]
    assert _balanced(bib)
    assert f"url = {{{src.url}}}" in bib
    # BibTeX specials in the free text are escaped, never left to break the entry
    note = re.search(r"note = \{(.*)\}\n\}", bib, flags=re.S).group(1)
    assert not re.search(r"(?<!\\)[&%#_$]", note)


def test_atop_entry_keeps_the_full_citation():
    bib = bibtex_source("atop")
    assert "year = {2002}" in bib
    assert "International Interactions 28(3): 237-260" in bib
    assert r"atop5\_1ddyr" in bib


def test_result_cites_only_the_sources_its_indicators_read():
    # COW-MID ends in 2014: a 2018-2024 result reads none of it
    early = score(start=1992, end=1995, draws=0)
    late = score(start=2018, end=2024, draws=0)
    used_early, used_late = sources_used(early), sources_used(late)
    assert {"cow_nmc", "sipri_milex", "atop"} <= set(used_early)
    assert "cow_mid_v5" in used_early
    assert "cow_mid_v5" not in used_late
    bib = cite(early)
    assert _keys(bib)[:3] == ["balances", "korolev2021", "ko2007"]
    assert _keys(bib)[3:] == used_early
    assert _balanced(bib)


def test_cite_named_sources_and_unknown_source():
    assert _keys(cite(sources=["cow_nmc"], package=False)) == ["cow_nmc"]
    assert len(_keys(cite(sources=["all"], package=False))) == len(load_catalogue())
    with pytest.raises(ParameterError, match="no_such_source"):
        cite(sources=["no_such_source"])


def test_cli_cite(capsys):
    assert main(["cite", "--source", "sipri_milex", "worldbank_wdi"]) == 0
    out = capsys.readouterr().out
    assert _keys(out) == ["balances", "korolev2021", "ko2007", "sipri_milex", "worldbank_wdi"]
    assert "version = {0.1.0}" in out
    assert main(["cite", "--start", "1992", "--end", "1995", "--no-package"]) == 0
    keys = _keys(capsys.readouterr().out)
    assert "balances" not in keys and "cow_nmc" in keys
