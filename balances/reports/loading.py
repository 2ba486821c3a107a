"""Loading the periods file: the strict, validating read, or its cached result for an unchanged file.

Kept apart from :mod:`balances.reports.periods` (the plain data classes) so
that the validating loader (:mod:`balances.reports.periods_file`, which
imports pydantic) is imported only when a file has to be validated.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from balances.reports.periods import (
    DEFAULT_PERIODS_FILE,
    PeriodsConfig,
)


def load_periods(
    path: str | os.PathLike[str] | None = None,
    *,
    notebooks_dir: str | os.PathLike[str] | None = None,
) -> PeriodsConfig:
    """Load and validate a periods file; nothing runs.

    Parameters
    ----------
    path
        The YAML file (default ``notebooks/params/periods.yml``).
    notebooks_dir
        Folder of the notebooks; wins over the file's ``notebooks_dir`` (which is
        relative to the file), whose default is the project's ``notebooks/``.

    Returns
    -------
    PeriodsConfig
        Periods in file order, defaults applied.

    Raises
    ------
    RegistryError
        Naming the file, the period, the parameter and the values allowed, on an
        unknown key, a duplicate key, an alias or merge key, a bad name, a year
        outside the panel or start after end, an unknown country or preset, a
        missing notebook or one that does not declare the parameters, a notebook
        listed twice, or a value that could not be passed safely.

    Examples
    --------
    >>> cfg = load_periods(notebooks_dir="tests/notebooks")  # doctest: +SKIP
    >>> cfg.periods["kozyrev_1992_1995"].parameters()["start"]  # doctest: +SKIP
    1992
    """
    from balances.reports.periods_file import load_strict

    return load_strict(path, notebooks_dir=notebooks_dir)


def load_periods_cached(
    path: str | os.PathLike[str] | None, out: str | os.PathLike[str]
) -> PeriodsConfig:
    """:func:`load_periods`, reusing the validation of an unchanged file.

    Validating imports the scoring stack (presets, country codes, papermill's
    translator); a run whose reports are all cached should not pay for it. The
    validated config is kept in ``<out>/.cache/`` under a key of the periods
    file's bytes and path, the package source, and each notebook it names; any
    change to these validates again.
    """
    from balances.reports._fs import sha256_file, write_text_atomic
    from balances.reports.cache import package_hash, read_json

    file = Path(path) if path is not None else DEFAULT_PERIODS_FILE
    folder = Path(out).expanduser() / ".cache" if str(out).strip() else None
    if folder is None or not file.is_file():
        return load_periods(file)
    blob = json.dumps([str(file.resolve()), sha256_file(file), package_hash()]).encode()
    cached = folder / f"periods-{hashlib.sha256(blob).hexdigest()}.json"
    doc = read_json(cached)
    if doc is not None:
        try:
            config = PeriodsConfig.from_json(doc["config"])
            unchanged = all(
                sha256_file(config.notebook_path(nb)) == digest
                for nb, digest in doc["notebooks"].items()
            )
        except (KeyError, TypeError, ValueError, OSError):
            unchanged = False
        if unchanged:
            return config
    config = load_periods(file)
    notebooks = {nb for p in config.periods.values() for nb in p.notebooks}
    record = {
        "config": config.to_json(),
        "notebooks": {nb: sha256_file(config.notebook_path(nb)) for nb in sorted(notebooks)},
    }
    if folder.parent.is_dir():
        try:
            write_text_atomic(cached, json.dumps(record, indent=1) + "\n")
        except OSError:
            pass  # a read-only --out is refused by the run itself, with its own message
    return config
