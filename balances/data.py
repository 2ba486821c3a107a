"""Read the committed processed tables (offline), checked against their provenance."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from balances.config import processed_dir
from balances.errors import DataError
from balances.io import read_provenance, sha256, table_file

_DTYPE_READ = {"Int64": "Int64", "int64": "int64", "float64": "float64", "object": "string"}


@functools.cache
def _load(directory: Path, name: str) -> pd.DataFrame:
    prov = read_provenance(directory)
    if name not in prov:
        raise DataError(
            directory / f"{name}.csv", "no such processed table", fix=f"use one of {sorted(prov)}"
        )
    path = directory / table_file(name, prov[name])
    if not path.is_file():
        raise DataError(path, "processed table missing", fix="run `balances data build`")
    if sha256(path) != prov[name]["sha256"]:
        raise DataError(
            path, "content does not match provenance.json", fix="run `balances data build`"
        )
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    dtypes = {c: _DTYPE_READ.get(t, t) for c, t in prov[name]["dtypes"].items()}
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    for col in df.columns[df.dtypes == "string"]:
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def load_table(name: str, directory: Path | None = None) -> pd.DataFrame:
    """A processed table as a DataFrame (a copy; safe to modify).

    Parameters
    ----------
    name
        Table name, e.g. ``"milex"``, ``"nmc"``; see :func:`tables`.
    directory
        Processed directory; defaults to the committed ``data/processed``.

    Examples
    --------
    >>> nmc = load_table("nmc")
    >>> round(float(nmc.query("iso3 == 'CHN' and year == 2022")["cinc"].iloc[0]), 3)
    0.234
    """
    return _load(Path(directory or processed_dir()).resolve(), name).copy()


def tables(directory: Path | None = None) -> dict[str, dict]:
    """Provenance of every processed table, keyed by name."""
    return read_provenance(Path(directory or processed_dir()))
