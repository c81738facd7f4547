"""Overlapping hits of one rule become one hit.

A rule with several phrases can match overlapping words of one sentence (「考不了公」 and 「考不了公务员」,
「我是市公安」 and 「我是市公安局经侦」); a reviewer would judge the same words twice. Span times are
interpolated from character positions, so words that overlap in the text overlap in time: hits of the
same rule and speaker whose times overlap (touching is not overlapping) are merged into one covering
both, with the union of their words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from callqa.rules.model import Hit


def merge_overlapping(hits: list[Hit]) -> list[Hit]:
    """`hits` with each run of overlapping hits of one rule and speaker merged into one, placed where
    the first of them was (so pack order, then time order, is kept)."""
    groups: dict[tuple[str, str], list[tuple[int, Hit]]] = defaultdict(list)
    for i, hit in enumerate(hits):
        groups[(hit.rule_id, hit.speaker)].append((i, hit))
    out: list[tuple[int, Hit]] = []
    for items in groups.values():
        items.sort(key=lambda item: (item[1].start_s, -item[1].end_s))
        first, current = items[0]
        for i, hit in items[1:]:
            if _overlap(current, hit):
                first, current = min(first, i), _join(current, hit)
            else:
                out.append((first, current))
                first, current = i, hit
        out.append((first, current))
    return [hit for _, hit in sorted(out, key=lambda item: item[0])]


def _overlap(a: Hit, b: Hit) -> bool:
    """Whether b (starting no earlier than a) overlaps a in time (sharing an end point is not)."""
    return b.start_s < a.end_s and a.start_s < b.end_s


def _join(a: Hit, b: Hit) -> Hit:
    """One hit covering a and b (a starts first): the union of their words, the explanation of the
    longer one, the higher confidence."""
    longer = a if len(a.text) >= len(b.text) else b
    best = max((a, b), key=lambda h: -1.0 if h.confidence is None else h.confidence)
    return replace(
        longer,
        start_s=a.start_s,
        end_s=max(a.end_s, b.end_s),
        text=join_words(a.text, b.text),
        confidence=best.confidence,
        model_version=best.model_version,
    )


def join_words(first: str, second: str) -> str:
    """The union of two overlapping stretches of one text, `first` starting no later: one inside the
    other gives the outer; else `first` extended by what `second` adds past their common part
    (「我是市公安局经侦」 + 「经侦大队」 = 「我是市公安局经侦大队」); the longer when they share nothing."""
    if second in first:
        return first
    if first in second:
        return second
    for k in range(min(len(first), len(second)) - 1, 0, -1):
        if first.endswith(second[:k]):
            return first + second[k:]
    return first if len(first) >= len(second) else second
