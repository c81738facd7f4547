"""Normalise transcript text for matching while keeping a map back to the original characters."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from callqa.chinese import to_simplified_char

# ASCII digits to Chinese (Whisper writes 1023 or 一零二三 at random); 您 to 你 (speakers and ASR mix them).
_FOLD = {**dict(zip("0123456789", "零一二三四五六七八九", strict=True)), "您": "你"}


def _keep(ch: str) -> bool:
    """Whether a character takes part in matching (letters, digits, CJK ideographs)."""
    return ch.isalnum() or unicodedata.category(ch) == "Lo"


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """`chars[i]` came from `original[offsets[i]]`; a clause break precedes chars[i] for i in `breaks`."""

    original: str
    chars: str
    offsets: tuple[int, ...]
    breaks: frozenset[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) span to the original text."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1

    def crosses_break(self, start: int, end: int) -> bool:
        """Whether a clause break falls strictly inside [start, end)."""
        return any(k in self.breaks for k in range(start + 1, end))

    def clause_start(self, pos: int) -> int:
        """Index of the first character of the clause holding `pos`."""
        while pos > 0 and pos not in self.breaks:
            pos -= 1
        return pos


@cache
def normalize_char(ch: str) -> str:
    """Full-width to half-width, lower case, Traditional to Simplified, 1 -> 一, 您 -> 你."""
    ch = unicodedata.normalize("NFKC", ch)
    if len(ch) != 1:
        return ch
    ch = to_simplified_char(ch.lower())
    return _FOLD.get(ch, ch)


@cache
def _matching_form(ch: str) -> str:
    """`ch` as it takes part in matching, or '' when it is punctuation/space (a clause break)."""
    out = normalize_char(ch)
    return out if len(out) == 1 and _keep(out) else ""


_FORMS: dict[str, str] = {}  # plain-dict front of `_matching_form` for the hot loop


def normalize(text: str) -> NormalizedText:
    """Simplify, map digits to Chinese digits and drop punctuation/space (each a clause break)."""
    chars: list[str] = []
    offsets: list[int] = []
    breaks: set[int] = set()
    forms = _FORMS
    for i, raw in enumerate(text):
        ch = forms.get(raw)
        if ch is None:
            ch = forms[raw] = _matching_form(raw)
        if ch:
            chars.append(ch)
            offsets.append(i)
        elif chars:
            breaks.add(len(chars))
    return NormalizedText(text, "".join(chars), tuple(offsets), frozenset(breaks))


def normalize_phrase(phrase: str) -> str:
    """The matching form of a rule pattern."""
    return normalize(phrase).chars
