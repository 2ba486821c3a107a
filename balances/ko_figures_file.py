"""Ko Sangtu's published figures, machine-readable: the file ``data/ko_figures.csv`` and its loader.

Ko Sangtu, "Russia's Choice of Alliance: Balancing or Bandwagoning?" (mid-2000s) gives two
tables (Table 1: Russian military expenditure 1999-2004; Table 2: Russian arms exports by
recipient 1999-2004 in SIPRI trend-indicator values) and a number of single figures in the
text. They are typed, one figure per row, in ``data/ko_figures.csv``; this module loads and
validates that file and sets the figures SIPRI can still measure beside the current release.

CSV columns
-----------
figure_id
    Unique snake_case identifier.
table
    ``table1``, ``table2`` or ``text``.
country
    ISO3 code, or a project aggregate code (``WLD`` world, ``EUR`` Europe).
partner
    Recipient of Russian arms deliveries (Table 2 and related text figures): ISO3, ``OTH``
    (Ko's "Others" row) or ``WLD`` (Ko's "Total" row, all recipients); empty otherwise.
year
    Integer; for a range, its end year (the range is in ``period``). Empty for the few
    figures Ko gives without any date.
period
    ``YYYY-YYYY`` for figures covering a range, else empty.
measure, value, unit
    What is measured, the number as printed (thousands separators dropped), and its unit.
ko_source, location, note
    What Ko cites, where in the article the figure appears, and a short paraphrase.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["KO_COLUMNS", "KO_TABLES", "AGGREGATE_CODES", "default_ko_path", "load_ko_figures"]

KO_COLUMNS: tuple[str, ...] = (
    "figure_id",
    "table",
    "country",
    "partner",
    "year",
    "period",
    "measure",
    "value",
    "unit",
    "ko_source",
    "location",
    "note",
)
"""Columns of ``ko_figures.csv``, in order."""

KO_TABLES: frozenset[str] = frozenset({"table1", "table2", "text"})
"""Allowed values of the ``table`` column."""

AGGREGATE_CODES: frozenset[str] = frozenset({"WLD", "EUR", "EUU", "OTH"})
"""Codes that denote groups, never single countries; excluded when summing a world total."""

_ID_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_CODE_RE = re.compile(r"^[A-Z]{3}$")
_PERIOD_RE = re.compile(r"^(\d{4})-(\d{4})$")


def default_ko_path() -> Path:
    """Return the default location of ``ko_figures.csv``.

    Returns
    -------
    pathlib.Path
        ``<repository root>/data/ko_figures.csv``.
    """
    from balances.config import PROJECT_DIR

    return PROJECT_DIR / "data" / "ko_figures.csv"


def _fail(path: Path, line: int | None, msg: str) -> ValueError:
    where = f"{path}" if line is None else f"{path}, row {line}"
    return ValueError(f"{where}: {msg}")


def load_ko_figures(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate Ko Sangtu's figures.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        CSV file to read. Defaults to :func:`default_ko_path`.

    Returns
    -------
    pandas.DataFrame
        One row per figure with the columns of :data:`KO_COLUMNS`. ``value`` is float,
        ``year`` is nullable ``Int64``; text columns are strings (empty string when blank).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a column is missing, or a row has an empty, malformed or duplicate ``figure_id``,
        an unknown ``table``, a non-numeric ``value``, a non-integer ``year`` or a malformed
        ``period`` or ``country`` code. The message names the file and the row (its line
        number in the file, the header being line 1).
    """
    path = Path(path) if path is not None else default_ko_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: Ko figures file not found")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in KO_COLUMNS if c not in raw.columns]
    if missing:
        raise _fail(path, None, f"missing column(s) {missing}")
    df = raw.loc[:, list(KO_COLUMNS)].apply(lambda s: s.str.strip())

    seen: dict[str, int] = {}
    values: list[float] = []
    years: list[int | None] = []
    for i, rec in enumerate(df.itertuples(index=False)):
        line = i + 2  # header is line 1
        fid = rec.figure_id
        if not _ID_RE.match(fid):
            raise _fail(path, line, f"figure_id {fid!r} is empty or not snake_case")
        if fid in seen:
            raise _fail(path, line, f"duplicate figure_id {fid!r} (first on row {seen[fid]})")
        seen[fid] = line
        val, year = _checked_row(rec, path, line)
        values.append(val)
        years.append(year)

    out = df.copy()
    out["value"] = pd.Series(values, index=df.index, dtype="float64")
    out["year"] = pd.array(years, dtype="Int64")
    return out.reset_index(drop=True)


def _checked_row(rec: Any, path: Path, line: int) -> tuple[float, int | None]:
    """One row's value and year, after checking its table, codes, value, year and period."""
    fid = rec.figure_id
    if rec.table not in KO_TABLES:
        raise _fail(
            path,
            line,
            f"figure_id {fid!r}: unknown table {rec.table!r} (expected one of {sorted(KO_TABLES)})",
        )
    if not _CODE_RE.match(rec.country):
        raise _fail(
            path,
            line,
            f"figure_id {fid!r}: country {rec.country!r} is not a 3-letter upper-case code",
        )
    if rec.partner and not _CODE_RE.match(rec.partner):
        raise _fail(
            path,
            line,
            f"figure_id {fid!r}: partner {rec.partner!r} is not a 3-letter upper-case code",
        )
    try:
        val = float(rec.value)
    except ValueError:
        raise _fail(path, line, f"figure_id {fid!r}: value {rec.value!r} is not numeric") from None
    if not math.isfinite(val):
        raise _fail(path, line, f"figure_id {fid!r}: value {rec.value!r} is not finite")
    if rec.year == "":
        year = None
    elif re.fullmatch(r"\d{4}", rec.year):
        year = int(rec.year)
    else:
        raise _fail(path, line, f"figure_id {fid!r}: year {rec.year!r} is not an integer")
    if rec.period:
        m = _PERIOD_RE.match(rec.period)
        if not m or int(m.group(1)) > int(m.group(2)):
            raise _fail(path, line, f"figure_id {fid!r}: period {rec.period!r} is not YYYY-YYYY")
        if year != int(m.group(2)):
            raise _fail(
                path,
                line,
                f"figure_id {fid!r}: year {rec.year!r} is not the end of period {rec.period!r}",
            )
    if not rec.measure:
        raise _fail(path, line, f"figure_id {fid!r}: empty measure")
    return val, year
