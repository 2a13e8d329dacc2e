"""SHA-256 digests: how every file, text and record key that dqaudit fingerprints is hashed.

One definition, so that a fingerprint computed when a suite is approved, a plan is
exported or a run records its reference files is always comparable with a later one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """The hex SHA-256 of a file's bytes, read in blocks (boundaries can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """The hex SHA-256 of text encoded as UTF-8 (record keys, canonical JSON, queries)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
