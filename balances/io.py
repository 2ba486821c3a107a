"""Reading upstream files with errors that name file, line and column; writing atomically."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from balances.errors import DataError, shown

Kind = Literal["int", "float", "str"]

#: Tokens upstream files use for "no value": kept as missing, never as 0.
NA_TOKENS = ["", "NA", "N/A", "NaN", "nan", ".", "..", "xxx", "-", "NULL"]


def sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_csv(
    path: str | os.PathLike[str],
    columns: Mapping[str, Kind],
    *,
    na_values: Sequence[str] = NA_TOKENS,
    **kwargs: object,
) -> pd.DataFrame:
    """Read the named columns of a CSV and coerce them to the declared kinds.

    Parameters
    ----------
    path
        The CSV (``.gz`` is decompressed).
    columns
        Column name -> ``"int"``, ``"float"`` or ``"str"``. A missing column,
        or a cell that is not a number in a numeric column, raises
        :class:`~balances.errors.DataError` naming the line and column.
    na_values
        Tokens that mean "missing".
    **kwargs
        Passed to :func:`pandas.read_csv` (e.g. ``sep``, ``encoding``).

    Returns
    -------
    pandas.DataFrame
        Numeric columns as float64 (``int`` columns as nullable ``Int64``), the
        rest as ``object`` strings; the index is the file's line number.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found", fix="check --raw-dir or run `balances data fetch`")
    try:
        header = pd.read_csv(path, nrows=0, **kwargs).columns  # type: ignore[call-overload]
    except (EOFError, OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(path, f"cannot be read as CSV ({exc})", fix="re-download the file") from exc
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(
            path,
            f"expected column(s) {missing} not found; the file has {list(header)[:30]}",
            column=missing[0],
            fix="the upstream layout changed: update the loader's column map",
        )
    try:
        df = pd.read_csv(  # type: ignore[call-overload]
            path,
            usecols=list(columns),
            dtype=str,
            keep_default_na=False,
            na_values=list(na_values),
            **kwargs,
        )
    except (EOFError, OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(path, f"cannot be read as CSV ({exc})", fix="re-download the file") from exc
    df.index = pd.RangeIndex(2, len(df) + 2, name="line")
    return coerce(df, columns, path)


def coerce(df: pd.DataFrame, columns: Mapping[str, Kind], path: object) -> pd.DataFrame:
    """Coerce string columns to numbers, raising on the first cell that is not one.

    ``df.index`` is taken to be the line number reported in errors.
    """
    out = df.copy()
    for col, kind in columns.items():
        if kind == "str":
            continue
        raw = out[col].astype("string").str.strip()
        num = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
        bad = num.isna() & raw.notna() & (raw != "")
        if bad.any():
            line = bad.idxmax()
            raise DataError(
                path,
                f"non-numeric value {shown(raw.loc[line])} in a numeric column",
                row=int(line),
                column=col,
                fix="correct the cell or mark it missing",
            )
        if kind == "int":
            frac = num.notna() & (num % 1 != 0)
            if frac.any():
                line = frac.idxmax()
                raise DataError(
                    path, f"{num.loc[line]!r} is not a whole number", row=int(line), column=col
                )
            out[col] = num.astype("Int64")
        else:
            out[col] = num.astype("float64")
    return out


def check_unique(df: pd.DataFrame, keys: Sequence[str], path: object) -> None:
    """Raise :class:`DataError` naming the first duplicated key (line from ``df.index``)."""
    dup = df.duplicated(list(keys), keep="first")
    if dup.any():
        line = dup.idxmax()
        first = df.index[(df[list(keys)] == df.loc[line, list(keys)]).all(axis=1)][0]
        values = {
            k: (v.item() if hasattr(v, "item") else v)
            for k, v in zip(keys, df.loc[line, list(keys)].tolist(), strict=True)
        }
        raise DataError(
            path,
            f"duplicated key {values} (also at line {first})",
            row=int(line) if isinstance(line, (int,)) or hasattr(line, "__int__") else None,
            fix="remove the duplicate row or fix its key",
        )


def check_filled(
    df: pd.DataFrame,
    columns: Iterable[str],
    path: object,
    *,
    problem: str = "empty cell in a column every row must have",
    fix: str | None = None,
) -> None:
    """Raise :class:`DataError` on the first empty cell of ``columns`` (line from ``df.index``)."""
    for col in columns:
        missing = df[col].isna()
        if missing.any():
            raise DataError(path, problem, row=int(missing.idxmax()), column=col, fix=fix)


def check_known(
    df: pd.DataFrame, column: str, known: Iterable[object], path: object, *, what: str
) -> None:
    """Raise :class:`DataError` on the first value of ``column`` not in ``known``."""
    known = set(known)
    bad = ~df[column].isin(known) & df[column].notna()
    if bad.any():
        line = bad.idxmax()
        raise DataError(
            path,
            f"unknown {what} {shown(df.loc[line, column])}",
            row=int(line),
            column=column,
            fix=f"map it in the loader's fixes table or drop it explicitly as a non-{what}",
        )


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On an exception the temporary file is removed and ``target`` is untouched,
    so a failed or interrupted write never leaves a half-written file.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)  # mkstemp creates 0600; processed files are shared
        os.replace(tmp_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_text_atomic(target: str | os.PathLike[str], text: str) -> None:
    """Write text to ``target`` atomically (UTF-8, ``\\n`` line endings)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


#: The file beside the processed tables that records their sources, hashes and dtypes.
PROVENANCE_FILE = "provenance.json"


def table_file(name: str, prov: dict) -> str:
    """File name of processed table ``name`` (provenance written before Parquet had none: CSV)."""
    return str(prov.get("file", f"{name}.csv"))


def read_provenance(out_dir: Path) -> dict[str, dict]:
    """Read ``provenance.json`` of a processed directory.

    Raises
    ------
    DataError
        If the file is missing, is not JSON, or is not a mapping of table name -> record.
    """
    path = out_dir / PROVENANCE_FILE
    if not path.is_file():
        raise DataError(path, "no provenance file", fix="run `balances data build --raw-dir DIR`")
    try:
        prov = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(
            path, f"not a readable provenance file ({exc})", fix="run `balances data build`"
        ) from None
    if not isinstance(prov, dict) or not all(isinstance(v, dict) for v in prov.values()):
        raise DataError(
            path,
            "expected a mapping of table name -> provenance record",
            fix="run `balances data build`",
        )
    return prov
