"""What a report depends on, the stamp each report carries, and the lock on an output folder.

A report is three files written by the worker that ran it, in this order:
``<notebook>.ipynb`` (whose metadata holds its cache key), ``<notebook>.html``
and ``<notebook>.stamp.json``: the inputs the report was made from, their
cache key, and the SHA-256 of the two files. A report is reused only when its
stamp's key equals the key of today's inputs and both files still hash to what
the stamp says. Nothing else is trusted: not ``manifest.json`` (written for
people, possibly by another or an interrupted run), not file times. A run
interrupted between the three writes leaves a stamp that does not match the
files, so the report runs again.

The key covers every input by content: the notebook file, the parameters, the
package version and source, each processed table's hash, every file of the
user's indicator directory and of installed indicator plugins, and whether code
is shown.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from balances.config import PACKAGE_DIR, processed_dir
from balances.errors import DataError, ParameterError
from balances.reports._fs import sha256_file

STAMP_SUFFIX = ".stamp.json"
FAILED_SUFFIX = ".failed.json"
LOCK_FILE = ".balances-report.lock"
PROVENANCE_FILE = "provenance.json"

#: The parts of the cache key, with what a change of each is reported as (order checked).
KEY_PARTS = {
    "notebook_sha256": "notebook changed",
    "parameters": "parameters changed",
    "package_version": "package version changed",
    "package_sha256": "package source changed",
    "data": "data changed",
    "user_indicators": "user indicators changed",
    "with_input": "with_input changed",
}


def package_hash() -> str:
    """SHA-256 over the package's source files (``.py``, ``.yml``, ``.yaml``, ``.j2``), paths
    included."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if (
            p.suffix in {".py", ".yml", ".yaml", ".j2"}
            and "__pycache__" not in p.parts
            and p.is_file()
        ):
            h.update(p.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def data_hashes(directory: Path | None = None) -> dict[str, str]:
    """SHA-256 of each processed table, as recorded in ``provenance.json``.

    Read directly as JSON (not through the build layer), so that a cached run
    stays light.
    """
    path = Path(directory or processed_dir()) / PROVENANCE_FILE
    try:
        prov = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            path, "no provenance file", fix="run `balances data build --raw-dir DIR`"
        ) from None
    except (OSError, ValueError) as exc:
        raise DataError(
            path, f"not readable as JSON ({exc})", fix="run `balances data build`"
        ) from None
    if not isinstance(prov, dict) or not all(isinstance(v, dict) for v in prov.values()):
        raise DataError(path, "not a mapping of table -> record", fix="run `balances data build`")
    return {str(name): str(entry.get("sha256", "")) for name, entry in sorted(prov.items())}


