"""Masking of personal numbers (mobile and landline phones, ID cards, bank cards) for roles that may
not see them. Written once; every listing, page, API response, export and search result uses it.

A number is a run of 11 to 19 digits (ASCII, full-width or Chinese numerals) in which single spaces or
hyphens may separate groups, optionally after a country code (``+86``, ``0086``): '+86 139 0000 2222',
'138-0000-4444', '6222 0212 3456 7890', '11010519491231002X'. Shorter runs (amounts, dates, times,
'2026-11-25 09:30') are left alone. Masking keeps the length: each hidden digit becomes '*', so match
positions found in the original text still point at the same characters of the masked one, and
search can tell a match inside a hidden number (which must not be shown or even counted) from a match
elsewhere.

What is kept: mobiles the first 3 and last 4 digits ('138****1111'); 18-character ID cards the first
6 and last 4; other runs of 16 to 19 (bank cards) the first and last 4; anything else the first 3 and
last 4.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

DIGITS = "0-9０-９零〇一二三四五六七八九幺"
_DIGIT = f"[{DIGITS}]"
_RUN = re.compile(
    rf"(?<![{DIGITS}])(?:(?:\+|00)?86[ \-]?)?"  # country code
    rf"{_DIGIT}(?:[ \-]?{_DIGIT}){{10,18}}(?:[ \-]?[Xx])?"  # 11 to 19 digits, an ID card's X
    rf"(?![{DIGITS}])"
)
_COUNTRY = re.compile(r"^(?:\+|00)?86[ \-]?")
_TO_ASCII = str.maketrans("０１２３４５６７８９零〇一二三四五六七八九幺", "0123456789001234567891")
MASK_CHAR = "*"

Span = tuple[int, int]


def _hidden_in_run(start: int, run: str) -> list[Span]:
    """Character spans of `run` (at `start` in the text) to hide."""
    body_at = 0
    country = _COUNTRY.match(run)
    digits = [i for i, ch in enumerate(run) if ch not in " -+"]
    if country:
        rest = [i for i in digits if i >= country.end()]
        rest_text = "".join(run[i] for i in rest).translate(_TO_ASCII)
        if len(rest) == 11 and rest_text[0] == "1" and rest_text[1] in "3456789":
            digits, body_at = rest, country.end()
    if not body_at and len(digits) > 19:
        return []
    text = "".join(run[i] for i in digits).translate(_TO_ASCII)
    n = len(digits)
    if n == 11 and text[0] == "1" and text[1] in "3456789":
        keep_head, keep_tail = 3, 4
    elif n == 18:
        keep_head, keep_tail = 6, 4
    elif n >= 16:
        keep_head, keep_tail = 4, 4
    else:
        keep_head, keep_tail = 3, 4
    return [(start + i, start + i + 1) for i in digits[keep_head : n - keep_tail]]


def hidden_spans(text: str | None) -> list[Span]:
    """Spans (start, end) of the characters of `text` that masking hides, in order."""
    if not text:
        return []
    spans: list[Span] = []
    for match in _RUN.finditer(text):
        spans.extend(_hidden_in_run(match.start(), match.group()))
    return spans


def mask_numbers(text: str | None) -> str | None:
    """'13800001111' → '138****1111' (same length); None and '' as given."""
    spans = hidden_spans(text)
    if not spans:
        return text
    chars = list(text)  # type: ignore[arg-type]
    for start, end in spans:
        chars[start:end] = MASK_CHAR * (end - start)
    return "".join(chars)


def overlaps(span: Span, hidden: Iterable[Span]) -> bool:
    return any(span[0] < h_end and h_start < span[1] for h_start, h_end in hidden)


@dataclass(frozen=True)
class Masker:
    """What one viewer may see: `active` masks numbers; an inactive masker changes nothing."""

    active: bool

    def text(self, value: str | None) -> str | None:
        return mask_numbers(value) if self.active else value

    def json(self, value: object) -> object:
        """A JSON value with every string in it masked."""
        if not self.active:
            return value
        if isinstance(value, str):
            return mask_numbers(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value

    def hidden(self, value: str | None) -> list[Span]:
        return hidden_spans(value) if self.active else []

    def call_ref(self, call_id: str, pk: int) -> str:
        """How pages and the API refer to a call: its call_id, or '~<pk>' when the call_id holds a
        number this viewer may not see (the URL would show it otherwise)."""
        if self.active and hidden_spans(call_id):
            return f"~{pk}"
        return call_id


UNMASKED = Masker(False)


def masker_for(role: str | None, unmasked_roles: Iterable[str]) -> Masker:
    """The masker for a role; None (the local operator at the command line) sees everything."""
    return Masker(role is not None and role not in tuple(unmasked_roles))
