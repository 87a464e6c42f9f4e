"""Models that come inside packages, checked against the hash we pinned before they are used."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(*files: Path) -> str:
    """The sha256 of the files' bytes, one after another (raises OSError when one cannot be read)."""
    digest = hashlib.sha256()
    for file in files:
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
