"""Checks and fixtures shared by the tests: built loader tables, tiny report notebooks."""

from __future__ import annotations

import gzip
import itertools
import shutil
from pathlib import Path

import nbformat
import pandas as pd

from balances.build import validate_table
from balances.config import DYAD_STATES
from balances.sources import TABLES
from balances.sources.raw import RawFiles


def check_dyad_table(
    name: str,
    df: pd.DataFrame,
    first: int,
    last: int,
    *,
    directed_pairs: bool = True,
    complete: bool = False,
) -> pd.DataFrame:
    """A built dyad-year table: declared columns, years, dyad states, no self-dyads, unique keys.

    ``directed_pairs`` also checks both orders of every dyad are present; ``complete``
    that every cell inside coverage has a value.
    """
    df = validate_table(TABLES[name], df)
    assert (df["year"].min(), df["year"].max()) == (first, last)
    assert set(df["iso3_1"]) <= set(DYAD_STATES) and set(df["iso3_2"]) <= set(DYAD_STATES)
    assert not (df["iso3_1"] == df["iso3_2"]).any()
    assert not df.duplicated(["iso3_1", "iso3_2", "year"]).any()
    if directed_pairs:
        keys = ["ccode1", "ccode2", "year"]
        flipped = df.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})[keys]
        assert len(flipped.merge(df[keys])) == len(df), "both orders present"
    if complete:
        assert df.notna().all().all(), "inside coverage every cell has a value"
    return df


def committed_table(name: str) -> pd.DataFrame:
    """One committed processed table, validated against its declaration.

    Value pins read these; tests/test_build.py's slow rebuild checks that the loaders
    reproduce them byte for byte from the raw files.
    """
    from balances.data import load_table
    from balances.sources import load_all_loaders

    return validate_table(load_all_loaders()[name], load_table(name))


def copy_raw(raw_root: Path, tmp_path: Path, *relpaths: str, head: int | None = None) -> RawFiles:
    """A raw directory under ``tmp_path`` holding copies of ``relpaths``, hash checks off.

    Tests edit the copies to check that a corrupted input fails with a clear error
    (with hash checks on, the hash mismatch would be reported first). ``head`` keeps
    only the first lines of the first file: enough for an error path, and quick.
    """
    for k, rel in enumerate(relpaths):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        if head is not None and k == 0:
            head_lines(raw_root / rel, tmp_path / rel, head)
        else:
            shutil.copy(raw_root / rel, tmp_path / rel)
    return RawFiles(tmp_path, verify=False)


def head_lines(src: Path, dst: Path, n: int) -> Path:
    """Copy the first ``n`` lines of a text file (gzip-aware): a small fixture cut from the real one."""
    opener = gzip.open if src.suffix == ".gz" else open
    with (
        opener(src, "rt", encoding="utf-8", newline="") as f,
        opener(dst, "wt", encoding="utf-8", newline="") as g,
    ):
        g.writelines(itertools.islice(f, n))
    return dst


#: The parameters cell of the tiny notebooks the report-runner tests execute: the
#: names the runner injects (values are overwritten by papermill).
REPORT_PARAMS = """focal = "RUS,CHN"
reference = "USA"
start = 1992
end = 2024
spec = "default"
draws = 1000
seed = 0
period_name = "whole_series_1992_2024"
period_title = "Whole series"
"""


def tiny_notebook(path: Path, body: str) -> Path:
    """Write a two-cell notebook: :data:`REPORT_PARAMS` tagged ``parameters``, then ``body``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(REPORT_PARAMS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, path)
    return path
