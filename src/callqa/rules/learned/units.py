"""Cut speech into the units the detector scores: sentences, long ones cut again at commas (not 、).

The banks hold single spoken sentences (6-40 characters), so a call is scored sentence by
sentence: a violating sentence inside a long polite turn would be diluted if the whole turn
were embedded at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callqa.chinese import is_ideograph

MAX_CHARS = 40  # a longer sentence is cut at commas into pieces about this long
WHOLE_MAX_CHARS = 80  # a cut sentence up to this long is also scored whole (`whole_sentences`)
CLAUSE_MIN_CHARS = 8  # a clause of a unit scored alone as well (`clauses`) has at least this many
MIN_CHARS = 6  # shorter ("对，我是。", "好的") is not scored: too little to judge (keyword rules see it)
_SENTENCE_END = re.compile(r"[。！？!?；;…\n]+")
# A list's enumeration comma (、) joins the items of one clause: 「我们从来不会让客户往个人支付宝、微信或者
# 个人银行卡里转钱」 holds no clause 「微信或者个人银行卡里转钱」 to be read alone, nor is
# 「…也从来不会冒充公安、法院或者检察院。」 cut before 「法院或者检察院」.
_COMMA = re.compile(r"[，,：:]+")


@dataclass(frozen=True, slots=True)
class Unit:
    """Characters [start, end) of the text of segment `segment`."""

    segment: int
    start: int
    end: int
    text: str


def _spans(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    """Pieces of text[start:end] between matches of `pattern` (each keeps its trailing mark)."""
    out, a = [], start
    for m in pattern.finditer(text, start, end):
        out.append((a, m.end()))
        a = m.end()
    if a < end:
        out.append((a, end))
    return out


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum() or is_ideograph(ch))


def split_units(text: str) -> list[tuple[int, int]]:
    """[start, end) of each unit of `text`, trimmed of surrounding space."""
    units: list[tuple[int, int]] = []
    for a, b in _spans(text, _SENTENCE_END, 0, len(text)):
        if b - a <= MAX_CHARS:
            units.append((a, b))
            continue
        piece_start, piece_end = a, a  # greedy: join comma clauses while they fit
        for c, d in _spans(text, _COMMA, a, b):
            if piece_end > piece_start and d - piece_start > MAX_CHARS:
                units.append((piece_start, piece_end))
                piece_start = c
            piece_end = d
        units.append((piece_start, piece_end))
    out = []
    for a, b in units:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if _letters(text[a:b]) >= MIN_CHARS:
            out.append((a, b))
    return out


def whole_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text` that `split_units` cuts in pieces and that is at most
    WHOLE_MAX_CHARS long: it is scored whole as well, since a violation can be spread over its
    clauses (「网上那种小额借款多的是，…你拿身份证随便申请一笔，先把我们这边的窟窿填上」: 0.96 whole,
    each piece under the threshold)."""
    out = []
    for a, b in _spans(text, _SENTENCE_END, 0, len(text)):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if MAX_CHARS < b - a <= WHOLE_MAX_CHARS and len(split_units(text[a:b])) > 1:
            out.append((a, b))
    return out


def call_units(texts: dict[int, str]) -> list[Unit]:
    """Units of the given segments ({segment index: text}), in order."""
    return [Unit(i, a, b, t[a:b]) for i, t in sorted(texts.items()) for a, b in split_units(t)]


def clauses(text: str) -> list[tuple[int, int]]:
    """[start, end) of each comma clause, at least CLAUSE_MIN_CHARS letters long, of the units of `text`
    that hold more than one clause: a clause is scored alone as well, since a violating clause inside
    a longer sentence is diluted by the rest
    (「您别挂，我现在把电话转给负责您这个案子的刘法官，让他直接跟您说」: 0.80 whole, 0.96 the clause)."""
    out = []
    for a, b in split_units(text):
        pieces = _spans(text, _COMMA, a, b)
        if len(pieces) < 2:
            continue
        for c, d in pieces:
            while d > c and (_COMMA.match(text, d - 1) or text[d - 1].isspace()):
                d -= 1
            while c < d and text[c].isspace():
                c += 1
            if _letters(text[c:d]) >= CLAUSE_MIN_CHARS:
                out.append((c, d))
    return out
