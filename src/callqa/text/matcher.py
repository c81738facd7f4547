"""Find many phrases at once in normalised text, exactly or by folded pinyin.

Exact phrases go into one Aho-Corasick automaton over characters. Pinyin phrases go into a second
automaton over the text's *initials* (one letter per character, e.g. 坐牢 -> "zl"); every candidate
window is then checked syllable by syllable against all readings of both sides. A phrase of
`tolerance` t still matches when up to t syllables differ but share their initial
(通线录 ~ 通讯录: xian/xun).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Literal

import ahocorasick

from callqa.text.normalize import NormalizedText, normalize_phrase
from callqa.text.syllables import char_initial, char_readings, split_syllable

FuzzyMode = Literal["exact", "homophone", "pinyin", "loose"]


def default_tolerance(mode: FuzzyMode, length: int) -> int:
    """Syllables allowed to differ: 'pinyin' 1 for phrases of 3+ chars, 'loose' 1 from 2 chars, else 0."""
    if mode == "pinyin":
        return 1 if length >= 3 else 0
    if mode == "loose":
        return 1 if length >= 2 else 0
    return 0


@dataclass(frozen=True, slots=True)
class Phrase:
    """A registered pattern in matching form."""

    text: str
    mode: FuzzyMode
    tolerance: int
    readings: tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class Found:
    """Phrase `pid` found at normalised [start, end); `exact` when the characters are identical."""

    pid: int
    start: int
    end: int
    exact: bool


class PhraseMatcher:
    """Register phrases with `add`, then `scan` texts; registration ends at the first scan."""

    def __init__(self) -> None:
        self.phrases: list[Phrase] = []
        self._ids: dict[tuple[str, FuzzyMode, int], int] = {}
        self._exact: ahocorasick.Automaton | None = None
        self._initials: ahocorasick.Automaton | None = None

    def add(self, phrase: str, mode: FuzzyMode = "exact", tolerance: int | None = None) -> int:
        """Register a phrase and return its id (the same phrase and mode give the same id)."""
        text = normalize_phrase(phrase)
        if not text:
            raise ValueError(f"empty phrase {phrase!r}")
        tol = default_tolerance(mode, len(text)) if tolerance is None else tolerance
        key = (text, mode, tol)
        if key not in self._ids:
            readings = tuple(frozenset(char_readings(c)) for c in text)
            self._ids[key] = len(self.phrases)
            self.phrases.append(Phrase(text, mode, tol, readings))
            self._exact = self._initials = None
        return self._ids[key]

    def _build(self) -> None:
        exact, initials = ahocorasick.Automaton(), ahocorasick.Automaton()
        for pid, ph in enumerate(self.phrases):
            if ph.mode == "exact":
                exact.add_word(ph.text, [*exact.get(ph.text, []), pid])
                continue
            options = [{char_initial(c)} | {_initial_of(r) for r in rs} for c, rs in zip(ph.text, ph.readings,
                                                                                          strict=True)]  # fmt: skip
            for key in map("".join, product(*options)):
                initials.add_word(key, [*initials.get(key, []), pid])
        for automaton in (exact, initials):
            if len(automaton):
                automaton.make_automaton()
        self._exact, self._initials = exact, initials

    def scan(self, text: NormalizedText) -> list[Found]:
        """All occurrences of all phrases that do not cross a clause break."""
        if self._exact is None or self._initials is None:
            self._build()
        assert self._exact is not None and self._initials is not None
        found: list[Found] = []
        chars = text.chars
        if self._exact.kind == ahocorasick.AHOCORASICK:
            for end, pids in self._exact.iter(chars):
                for pid in pids:
                    start = end + 1 - len(self.phrases[pid].text)
                    if not text.crosses_break(start, end + 1):
                        found.append(Found(pid, start, end + 1, True))
        if self._initials.kind == ahocorasick.AHOCORASICK:
            codes = "".join(char_initial(c) for c in chars)
            seen: set[tuple[int, int]] = set()
            for end, pids in self._initials.iter(codes):
                for pid in pids:
                    ph = self.phrases[pid]
                    start = end + 1 - len(ph.text)
                    if (pid, start) in seen or text.crosses_break(start, end + 1):
                        continue
                    seen.add((pid, start))
                    window = chars[start : end + 1]
                    misses = sum(
                        1 for c, rs in zip(window, ph.readings, strict=True) if rs.isdisjoint(char_readings(c))
                    )
                    if misses <= ph.tolerance:
                        found.append(Found(pid, start, end + 1, window == ph.text))
        return found



def _initial_of(syllable: str) -> str:
    return split_syllable(syllable)[0] or "_"
