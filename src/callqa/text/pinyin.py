"""Public pinyin helpers: folded syllables of a text and fuzzy (pinyin) phrase search."""

from __future__ import annotations

from callqa.chinese import is_ideograph
from callqa.text.matcher import FuzzyMode, PhraseMatcher
from callqa.text.normalize import normalize, normalize_char
from callqa.text.syllables import char_readings, fold, split_syllable

__all__ = ["char_readings", "find_fuzzy", "fold", "fuzzy_syllables", "split_syllable"]


def fuzzy_syllables(text: str) -> list[str]:
    """One folded syllable per character of `text` (its most common reading); non-CJK chars pass through.

    >>> fuzzy_syllables("坐牢ok")
    ['zuo', 'lao', 'o', 'k']
    """
    out = []
    for ch in text:
        simple = normalize_char(ch)
        out.append(char_readings(simple)[0] if len(simple) == 1 and is_ideograph(simple) else ch)
    return out


def find_fuzzy(
    needle: str, haystack: str, mode: FuzzyMode = "pinyin", tolerance: int | None = None
) -> list[tuple[int, int]]:
    """Character spans [start, end) of `haystack` whose folded pinyin matches `needle`.

    Punctuation in the haystack is skipped but a match never crosses it. `mode='loose'` (or an
    explicit `tolerance`) lets one syllable with the same initial differ even in 2-char words.

    >>> find_fuzzy("坐牢", "你要做劳的")
    [(2, 4)]
    """
    matcher = PhraseMatcher()
    matcher.add(needle, mode, tolerance)
    text = normalize(haystack)
    spans = {text.original_span(f.start, f.end) for f in matcher.scan(text)}
    return sorted(spans)
