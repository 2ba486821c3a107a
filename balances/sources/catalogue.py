"""The source catalogue: one YAML file per upstream source, loaded strictly.

Each file in ``balances/sources/catalogue/`` declares one source (producer,
full citation, version, upstream URL, licence, coverage, caveats, status) and
the raw files the loaders read from it, each with its SHA-256. Unknown keys,
duplicate ids and malformed hashes fail with the file named.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from balances.declare import read_document, validate
from balances.errors import RegistryError

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

Status = Literal["published", "packaged", "compiled", "handcompiled", "verified"]
"""How far a source can be trusted.

``published``: the producer's own release. ``packaged``: the producer's data as
re-released by a third party (an R package, a replication archive).
``compiled``: an event table built from stored pages, one cited URL per row.
``handcompiled``: typed by hand, a lead rather than a fact. ``verified``: a
hand-compiled table whose rows were checked against cited sources.
"""


class SourceFile(BaseModel):
    """One raw file: its path under the raw directory and its hash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="path relative to the raw-data directory")
    sha256: str
    url: str | None = Field(default=None, description="direct upstream download URL, if any")

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", v):
            raise ValueError("sha256 must be 64 lower-case hex digits")
        return v

    @field_validator("path")
    @classmethod
    def _relative(cls, v: str) -> str:
        if v.startswith("/") or ".." in Path(v).parts:
            raise ValueError("path must be relative to the raw directory, without '..'")
        return v


class Source(BaseModel):
    """One upstream source, as declared in its catalogue file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    producer: str
    citation: str
    version: str
    url: str
    licence: str
    coverage: tuple[int, int]
    status: Status
    caveats: list[str] = Field(default_factory=list)
    files: list[SourceFile]

    def file(self, name: str) -> SourceFile:
        """The declared file whose path ends with ``name``."""
        hits = [f for f in self.files if f.path == name or f.path.endswith("/" + name)]
        if len(hits) != 1:
            raise RegistryError(
                f"source {self.id!r} declares no single file named {name!r}; "
                f"declared: {[f.path for f in self.files]}"
            )
        return hits[0]


@functools.cache
def load_catalogue(directory: Path = CATALOGUE_DIR) -> dict[str, Source]:
    """Load every ``*.yml`` in ``directory`` as a :class:`Source`, keyed by id."""
    out: dict[str, Source] = {}
    for path in sorted(directory.glob("*.yml")):
        doc = read_document(path, "source catalogue file")
        src = validate(Source, doc.data, doc)
        if src.id != path.stem:
            raise doc.error(("id",), f"id {src.id!r} must equal the file name {path.stem!r}")
        if src.id in out:
            raise doc.error(("id",), f"duplicate source id {src.id!r}")
        out[src.id] = src
    return out
