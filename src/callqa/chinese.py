"""Character-level primitives for Chinese text, shared by speech-to-text, matching and search:
Traditional → Simplified conversion, the ideograph test, and edit distance (characters or syllables).
"""

from __future__ import annotations

from functools import cache, lru_cache

import opencc

__all__ = ["edit_distance", "is_ideograph", "to_simplified", "to_simplified_char"]


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (Whisper drifts into traditional characters)."""
    return _t2s().convert(text)


@cache
def to_simplified_char(ch: str) -> str:
    """One character to Simplified Chinese (kept when OpenCC would change its length)."""
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


def is_ideograph(ch: str) -> bool:
    """Whether `ch` is a CJK ideograph (unified, extension A to G, or compatibility)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
