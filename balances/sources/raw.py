"""Access to the raw upstream files, with hash verification before any read."""

from __future__ import annotations

from pathlib import Path

from balances.errors import DataError
from balances.io import sha256
from balances.sources.catalogue import Source, load_catalogue


class RawFiles:
    """The raw-data directory, seen through the source catalogue.

    Parameters
    ----------
    root
        Directory holding the raw files at the paths the catalogue declares.
    verify
        Check each file's SHA-256 against the catalogue before returning it.
        Turn off only to build from a newer upstream release on purpose.

    Examples
    --------
    >>> raw = RawFiles(Path("../shared/data/raw"))  # doctest: +SKIP
    >>> raw.path("sipri_milex", "SIPRI-Milex-data-1949-2024_2.xlsx")  # doctest: +SKIP
    """

    def __init__(self, root: Path, *, verify: bool = True) -> None:
        self.root = Path(root)
        self.verify = verify
        self.catalogue: dict[str, Source] = load_catalogue()
        self._checked: dict[Path, str] = {}
        self.used: dict[str, set[str]] = {}

    def source(self, source_id: str) -> Source:
        """The catalogue entry of ``source_id``."""
        try:
            return self.catalogue[source_id]
        except KeyError:
            raise DataError(
                "balances/sources/catalogue",
                f"no source {source_id!r} in the catalogue",
                fix=f"add balances/sources/catalogue/{source_id}.yml",
            ) from None

    def path(self, source_id: str, name: str) -> Path:
        """Path of a declared raw file, verified against its catalogued hash.

        Raises
        ------
        DataError
            If the file is missing or its hash differs from the catalogue.
        """
        declared = self.source(source_id).file(name)
        path = self.root / declared.path
        if not path.is_file():
            raise DataError(
                path,
                "raw file not found",
                fix=f"point --raw-dir (or BALANCES_RAW_DIR) at the raw-data directory, "
                f"or run `balances data fetch` (source {source_id!r})",
            )
        if path not in self._checked and not self.verify:
            # unverified reads still record the hash of the bytes read: provenance must
            # vouch for the file that was used, never for the catalogue's copy of it
            self._checked[path] = sha256(path)
        if self.verify and path not in self._checked:
            digest = sha256(path)
            if digest != declared.sha256:
                raise DataError(
                    path,
                    f"SHA-256 {digest[:12]}... does not match the catalogue's "
                    f"{declared.sha256[:12]}... (truncated, corrupted or a different release)",
                    fix="re-download the file, or update the catalogue after checking the new release",
                )
            self._checked[path] = digest
        self.used.setdefault(source_id, set()).add(declared.path)
        return path

    def digest(self, rel_path: str) -> str:
        """SHA-256 of a raw file as read in this run (the catalogue's only if never read)."""
        path = self.root / rel_path
        if path not in self._checked:
            self._checked[path] = sha256(path)
        return self._checked[path]
