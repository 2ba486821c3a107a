"""Small file helpers for the report runner.

They repeat three lines of :mod:`balances.io` on purpose: that module imports
pandas, and a run whose reports are all cached must start without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

#: Temporary files of an atomic write: ``.<name>.<random>.tmp`` (and papermill's
#: ``.<name>.<random>.tmp.ipynb``), beside their target.
TEMP_GLOBS = (".*.tmp", ".*.tmp.ipynb")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, fsync it, rename it into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # a full disk fails here, before the rename, not after
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text_atomic(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))


def remove_temporaries(folder: Path, prefix: str = "") -> list[Path]:
    """Delete the temporary files of interrupted writes under ``folder`` (``prefix``: of one file)."""
    removed = []
    for pattern in TEMP_GLOBS:
        for path in folder.rglob(f".{prefix}{pattern[1:]}" if prefix else pattern):
            if path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed
