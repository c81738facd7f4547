"""Find many phrases at once in normalised text, exactly or by folded pinyin.

Three Aho-Corasick automata, each over a one-code-per-character form of the text:
- exact phrases over the characters themselves;
- homophone phrases (tolerance 0) over folded syllables (each syllable one code point), the text
  read by each character's most common reading and the phrase by every reading of its characters;
- tolerant phrases over the folded *initials* (坐牢 -> "zl"); each candidate window is then checked
  syllable by syllable: up to `tolerance` syllables may differ if they share the initial and
  their finals are within two edits (通线录 ~ 通讯录: xian/xun; 动检 ~ 冻结: jian/jie).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Literal

import ahocorasick

from callqa.text.normalize import NormalizedText, normalize_phrase
from callqa.text.syllables import (
    char_code,
    char_initial,
    char_readings,
    is_near,
    phrase_readings,
    split_syllable,
    syllable_code,
)

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
        self._automata: tuple[ahocorasick.Automaton, ...] | None = None

    def add(self, phrase: str, mode: FuzzyMode = "exact", tolerance: int | None = None) -> int:
        """Register a phrase and return its id (the same phrase and mode give the same id)."""
        text = normalize_phrase(phrase)
        if not text:
            raise ValueError(f"empty phrase {phrase!r}")
        tol = default_tolerance(mode, len(text)) if tolerance is None else tolerance
        key = (text, mode, tol)
        if key not in self._ids:
            in_context = phrase_readings(text)
            readings = tuple(
                frozenset((*char_readings(c), *in_context[k : k + 1])) for k, c in enumerate(text)
            )
            self._ids[key] = len(self.phrases)
            self.phrases.append(Phrase(text, mode, tol, readings))
            self._automata = None
        return self._ids[key]

    def _build(self) -> tuple[ahocorasick.Automaton, ...]:
        exact, sounds, initials = ahocorasick.Automaton(), ahocorasick.Automaton(), ahocorasick.Automaton()
        for pid, ph in enumerate(self.phrases):
            if ph.mode == "exact":
                keys = [ph.text]
                automaton = exact
            elif ph.tolerance == 0:
                keys = ["".join(k) for k in product(*([syllable_code(r) for r in rs] for rs in ph.readings))]
                automaton = sounds
            else:
                options = [
                    {char_initial(c)} | {_initial_of(r) for r in rs}
                    for c, rs in zip(ph.text, ph.readings, strict=True)
                ]
                keys = list(map("".join, product(*options)))
                automaton = initials
            for key in keys:
                automaton.add_word(key, [*automaton.get(key, []), pid])
        for automaton in (exact, sounds, initials):
            if len(automaton):
                automaton.make_automaton()
        self._automata = (exact, sounds, initials)
        return self._automata

    def scan(self, text: NormalizedText) -> list[Found]:
        """All occurrences of all phrases that do not cross a clause break."""
        exact, sounds, initials = self._automata or self._build()
        chars = text.chars
        found: list[Found] = []
        for automaton, codes, verify in (
            (exact, chars, False),
            (sounds, None, False),
            (initials, None, True),
        ):
            if automaton.kind != ahocorasick.AHOCORASICK:
                continue
            if codes is None:
                codes = "".join(char_code(c) if automaton is sounds else char_initial(c) for c in chars)
            for end, pids in automaton.iter(codes):
                for pid in pids:
                    ph = self.phrases[pid]
                    start = end + 1 - len(ph.text)
                    if text.crosses_break(start, end + 1):
                        continue
                    window = chars[start : end + 1]
                    if verify and not _within_tolerance(window, ph):
                        continue
                    found.append(Found(pid, start, end + 1, window == ph.text))
        return found


def _within_tolerance(window: str, ph: Phrase) -> bool:
    misses = 0
    for c, rs in zip(window, ph.readings, strict=True):
        heard = char_readings(c)
        if rs.isdisjoint(heard):
            if not any(is_near(r, h) for r in rs for h in heard):
                return False
            misses += 1
    return misses <= ph.tolerance


def _initial_of(syllable: str) -> str:
    return split_syllable(syllable)[0] or "_"
