"""The sha256 digests callqa keeps: of files (recordings are stored under theirs, the model is pinned
by its) and of bearer secrets (API tokens and session ids are stored only as digests)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def secret_digest(secret: str) -> str:
    """What is stored of a token or session id: enough to recognise it, useless to present it."""
    return hashlib.sha256(secret.encode()).hexdigest()
