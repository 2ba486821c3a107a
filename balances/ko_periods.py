"""Ko's periods as ``{label: (start, end)}``, read from the claims file without the claims machinery.

:func:`balances.analysis.breaks` tests for change at Ko's period boundaries,
while :mod:`balances.ko` scores the lenses through :mod:`balances.analysis`;
reading the periods here keeps the two modules from importing each other.
:func:`balances.ko.load_claims` validates the same file in full (a test
checks both give the same spans).
"""

from __future__ import annotations

from pathlib import Path

from balances.config import PROJECT_DIR
from balances.declare import load_yaml
from balances.errors import RegistryError

CLAIMS_FILE = PROJECT_DIR / "data" / "ko_claims.yml"


def period_spans(path: Path = CLAIMS_FILE) -> dict[str, tuple[int, int]]:
    """An author's periods as ``{label: (start, end)}``, in the file's order.

    Examples
    --------
    >>> spans = period_spans()
    >>> spans[next(iter(spans))][0] <= 1992
    True
    """
    doc = load_yaml(path, "claims file")
    try:
        return {str(p["label"]): (int(p["start"]), int(p["end"])) for p in doc["periods"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise RegistryError(f"{path}: periods need label, start and end ({exc})") from None
