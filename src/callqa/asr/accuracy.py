"""Character error rate, for measuring decoding settings against reference transcripts."""

from __future__ import annotations

import re

from callqa.chinese import edit_distance

_IGNORED = re.compile(r"[\W_]+", re.UNICODE)


def normalise_for_cer(text: str) -> str:
    """Drop punctuation and spaces; compare characters only."""
    return _IGNORED.sub("", text)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of `hypothesis` against `reference` (punctuation ignored)."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))
