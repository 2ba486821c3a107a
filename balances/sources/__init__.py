"""Loaders, one module per upstream producer, each registering the tidy tables it builds.

A loader is a function ``(raw: RawFiles) -> pandas.DataFrame`` decorated with
:func:`table`, which declares the table's name, level, keys, the sources it
reads and a description of every column. :mod:`balances.build` runs them all
and writes the processed tables with their provenance.

State-year tables are keyed by ``ccode, iso3, year``; dyad-year tables by
``ccode1, ccode2, iso3_1, iso3_2, year`` (directed: both orders present);
event tables by their own id.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from balances.errors import RegistryError
from balances.schema import KEY_COLUMNS, Col
from balances.sources.raw import RawFiles

Level = Literal["state_year", "dyad_year", "system_year", "event"]
#: File formats of processed tables: CSV (diffable) or Parquet (large tables).
Format = Literal["csv", "parquet"]
Builder = Callable[[RawFiles], pd.DataFrame]

#: Keys each level must carry.
LEVEL_KEYS: dict[str, tuple[str, ...]] = {
    "state_year": ("ccode", "iso3", "year"),
    "dyad_year": ("ccode1", "ccode2", "iso3_1", "iso3_2", "year"),
    "system_year": ("year",),
    "event": (),
}


@dataclass(frozen=True)
class TableSpec:
    """Declaration of one processed table."""

    name: str
    level: Level
    keys: tuple[str, ...]
    sources: tuple[str, ...]
    description: str
    columns: dict[str, str]
    builder: Builder = field(compare=False, repr=False)
    fmt: Format = "csv"
    #: Kind, nullability and allowed values of columns (balances.schema); the level's key
    #: columns are declared there once and added here.
    schema: dict[str, Col] = field(default_factory=dict)

    @property
    def column_schema(self) -> dict[str, Col]:
        """The declared schema of every checked column: the level's keys, then ``schema``."""
        keys = {k: KEY_COLUMNS[k] for k in LEVEL_KEYS[self.level] if k in KEY_COLUMNS}
        return {**keys, **self.schema}

    @property
    def filename(self) -> str:
        """File name of the table in the processed directory."""
        return f"{self.name}.{self.fmt}"


TABLES: dict[str, TableSpec] = {}


def table(
    name: str,
    *,
    level: Level,
    sources: tuple[str, ...],
    description: str,
    columns: dict[str, str],
    keys: tuple[str, ...] | None = None,
    fmt: Format = "csv",
    schema: Mapping[str, Col] | None = None,
) -> Callable[[Builder], Builder]:
    """Register a loader as the builder of processed table ``name``.

    Parameters
    ----------
    name
        Table name; the file is ``data/processed/<name>.csv``.
    level
        ``state_year``, ``dyad_year``, ``system_year`` or ``event``.
    sources
        Catalogue ids of the sources read.
    description
        One paragraph: what a row is, coverage, caveats.
    columns
        Every non-key column -> its meaning and unit.
    keys
        Unique key; defaults to the level's keys.
    fmt
        ``"csv"`` (default, diffable) or ``"parquet"`` (tables of a million rows).
    schema
        Column -> :class:`balances.schema.Col` (kind, nullable, range or allowed
        values), checked with pandera when the table is built; every key must be
        a declared column.
    """

    def register(fn: Builder) -> Builder:
        if name in TABLES:
            raise RegistryError(f"table {name!r} is registered twice ({fn.__module__})")
        k = tuple(keys) if keys is not None else LEVEL_KEYS[level]
        unknown = [c for c in (schema or {}) if c not in columns and c not in k]
        if unknown:
            raise RegistryError(f"table {name!r}: schema names undeclared columns {unknown}")
        TABLES[name] = TableSpec(
            name, level, k, tuple(sources), description, dict(columns), fn, fmt, dict(schema or {})
        )
        return fn

    return register


def load_all_loaders() -> dict[str, TableSpec]:
    """Import every loader module so that its tables register."""
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_") and mod.name not in {"catalogue", "raw"}:
            importlib.import_module(f"{__name__}.{mod.name}")
    return TABLES
