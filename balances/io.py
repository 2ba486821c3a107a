"""Reading upstream files with errors that name file, line and column; writing atomically;
exporting results as CSV, Parquet, Stata and Excel with variable labels from the registry."""

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

from balances.errors import DataError, ParameterError, shown
from balances.schema import Col, violations

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
    columns: Mapping[str, Kind | Col],
    *,
    na_values: Sequence[str] = NA_TOKENS,
    **kwargs: object,
) -> pd.DataFrame:
    """Read the named columns of a CSV, coerce them to the declared kinds and check them.

    Parameters
    ----------
    path
        The CSV (``.gz`` is decompressed).
    columns
        Column name -> ``"int"``, ``"float"`` or ``"str"``, or a
        :class:`~balances.schema.Col` (the declaration the processed tables use:
        kind, missing or not, range, allowed values). A missing column, a cell
        that is not a number in a numeric column, or a cell that breaks its
        ``Col`` raises :class:`~balances.errors.DataError` naming the line and
        column (:func:`check_declared`).
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
    df = coerce(df, {c: _kind(k) for c, k in columns.items()}, path)
    check_declared(df, {c: k for c, k in columns.items() if isinstance(k, Col)}, path)
    return df


def _kind(declared: Kind | Col) -> Kind:
    """The coercion kind of a raw column's declaration (``bool`` is read as an integer)."""
    if isinstance(declared, Col):
        return "int" if declared.kind == "bool" else declared.kind
    return declared


def check_declared(df: pd.DataFrame, columns: Mapping[str, Col], path: object) -> None:
    """Raise :class:`DataError` on the first column that breaks its :class:`Col`.

    The rules are those of the processed tables (:func:`balances.schema.violations`);
    the error names the file, the line (``df.index``), the column, the value and
    the rule, e.g. ``line 7, column 'vote': value 'maybe' breaks isin([...])``.
    """
    found = violations(df, columns) if columns else []
    if found:
        v = found[0]
        raise DataError(
            path,
            v.text(),
            row=int(v.row),
            column=v.column,
            fix=columns[v.column].fix
            or "correct the cell, or the declaration if the upstream codes changed",
        )


def coerce(df: pd.DataFrame, columns: Mapping[str, Kind], path: object) -> pd.DataFrame:
    """Coerce string columns to numbers, raising on the first cell that is not one.

    ``df.index`` is taken to be the line number reported in errors.
    """
    out = df.copy()
    for col, kind in columns.items():
        if kind == "str":
            continue
        num = _numbers(out[col], col, path)
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


def _numbers(values: pd.Series, col: str, path: object) -> pd.Series:
    """Parse a column of number strings; thousands commas and padding are allowed.

    Plain numbers are parsed in one C pass; only the cells that fail it (missing,
    padded, with commas, or not numbers) are stripped and cleaned as text, which on a
    large file is most of the work saved.
    """
    num = pd.to_numeric(values, errors="coerce")
    redo = (num.isna() & values.notna()).to_numpy()
    if not redo.any():
        return num
    raw = values[redo].astype("string").str.strip()
    fixed = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
    bad = fixed.isna() & raw.notna() & (raw != "")
    if bad.any():
        line = bad.idxmax()
        raise DataError(
            path,
            f"non-numeric value {shown(raw.loc[line])} in a numeric column",
            row=int(line),
            column=col,
            fix="correct the cell or mark it missing",
        )
    num = num.astype("float64")
    num[redo] = fixed.astype("float64").to_numpy()
    return num


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


# ---------------------------------------------------------------- exports
#: Labels of the columns the package's tidy results share (indicator columns take theirs from
#: the registry: title and unit).
COLUMN_LABELS: dict[str, str] = {
    "year": "Year",
    "lens": "Lens: power, threat, interests (Korolev 2021) or overall",
    "score": "Score, 0-100 (higher = closer alignment against the reference)",
    "low": "Lower bound of the 5-95% Monte Carlo band, 0-100",
    "high": "Upper bound of the 5-95% Monte Carlo band, 0-100",
    "n_indicators": "Number of indicators with a value that year",
    "indicator": "Indicator id (see the registry)",
    "value": "Indicator value, in the indicator's unit",
    "status": "present, estimate, imputed or missing",
    "note": "Note on the value",
    "contribution": "Points of the overall score the indicator contributes",
    "focal": "Focal pair, ISO3 codes",
    "reference": "Reference power, ISO3 code",
    "period_start": "First year of the period reported",
    "period_end": "Last year of the period reported",
    "spec": "Scoring specification (preset or file)",
    "spec_hash": "Digest of the scoring specification",
    "seed": "Monte Carlo seed",
    "draws": "Monte Carlo draws",
    "balances_version": "balances package version",
}

