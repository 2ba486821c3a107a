"""The source catalogue: strict loading, one test per source, every source used."""

from __future__ import annotations

from pathlib import Path

import pytest

from balances.errors import RegistryError
from balances.io import sha256
from balances.sources import load_all_loaders
from balances.sources.catalogue import load_catalogue

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("source_id", sorted(CATALOGUE))
def test_source_files_match_their_hashes(source_id: str, raw_root: Path) -> None:
    for f in CATALOGUE[source_id].files:
        assert sha256(raw_root / f.path) == f.sha256, f.path


@pytest.mark.parametrize("source_id", sorted(CATALOGUE))
def test_every_source_is_read_by_a_table(source_id: str) -> None:
    used = {s for spec in load_all_loaders().values() for s in spec.sources}
    assert source_id in used, f"{source_id} is catalogued but no table declares it"


@pytest.mark.parametrize("source_id", sorted(CATALOGUE))
def test_source_metadata_is_complete(source_id: str) -> None:
    src = CATALOGUE[source_id]
    assert src.citation and src.licence and src.url.startswith("http")
    assert src.coverage[0] <= src.coverage[1]
    if "handcompiled" in " ".join(f.path for f in src.files):
        assert src.status in {"handcompiled", "verified"}, "hand-compiled files must say so"


def test_every_table_declares_catalogued_sources() -> None:
    for spec in load_all_loaders().values():
        assert set(spec.sources) <= set(CATALOGUE), spec.name


def _write(d: Path, name: str, text: str) -> Path:
    d.mkdir(exist_ok=True)
    (d / f"{name}.yml").write_text(text)
    return d


GOOD = """id: {id}
title: t
producer: p
citation: c
version: v
url: https://example.org
licence: l
coverage: [1990, 2000]
status: published
files:
  - path: x/y.csv
    sha256: {h}
"""


def test_unknown_key_is_rejected_with_file_named(tmp_path: Path) -> None:
    d = _write(tmp_path / "cat", "s1", GOOD.format(id="s1", h="a" * 64) + "colour: blue\n")
    with pytest.raises(RegistryError, match=r"s1\.yml, line 13, column 1: colour: Extra inputs"):
        load_catalogue(d)


def test_bad_hash_and_escaping_path_are_rejected(tmp_path: Path) -> None:
    d = _write(tmp_path / "cat", "s1", GOOD.format(id="s1", h="xyz"))
    with pytest.raises(RegistryError, match="sha256"):
        load_catalogue(d)
    d = _write(
        tmp_path / "cat2", "s2", GOOD.format(id="s2", h="a" * 64).replace("x/y.csv", "../y.csv")
    )
    with pytest.raises(RegistryError, match="relative"):
        load_catalogue(d)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    d = _write(tmp_path / "cat", "s1", GOOD.format(id="other", h="a" * 64))
    with pytest.raises(RegistryError, match="must equal the file name"):
        load_catalogue(d)
