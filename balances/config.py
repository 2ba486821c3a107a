"""Where things live: the raw-data directory, the committed processed tables.

The raw directory is taken, in order, from the ``raw_dir`` argument (the CLI's
``--raw-dir``), the ``BALANCES_RAW_DIR`` environment variable, or
``../shared/data/raw`` beside the project checkout when it exists.
"""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

from balances.errors import ParameterError

PACKAGE_DIR = Path(__file__).resolve().parent


def _project_dir() -> Path:
    """The clone the package runs from, or the installed copy of its data and notebooks.

    A wheel installs ``data/`` and ``notebooks/`` under ``<prefix>/share/balances``
    (``[tool.setuptools.data-files]`` in pyproject.toml); a clone or an editable
    install uses the checkout itself.
    """
    if (PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return PACKAGE_DIR.parent
    for prefix in (sys.prefix, site.USER_BASE or "", sys.base_prefix):
        shared = Path(prefix) / "share" / "balances"
        if (shared / "data" / "processed" / "provenance.json").is_file():
            return shared
    return PACKAGE_DIR.parent


PROJECT_DIR = _project_dir()
#: True when running from a clone (or an editable install), False from an installed wheel.
FROM_CLONE = PROJECT_DIR == PACKAGE_DIR.parent
#: Committed processed tables and their provenance.
PROCESSED_DIR = PROJECT_DIR / "data" / "processed"
RAW_ENV = "BALANCES_RAW_DIR"
PROCESSED_ENV = "BALANCES_PROCESSED_DIR"

#: First and last year of the committed state-year panels.
PANEL_START, PANEL_END = 1946, 2024
#: The years the project is about: the post-Cold War period.
STUDY_START = 1991

#: States whose dyads are kept in the committed dyad-year tables: the focal
#: triad, the other great powers, and the states of the example triads
#: (India-Russia vs US, China-Pakistan vs India) plus regional powers often
#: asked about. Any dyad among these can be scored offline.
DYAD_STATES: tuple[str, ...] = (
    "USA",
    "RUS",
    "CHN",
    "GBR",
    "FRA",
    "DEU",
    "JPN",
    "IND",
    "PAK",
    "BRA",
    "IRN",
    "PRK",
    "KOR",
    "TUR",
    "UKR",
)


def raw_dir(path: str | os.PathLike[str] | None = None, *, required: bool = True) -> Path | None:
    """Resolve the directory that holds the raw upstream files.

    Parameters
    ----------
    path
        Explicit directory; wins over the environment.
    required
        Raise if no directory can be found (otherwise return ``None``).
    """
    candidates: list[tuple[str, Path]] = []
    if path is not None:
        candidates.append(("--raw-dir", Path(path)))
    elif os.environ.get(RAW_ENV):
        candidates.append((RAW_ENV, Path(os.environ[RAW_ENV])))
    else:
        candidates.append(("default", PROJECT_DIR.parent / "shared" / "data" / "raw"))
    name, cand = candidates[0]
    if cand.is_dir():
        return cand.resolve()
    if required:
        raise ParameterError(
            "raw_dir" if name != RAW_ENV else RAW_ENV,
            str(cand),
            "an existing directory holding the raw upstream files "
            f"(pass --raw-dir, set {RAW_ENV}, or run `balances data fetch` to download them)",
        )
    return None


def processed_dir() -> Path:
    """Directory of the processed tables (``BALANCES_PROCESSED_DIR`` overrides)."""
    env = os.environ.get(PROCESSED_ENV)
    return Path(env) if env else PROCESSED_DIR
