"""Where the shipped datasets live and how their integrity is checked (sha256)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: file name -> sha256 of the bytes shipped in data/ (see data/README.md for provenance).
SHIPPED_FILES: dict[str, str] = {
    "shuttle.csv.gz": "1ed4bfa77233d95bff2c8ab2482725d2d800410daedf5919ad80ec6faf60ff59",
    "ucr135_internal_bleeding16.csv": (
        "fe26577b94896943e8205d04d56bf2511fe05c008df535a1ec3826adff3597e2"
    ),
    "seatbelts.csv": "a1cf71093fd69545babe0ded15362835b0f67df3cb75b5f7f98a342a850fb365",
}


def data_dir() -> Path:
    """The folder holding the shipped files: ``$ADLIB_DATA_DIR`` if set, else ``<repo>/data``."""
    override = os.environ.get("ADLIB_DATA_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "data"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_path(filename: str, directory: Path | None = None) -> Path:
    """Return the path of a shipped file after checking that its sha256 matches the registry.

    Raises ``FileNotFoundError`` when the file is missing and ``ValueError`` naming the file
    and both hashes when its bytes differ from what data/README.md documents: results
    computed on silently different data would not be comparable.
    """
    if filename not in SHIPPED_FILES:
        raise ValueError(f"{filename!r} is not a shipped dataset; known: {sorted(SHIPPED_FILES)}.")
    path = (directory or data_dir()) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing. The datasets ship with the repository: restore it with "
            f"`git checkout -- data/{filename}` or point ADLIB_DATA_DIR at a folder holding it."
        )
    actual = sha256_of(path)
    expected = SHIPPED_FILES[filename]
    if actual != expected:
        raise ValueError(
            f"sha256 mismatch for {path}: expected {expected}, got {actual}. The file was "
            f"modified or corrupted; restore it with `git checkout -- data/{filename}`."
        )
    return path
