"""Find many phrases at once in normalised text, exactly, by folded pinyin, or by weighted confusion cost.

Three Aho-Corasick automata, each over a one-code-per-character form of the text:
- exact phrases over the characters themselves;
- homophone phrases (no syllable may differ) over folded syllables (each syllable one code point),
  the text read by each character's most common reading and the phrase by every reading of its characters;
- weighted phrases ('pinyin' and 'loose' modes) over the same syllable codes, keyed by pieces of the
  phrase in which one syllable may be any the confusion table finds close enough
  (`callqa.text.distance.WeightedPhrase.pieces`); each candidate window is then costed syllable by
  syllable against the phrase's budget (通线录 ~ 通讯录, 去留 ~ 拘留; 一起 and 做了 stay apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Literal

import ahocorasick

from callqa.text.distance import WeightedPhrase, max_substituted
from callqa.text.normalize import NormalizedText, normalize_phrase
from callqa.text.syllables import char_code, char_readings, phrase_readings, plain_readings, syllable_code

FuzzyMode = Literal["exact", "homophone", "pinyin", "loose"]


def default_tolerance(mode: FuzzyMode, length: int) -> int:
    """Syllables allowed to differ: in 'pinyin' and 'loose' modes `distance.max_substituted`, else 0."""
    return max_substituted(length) if mode in ("pinyin", "loose") else 0


@dataclass(frozen=True, slots=True)
class Phrase:
    """A registered pattern in matching form."""

    text: str
    mode: FuzzyMode
    tolerance: int
    readings: tuple[frozenset[str], ...]
    weighted: WeightedPhrase | None  # set when syllables may differ (tolerance > 0)


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
            weighted = WeightedPhrase.build(text, mode, tol) if mode != "exact" and tol else None
            self._ids[key] = len(self.phrases)
            self.phrases.append(Phrase(text, mode, tol, readings, weighted))
            self._automata = None
        return self._ids[key]

    def _build(self) -> tuple[ahocorasick.Automaton, ...]:
        exact, sounds, weighted = ahocorasick.Automaton(), ahocorasick.Automaton(), ahocorasick.Automaton()
        for pid, ph in enumerate(self.phrases):
            if ph.mode == "exact":
                exact.add_word(ph.text, [*exact.get(ph.text, []), (pid, len(ph.text))])
            elif ph.weighted is None:
                for k in product(*([syllable_code(r) for r in rs] for rs in ph.readings)):
                    key = "".join(k)
                    sounds.add_word(key, [*sounds.get(key, []), (pid, len(ph.text))])
            else:
                for offset, syllables in ph.weighted.pieces():
                    key = "".join(map(syllable_code, syllables))
                    entry = (pid, offset + len(key))  # the window starts this far before the key's end
                    known = weighted.get(key, [])
                    if entry not in known:
                        weighted.add_word(key, [*known, entry])
        for automaton in (exact, sounds, weighted):
            if len(automaton):
                automaton.make_automaton()
        self._automata = (exact, sounds, weighted)
        return self._automata

    def scan(self, text: NormalizedText) -> list[Found]:
        """All occurrences of all phrases that do not cross a clause break (each phrase once per start)."""
        exact, sounds, weighted = self._automata or self._build()
        chars = text.chars
        codes = None
        found: list[Found] = []
        seen: set[tuple[int, int]] = set()
        for automaton in (exact, sounds, weighted):
            if automaton.kind != ahocorasick.AHOCORASICK:
                continue
            if automaton is not exact and codes is None:
                codes = "".join(map(char_code, chars))
            for end, entries in automaton.iter(chars if automaton is exact else codes):
                for pid, back in entries:
                    ph = self.phrases[pid]
                    start = end + 1 - back
                    stop = start + len(ph.text)
                    if start < 0 or stop > len(chars) or (pid, start) in seen:
                        continue
                    if text.crosses_break(start, stop):
                        continue
                    window = chars[start:stop]
                    if automaton is sounds and len(window) <= 2 and _folded_only(ph.text, window):
                        continue
                    if automaton is weighted and ph.weighted.cost(window) is None:  # type: ignore[union-attr]
                        continue
                    seen.add((pid, start))
                    found.append(Found(pid, start, stop, window == ph.text))
        return found


def _folded_only(phrase: str, window: str) -> bool:
    """Whether every character of a short window sounds like the phrase's only once folded (新金 for
    刑警: xin/xing, jin/jing). One or two syllables that all need a fold are weak evidence, and such
    windows are common words and names (众信金融 heard as 众新金); 做劳 for 坐牢 shares its readings."""
    return all(
        w != p and not plain_readings(w) & plain_readings(p) for w, p in zip(window, phrase, strict=True)
    )
