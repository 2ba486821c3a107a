"""Download the raw upstream files with :mod:`pooch`, verifying each SHA-256.

A file is downloaded from ``base_url + path`` when a mirror is given (a local
copy of the raw directory served over HTTP, an institutional mirror), else
from the direct upstream URL the catalogue declares. pooch writes to a
temporary file and moves it into place only when the hash matches, so a
corrupted download never lands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pooch

from balances.errors import DataError
from balances.sources.catalogue import load_catalogue


@dataclass(frozen=True)
class FetchResult:
    """Outcome for one raw file."""

    source: str
    path: str
    status: str  # "downloaded", "present", "manual"
    detail: str


def fetch(
    dest: Path,
    *,
    base_url: str | None = None,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[FetchResult]:
    """Fetch every catalogued raw file into ``dest`` (same layout as the raw directory).

    Parameters
    ----------
    dest
        Target raw directory.
    base_url
        Mirror serving the raw directory layout, e.g. ``http://127.0.0.1:8000/``.
    only
        Source ids to fetch (default: all).
    progress
        Called with each file path before it is fetched.

    Returns
    -------
    list of FetchResult
        Files with no known download address are reported as ``"manual"``
        with the page to get them from.

    Raises
    ------
    DataError
        A download whose hash does not match the catalogue, naming the file.
    """
    catalogue = load_catalogue()
    wanted = set(only) if only is not None else set(catalogue)
    unknown = wanted - set(catalogue)
    if unknown:
        raise DataError(
            "balances/sources/catalogue",
            f"unknown source(s) {sorted(unknown)}",
            fix=f"use ids from {sorted(catalogue)}",
        )
    logging.getLogger("pooch").setLevel(logging.WARNING)
    results: list[FetchResult] = []
    for sid in sorted(wanted):
        src = catalogue[sid]
        for f in src.files:
            target = dest / f.path
            url = base_url.rstrip("/") + "/" + f.path if base_url else f.url
            if url is None:
                status = "present" if target.is_file() else "manual"
                results.append(
                    FetchResult(sid, f.path, status, f"no direct download: get it from {src.url}")
                )
                continue
            if progress:
                progress(f.path)
            existed = target.is_file()
            try:
                pooch.retrieve(
                    url,
                    known_hash=f"sha256:{f.sha256}",
                    fname=target.name,
                    path=target.parent,
                    progressbar=False,
                )
            except ValueError as exc:  # pooch: hash mismatch
                raise DataError(
                    target,
                    f"download from {url} failed its SHA-256 check ({exc})",
                    fix="the mirror's copy is corrupted or a different release",
                ) from exc
            except Exception as exc:  # network errors: requests' own types
                raise DataError(
                    target,
                    f"download from {url} failed ({exc})",
                    fix="check the network or use --base-url with a mirror",
                ) from exc
            results.append(FetchResult(sid, f.path, "present" if existed else "downloaded", url))
    return results
