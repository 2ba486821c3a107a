"""`balances data fetch` against a local HTTP mirror of the raw directory (no internet here)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from balances.errors import DataError
from balances.fetch import fetch
from balances.io import sha256
from balances.sources.catalogue import load_catalogue


@pytest.fixture
def mirror(raw_root: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a copy of the NMC raw folder on 127.0.0.1 at a free port."""
    root = tmp_path / "mirror"
    shutil.copytree(raw_root / "cow_nmc", root / "cow_nmc")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_downloads_and_verifies(mirror: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = mirror
    dest = tmp_path / "dest"
    results = fetch(dest, base_url=url, only=["cow_nmc"])
    assert {r.status for r in results} == {"downloaded"}
    for f in load_catalogue()["cow_nmc"].files:
        assert sha256(dest / f.path) == f.sha256
    again = fetch(dest, base_url=url, only=["cow_nmc"])
    assert {r.status for r in again} == {"present"}


def test_corrupted_download_is_rejected_and_not_kept(
    mirror: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = mirror
    bad = root / "cow_nmc" / "maoz_powers.csv"
    bad.write_bytes(bad.read_bytes()[:-100])
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match=r"maoz_powers\.csv: download .* failed its SHA-256 check"):
        fetch(dest, base_url=url, only=["cow_nmc"])
    assert not (dest / "cow_nmc" / "maoz_powers.csv").exists()


def test_unknown_source_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown source"):
        fetch(tmp_path, only=["nope"])
