"""Which promise reader read a call: a fingerprint of the code and data a promise depends on.

A recheck re-reads a call's promise only when the reader changed since the call was last read (the
transcript it reads never changes): reading promises was 42% of a recheck that found nothing new.
The fingerprint hashes the sources of this package, of the text helpers it calls and the shipped
confusion table, so any change to them (an upgrade, an edit) makes every call be read again once.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

# Modules and data outside callqa.ptp that a promise's reading depends on (callqa.ptp's own imports).
DEPENDS_ON = (
    ("callqa", "chinese.py"),
    ("callqa", "transcript.py"),
    ("callqa.text", "confusions.py"),
    ("callqa.text", "confusions.json"),
    ("callqa.text", "syllables.py"),
    ("callqa.text", "align.py"),
    ("callqa.text", "normalize.py"),
)


@cache
def reader_version() -> str:
    """16 hex digits that change whenever the promise reader's code or data change."""
    digest = hashlib.sha256()
    own = resources.files("callqa.ptp")
    files = [(f"callqa.ptp/{p.name}", p) for p in sorted(own.iterdir(), key=lambda p: p.name)]
    files = [(name, p) for name, p in files if name.endswith(".py")]
    files += [(f"{pkg}/{name}", resources.files(pkg).joinpath(name)) for pkg, name in DEPENDS_ON]
    for name, path in files:
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