def _dir_files(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (hidden files and caches aside), by relative path."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if p.is_file():
            out[rel.as_posix()] = sha256_file(p)
    return out


def plugin_dirs(cache_folder: Path | None = None) -> dict[str, str]:
    """Folders of installed indicator plugins (entry point group ``balances.indicators``).

    Scanning the installed distributions costs a quarter of a cached run, so the
    answer is kept in ``cache_folder`` under a key of every ``sys.path`` folder's
    modification time, which an install or uninstall changes.
    """
    import sys

    stamp = []
    for entry in sys.path:
        with contextlib.suppress(OSError):
            stamp.append([entry, os.stat(entry or ".").st_mtime_ns])
    key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()
    path = cache_folder / f"plugins-{key}.json" if cache_folder is not None else None
    if path is not None:
        doc = read_json(path)
        if doc is not None and isinstance(doc.get("dirs"), dict):
            return {str(k): str(v) for k, v in doc["dirs"].items()}
    from importlib import metadata

    dirs = {}
    for ep in metadata.entry_points(group="balances.indicators"):
        target = ep.load()
        dirs[ep.name] = str(Path(target() if callable(target) else target))
    if path is not None:
        with contextlib.suppress(OSError):
            from balances.reports._fs import write_text_atomic

            write_text_atomic(path, json.dumps({"dirs": dirs}) + "\n")
    return dirs


def user_indicators(
    user_dir: str | os.PathLike[str] | None, cache_folder: Path | None = None
) -> dict[str, Any] | None:
    """The user's indicator directory and installed plugins, each file by content hash.

    ``None`` when there are neither. The directory's path is recorded but it is
    the files' contents that enter the cache key. ``cache_folder``: see
    :func:`plugin_dirs`.

    Raises
    ------
    ParameterError
        If ``user_dir`` is given but is not a directory.
    """
    plugins = {
        name: _dir_files(Path(folder))
        for name, folder in plugin_dirs(cache_folder).items()
        if Path(folder).is_dir()
    }
    if user_dir is None and not plugins:
        return None
    files = None
    if user_dir is not None:
        folder = Path(user_dir)
        if not folder.is_dir():
            raise ParameterError(
                "indicators_dir", str(user_dir), "a directory of indicator YAML and CSV files"
            )
        files = _dir_files(folder)
    return {
        "dir": str(Path(user_dir).resolve()) if user_dir is not None else None,
        "files": files,
        "plugins": plugins,
    }


def key_inputs(record: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a record the cache key is made of (the directory path is not one)."""
    out = {k: record.get(k) for k in KEY_PARTS}
    user = out["user_indicators"]
    if isinstance(user, Mapping):
        out["user_indicators"] = {"files": user.get("files"), "plugins": user.get("plugins")}
    return out


def cache_key(record: Mapping[str, Any]) -> str:
    """Hash of everything a report depends on (:data:`KEY_PARTS`)."""
    blob = json.dumps(key_inputs(record), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def stamp_path(out_dir: Path, notebook: str) -> Path:
    return out_dir / f"{notebook}{STAMP_SUFFIX}"


def failed_path(out_dir: Path, notebook: str) -> Path:
    return out_dir / f"{notebook}{FAILED_SUFFIX}"


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or ``None`` if it is missing, unreadable or not an object."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def verify(out_dir: Path, notebook: str, key: str | None = None) -> tuple[str | None, dict | None]:
    """Check a report's files against its stamp.

    Returns
    -------
    (reason, stamp)
        ``reason`` is ``None`` when the report can be reused (its stamp is
        readable, its files hash to the stamp, and its key is ``key`` when one is
        given), otherwise why not. ``stamp`` is the stamp when readable.
    """
    html, ipynb = out_dir / f"{notebook}.html", out_dir / f"{notebook}.ipynb"
    stamp = read_json(stamp_path(out_dir, notebook))
    if stamp is None:
        return ("no previous run" if not html.exists() else "previous run left no stamp"), None
    if not (html.is_file() and ipynb.is_file()):
        return "previous output missing", stamp
    for path, field in ((html, "html_sha256"), (ipynb, "ipynb_sha256")):
        try:
            digest = sha256_file(path)
        except OSError:
            digest = None
        if digest != stamp.get(field):
            return f"{path.name} does not match its stamp (changed or corrupt)", stamp
    if key is not None and stamp.get("cache_key") != key:
        return "inputs changed", stamp
    return None, stamp


def rerun_reason(
    out_dir: Path, notebook: str, record: Mapping[str, Any]
) -> tuple[str | None, dict | None]:
    """Why a report must run again (``None``: reuse it), and its stamp when readable."""
    if failed_path(out_dir, notebook).exists() or (out_dir / f"{notebook}.failed.ipynb").exists():
        reason, stamp = verify(out_dir, notebook)
        return "previous run failed", stamp
    reason, stamp = verify(out_dir, notebook, record["cache_key"])
    if reason == "inputs changed" and stamp is not None:
        old = stamp.get("inputs") or {}
        new = key_inputs(record)
        return next((why for k, why in KEY_PARTS.items() if old.get(k) != new[k]), reason), stamp
    return reason, stamp


class OutputLock:
    """An exclusive lock on an output folder for the length of a run.

    ``flock`` on ``<out>/.balances-report.lock``: released by the kernel when
    the process ends, however it ends, so a killed run never leaves the folder
    locked. A second run into the same folder is refused with the holder's PID.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ParameterError(
                    "out",
                    str(self.path.parent),
                    f"a folder no other run is writing into: `balances report` (PID {holder}) "
                    "is running there; wait for it to finish or choose another --out",
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None
