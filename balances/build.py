"""raw -> processed: run every loader and write the committed tables with provenance.

Tables are built in memory first; only when every loader has succeeded are
they written, each atomically, and the provenance file last. The output is
deterministic (sorted rows, fixed float format, no timestamps), so a rebuild
from the same raw files is byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from balances import __version__
from balances.errors import DataError, RegistryError
from balances.io import (
    PROVENANCE_FILE,
    atomic_path,
    read_provenance,
    sha256,
    table_file,
    write_text_atomic,
)
from balances.schema import check
from balances.sources import LEVEL_KEYS, TableSpec, load_all_loaders
from balances.sources.raw import RawFiles

#: 12 significant digits keep every published figure and make rebuilds byte-stable.
FLOAT_FORMAT = "%.12g"
#: Keys each level must hold unique whatever keys a table declares. A dyad-year
#: table has one row per (iso3_1, iso3_2, year): Germany is 255 from 1990 (see
#: balances.sources._spine). A state-year table is unique on (ccode, iso3, year)
#: only: it may carry West Germany (260) and Germany (255), North Yemen (678) and
#: Yemen (679) in 1990, as COW does.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "dyad_year": ("iso3_1", "iso3_2", "year"),
    "state_year": ("ccode", "iso3", "year"),
}


def validate_table(spec: TableSpec, df: pd.DataFrame) -> pd.DataFrame:
    """Check a built table against its declaration and return it in canonical order."""
    where = f"table {spec.name!r} ({spec.builder.__module__})"
    missing_keys = [k for k in LEVEL_KEYS[spec.level] if k not in df.columns]
    if missing_keys:
        raise RegistryError(f"{where}: level {spec.level} needs key columns {missing_keys}")
    declared = list(spec.keys) + [c for c in spec.columns if c not in spec.keys]
    extra = [c for c in df.columns if c not in declared and c not in LEVEL_KEYS[spec.level]]
    absent = [c for c in spec.columns if c not in df.columns]
    if extra or absent:
        raise RegistryError(
            f"{where}: columns differ from the declaration: undeclared {extra}, missing {absent}"
        )
    order = list(dict.fromkeys([*LEVEL_KEYS[spec.level], *spec.keys, *spec.columns]))
    df = df[order]
    if spec.keys:
        null = df[list(spec.keys)].isna().any(axis=1)
        if null.any():
            raise RegistryError(
                f"{where}: {int(null.sum())} rows with a missing key, e.g. "
                f"{df.loc[null].iloc[0].to_dict()}"
            )
        dup = df.duplicated(list(spec.keys))
        if dup.any():
            raise RegistryError(f"{where}: duplicated key {_first(df, dup, spec.keys)}")
    unique = UNIQUE_KEYS.get(spec.level)
    if unique and tuple(unique) != tuple(spec.keys):
        dup = df.duplicated(list(unique))
        if dup.any():
            raise RegistryError(f"{where}: duplicated {spec.level} key {_first(df, dup, unique)}")
    if spec.keys:
        df = df.sort_values(list(spec.keys), kind="mergesort")
    for col in ("year", "ccode", "ccode1", "ccode2"):
        if col in df and df[col].notna().all():
            df[col] = df[col].astype("int64")
    df = df.reset_index(drop=True)
    check(df, spec.column_schema, where)
    return df


def _first(df: pd.DataFrame, rows: pd.Series, keys: Iterable[str]) -> dict[str, object]:
    """Key values of the first row selected by ``rows``, as plain Python values."""
    first = df.loc[rows, list(keys)].iloc[0]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in first.items()}


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Deterministic CSV bytes of a table."""
    return df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n").encode("utf-8")


def to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """Parquet bytes of a table (zstd, no index): deterministic for one pyarrow version."""
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd", engine="pyarrow")
    return buf.getvalue()


def build(
    raw_root: Path,
    out_dir: Path,
    *,
    only: Iterable[str] | None = None,
    verify: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict]:
    """Build processed tables from the raw directory.

    Parameters
    ----------
    raw_root
        Raw-data directory (files at the catalogue's paths).
    out_dir
        Where to write ``<table>.csv`` and ``provenance.json``.
    only
        Build only these tables (the provenance of the others is kept).
    verify
        Verify raw-file hashes against the catalogue first.
    progress
        Called with each table name before it is built.

    Returns
    -------
    dict
        The provenance written, keyed by table.
    """
    tables = load_all_loaders()
    names = sorted(tables) if only is None else list(only)
    unknown = [n for n in names if n not in tables]
    if unknown:
        raise RegistryError(f"unknown table(s) {unknown}; known: {sorted(tables)}")
    raw = RawFiles(raw_root, verify=verify)
    built: dict[str, tuple[bytes, dict]] = {}
    for name in names:
        spec = tables[name]
        if progress:
            progress(name)
        raw.used = {}
        df = validate_table(spec, spec.builder(raw))
        undeclared = sorted(set(raw.used) - set(spec.sources))
        if undeclared:
            raise RegistryError(f"table {name!r} read source(s) {undeclared} it does not declare")
        data = to_parquet_bytes(df) if spec.fmt == "parquet" else to_csv_bytes(df)
        built[name] = (data, _provenance(spec, df, data, raw))
    prov_path = out_dir / PROVENANCE_FILE
    provenance = read_provenance(out_dir) if only is not None and prov_path.exists() else {}
    for name, (data, prov) in built.items():
        with atomic_path(out_dir / tables[name].filename) as tmp:
            tmp.write_bytes(data)
        provenance[name] = prov
    provenance = {k: provenance[k] for k in sorted(provenance) if k in tables}
    write_text_atomic(prov_path, json.dumps(provenance, indent=1, sort_keys=True) + "\n")
    return provenance


def _provenance(spec: TableSpec, df: pd.DataFrame, data: bytes, raw: RawFiles) -> dict:
    import hashlib

    sources = {}
    for sid in spec.sources:
        src = raw.catalogue[sid]
        used = raw.used.get(sid, set())
        sources[sid] = {
            "title": src.title,
            "version": src.version,
            "status": src.status,
            # hashes of the bytes read (equal to the catalogue's when verified)
            "files": {f.path: raw.digest(f.path) for f in src.files if f.path in used},
        }
    years = df["year"] if "year" in df else pd.Series(dtype=float)
    return {
        "description": spec.description,
        "level": spec.level,
        "keys": list(spec.keys),
        "columns": {c: spec.columns.get(c, "key") for c in df.columns},
        "dtypes": {c: str(t) for c, t in df.dtypes.items()},
        "rows": len(df),
        "years": [int(years.min()), int(years.max())] if len(years.dropna()) else None,
        "sha256": hashlib.sha256(data).hexdigest(),
        "sources": sources,
        "built_by": f"balances {__version__}",
        **({"file": spec.filename} if spec.fmt != "csv" else {}),
    }


def check_processed(out_dir: Path) -> list[str]:
    """Verify every processed table against its provenance hash.

    Returns
    -------
    list of str
        One line per table checked; raises :class:`DataError` on the first mismatch.
    """
    lines = []
    for name, prov in read_provenance(out_dir).items():
        path = out_dir / table_file(name, prov)
        if not path.is_file():
            raise DataError(
                path,
                "processed table listed in provenance.json is missing",
                fix="run `balances data build`",
            )
        digest = sha256(path)
        if digest != prov["sha256"]:
            raise DataError(
                path,
                "content does not match the SHA-256 in provenance.json "
                "(edited by hand or half-written)",
                fix="run `balances data build`",
            )
        lines.append(f"{name}: {prov['rows']} rows, years {prov['years']}, sha256 {digest[:12]} ok")
    return lines