#: File suffix -> export format.
EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".dta": "stata", ".xlsx": "excel"}

# Stata limits: 32-character names, 80-character variable and dataset labels.
_STATA_NAME, _STATA_LABEL = 32, 80


def variable_labels(
    df: pd.DataFrame, registry: Mapping[str, object] | None = None
) -> dict[str, str]:
    """A label for each column: the registry's ``title (unit)`` for indicator ids, else a built-in.

    ``registry`` maps indicator id -> :class:`~balances.indicators.registry.Indicator`
    (anything with ``title`` and ``unit``). Columns with no known label get none.
    """
    out: dict[str, str] = {}
    for col in df.columns:
        ind = (registry or {}).get(col)
        if ind is not None:
            out[col] = f"{ind.title} ({ind.unit})"
        elif col in COLUMN_LABELS:
            out[col] = COLUMN_LABELS[col]
    return out


def _stata_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Stata has no nullable strings or object columns of mixed types: strings with "" for missing."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
        elif isinstance(out[col].dtype, pd.BooleanDtype) or out[col].dtype == bool:
            out[col] = out[col].astype("float64")
    return out


def export(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    registry: Mapping[str, object] | None = None,
    labels: Mapping[str, str] | None = None,
    meta: Mapping[str, object] | None = None,
) -> Path:
    """Write a result table as CSV, Parquet, Stata ``.dta`` or Excel ``.xlsx`` (by suffix).

    Parameters
    ----------
    df
        The table (no index is written).
    path
        Target file; its suffix picks the format (:data:`EXPORT_FORMATS`).
    registry
        The indicator registry: indicator-id columns are labelled with their title and unit.
    labels
        Extra or overriding column labels.
    meta
        Run parameters (triad, spec, seed, version): the Stata dataset label, an Excel sheet
        ``about``, Parquet schema metadata. CSV keeps only the columns; add the
        parameters as columns if a CSV must carry them.

    Returns
    -------
    pathlib.Path
        The file written (atomically).

    Examples
    --------
    >>> import tempfile
    >>> d = pd.DataFrame({"year": [2000], "score": [41.5]})
    >>> p = export(d, Path(tempfile.mkdtemp()) / "s.dta")
    >>> pd.io.stata.StataReader(p).variable_labels()["score"][:5]
    'Score'
    """
    target = Path(path)
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ParameterError("output", str(target), f"a file ending in {', '.join(EXPORT_FORMATS)}")
    lab = {**variable_labels(df, registry), **(labels or {})}
    meta = dict(meta or {})
    with atomic_path(target) as tmp:
        _WRITERS[fmt](df, tmp, target, lab, meta)
    return target


def _write_csv(
    df: pd.DataFrame, tmp: Path, target: Path, lab: dict[str, str], meta: dict[str, object]
) -> None:
    df.to_csv(tmp, index=False, lineterminator="\n")


def _write_parquet(
    df: pd.DataFrame, tmp: Path, target: Path, lab: dict[str, str], meta: dict[str, object]
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    extra = {b"balances": json.dumps({"labels": lab, "meta": meta}, default=str).encode()}
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, **extra}), tmp)


def _write_stata(
    df: pd.DataFrame, tmp: Path, target: Path, lab: dict[str, str], meta: dict[str, object]
) -> None:
    long = [c for c in df.columns if len(str(c)) > _STATA_NAME]
    if long:
        raise ParameterError(
            "output",
            str(target),
            f"columns of at most 32 characters for Stata ({long[0]!r})",
        )
    about = "; ".join(f"{k} {v}" for k, v in meta.items())
    _stata_frame(df).to_stata(
        tmp,
        write_index=False,
        version=118,
        variable_labels={k: v[:_STATA_LABEL] for k, v in lab.items()},
        data_label=(about or "balances export")[:_STATA_LABEL],
    )


def _write_excel(
    df: pd.DataFrame, tmp: Path, target: Path, lab: dict[str, str], meta: dict[str, object]
) -> None:
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        df.to_excel(xl, sheet_name="data", index=False)
        pd.DataFrame(
            {"variable": list(df.columns), "label": [lab.get(c, "") for c in df.columns]}
        ).to_excel(xl, sheet_name="variables", index=False)
        if meta:
            pd.DataFrame(
                {"parameter": list(meta), "value": [str(v) for v in meta.values()]}
            ).to_excel(xl, sheet_name="about", index=False)


#: Format (a value of :data:`EXPORT_FORMATS`) -> the function writing it to the temporary file.
_WRITERS = {
    "csv": _write_csv,
    "parquet": _write_parquet,
    "stata": _write_stata,
    "excel": _write_excel,
}
