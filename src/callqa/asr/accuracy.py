"""Character error rate, for measuring decoding settings against reference transcripts."""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\W_]+", re.UNICODE)


def normalise_for_cer(text: str) -> str:
    """Drop punctuation and spaces; compare characters only."""
    return _IGNORED.sub("", text)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (characters)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of `hypothesis` against `reference` (punctuation ignored)."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))
