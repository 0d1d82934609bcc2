"""Where the shipped datasets live and how their integrity is checked (sha256).

Two kinds of check. :func:`verified_path` hashes a file's bytes as shipped (the files copied
byte for byte from a package). :func:`verified_gzip_bytes` decompresses a ``.csv.gz`` and hashes
the *decompressed* CSV: the digest then names the data itself, independent of the zlib
version, compression level or gzip header that produced the ``.gz`` (regenerating a file with
another zlib changes its compressed bytes but not its content), and it equals the hash the
upstream source publishes for the uncompressed file (aeon's wheel RECORD, the GutenTAG
manifest). A damaged ``.gz`` fails gzip's own CRC-32 check before the hash is compared.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

#: file name -> sha256 of the bytes shipped in data/ (see data/README.md for provenance).
SHIPPED_FILES: dict[str, str] = {
    "shuttle.csv.gz": "1ed4bfa77233d95bff2c8ab2482725d2d800410daedf5919ad80ec6faf60ff59",
    "ucr135_internal_bleeding16.csv": (
        "fe26577b94896943e8205d04d56bf2511fe05c008df535a1ec3826adff3597e2"
    ),
    "seatbelts.csv": "a1cf71093fd69545babe0ded15362835b0f67df3cb75b5f7f98a342a850fb365",
    # The GutenTAG suite's manifest: it holds the content sha256 of each of its 120 series files.
    "gutentag/manifest.csv": "5c67d7ff46d290e78a9a70236091fa20b14f36217bf36bd555cb2d18e6d5139d",
}

#: gzip file name -> sha256 of its *decompressed* bytes (see the module docstring for why).
#: The GutenTAG series are not listed here: their digests are in the verified manifest.
SHIPPED_GZIP_CONTENT: dict[str, str] = {
    "daphnet_s06r02e0.csv.gz": "5a1d2990fec3846c3e1bc43487f0860e63434bd06b3df763012e97ce23d0d84c",
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


def verified_gzip_bytes(
    filename: str, expected_sha256: str | None = None, directory: Path | None = None
) -> bytes:
    """Decompress a shipped ``.csv.gz`` and return its bytes after checking their sha256.

    ``filename`` is relative to the data folder. ``expected_sha256`` is the hex digest of the
    decompressed content; when omitted it is looked up in :data:`SHIPPED_GZIP_CONTENT`. The
    file is read and decompressed once, so the check costs one pass over the bytes a loader
    parses anyway. Raises ``FileNotFoundError`` when the file is missing and ``ValueError``
    when it is not valid gzip or its content differs from the registered digest.
    """
    if expected_sha256 is None:
        if filename not in SHIPPED_GZIP_CONTENT:
            raise ValueError(
                f"{filename!r} is not a registered gzip dataset; known: "
                f"{sorted(SHIPPED_GZIP_CONTENT)}. Pass expected_sha256 for other files."
            )
        expected_sha256 = SHIPPED_GZIP_CONTENT[filename]
    path = (directory or data_dir()) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing. The datasets ship with the repository: restore it with "
            f"`git checkout -- data/{filename}` or point ADLIB_DATA_DIR at a folder holding it."
        )
    try:
        content = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path} is not a valid gzip file ({error}): it was modified or corrupted; "
            f"restore it with `git checkout -- data/{filename}`."
        ) from None
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected_sha256:
        raise ValueError(
            f"sha256 mismatch for {path} (decompressed content): expected {expected_sha256}, "
            f"got {actual}. The file was modified or corrupted; restore it with "
            f"`git checkout -- data/{filename}`."
        )
    return content
