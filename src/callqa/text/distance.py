"""Weighted syllable distance between a phrase and a window of heard text, within a per-phrase budget.

A window matches a phrase when every syllable sounds the same (folded, any tone: a homophone), or
when the summed confusion cost (`callqa.text.confusions`: initial + final + tone of each syllable,
0 where the characters are the same) stays within the phrase's budget. The budget grows with the
phrase's length: a long phrase heard with a few wrong syllables is still unlikely to be anything
else, a two-syllable one often is (一起 / 逾期, 做了 / 坐牢 are real words). Chosen on the measured
pairs (see tests/text/test_distance.py and the README):

- 'pinyin' mode: `PINYIN_BASE + PINYIN_PER_SYLLABLE * n`; a two-syllable phrase may only lose the
  aspiration of one initial (j/q, z/c, zh/ch, b/p, d/t, g/k: 拘留 ~ 去留), never a final;
- 'loose' mode (use with context): `LOOSE_EXTRA` more, and two-syllable phrases any confusion
  (逾期 ~ 一期, 冻结 ~ 动检);
- at most `max_substituted(n)` syllables may differ at all, none by more than a two-syllable budget.
Tones count only once a syllable differs somewhere: a window that is a homophone up to tone matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice, product

from callqa.text.confusions import table
from callqa.text.syllables import Sound, char_sounds, text_sounds

PINYIN_BASE = 5.0
PINYIN_PER_SYLLABLE = 1.5
LOOSE_EXTRA = 0.5
ASPIRATION = frozenset(frozenset(p.split()) for p in ("j q", "z c", "b p", "d t", "g k"))
MAX_KEYS = 4000  # cap on the candidate keys one phrase expands to


def budget(mode: str, length: int) -> float:
    """The confusion cost a phrase of `length` syllables may spend ('exact'/'homophone': none)."""
    if mode == "pinyin":
        return PINYIN_BASE + PINYIN_PER_SYLLABLE * length
    if mode == "loose":
        return PINYIN_BASE + PINYIN_PER_SYLLABLE * length + LOOSE_EXTRA
    return 0.0


def max_substituted(length: int) -> int:
    """Syllables that may differ: one below five syllables, two from five on, never all."""
    return min(length - 1, 1 if length < 5 else 2)


@dataclass(frozen=True)
class WeightedPhrase:
    """A phrase ready for weighted matching: its sounds per character (in context and every reading)."""

    text: str
    sounds: tuple[tuple[Sound, ...], ...]
    budget: float
    syllable_cap: float  # no one syllable may cost more (a long phrase is not "its prefix + anything")
    substitutions: int  # at most this many syllables may differ
    finals_kept: bool  # a differing syllable must keep its final and change only its initial's aspiration

    @classmethod
    def build(cls, text: str, mode: str, substitutions: int | None = None) -> WeightedPhrase:
        in_context = text_sounds(text)
        sounds = tuple(tuple(dict.fromkeys((in_context[k], *char_sounds(c)))) for k, c in enumerate(text))
        # at most two, whatever is asked: `pieces` finds the windows with up to two differing
        subs = max_substituted(len(text)) if substitutions is None else min(substitutions, len(text) - 1, 2)
        cap = budget(mode, 2)
        return cls(
            text, sounds, budget(mode, len(text)), cap, max(0, subs), mode == "pinyin" and len(text) <= 2
        )

    def cost(self, window: str) -> float | None:
        """The confusion cost of reading `window` (same length) as this phrase; None past the budget.
        A homophone window costs 0."""
        total = 0.0
        differing = 0
        for k, ch in enumerate(window):
            if ch == self.text[k]:
                continue
            best, same = _syllable_cost(self.sounds[k], char_sounds(ch), self.finals_kept)
            if not same:
                differing += 1
                if differing > self.substitutions or best > self.syllable_cap:
                    return None
            total += best
        if differing == 0:
            return 0.0
        return total if total <= self.budget else None

    def pieces(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(offset, folded syllables) pieces such that every window within budget holds one of them at
        that offset: the phrase cut into parts that each allow one differing syllable. At most
        `MAX_KEYS` (a phrase of ordinary length never reaches it)."""
        return islice(self._pieces(), MAX_KEYS)

    def _pieces(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """One syllable may differ: the phrase with any one syllable an alternative. Two may: the
        phrase cut in two, the first part exact or the second with at most one alternative (a window
        with two differing syllables in the second part has none in the first)."""
        n = len(self.text)
        cut = 0 if self.substitutions <= 1 else n // 2
        first = [self._syllables(k) for k in range(cut)]
        if cut:
            for combo in product(*first):
                yield 0, combo
        options = [self._syllables(k) for k in range(cut, n)]
        for combo in product(*options):
            yield cut, combo
        if not self.substitutions:
            return
        for k in range(cut, n):
            others = [*options[: k - cut], self._alternatives(k), *options[k - cut + 1 :]]
            for combo in product(*others):
                yield cut, combo

    def _syllables(self, k: int) -> list[str]:
        return sorted({s.syllable for s in self.sounds[k]})

    def _alternatives(self, k: int) -> list[str]:
        """Syllables whose initial and final alone cost at most the budget (tones can only add)."""
        own = set(self._syllables(k))
        return [
            syl
            for syl, (ini, fin) in table().syllables.items()
            if syl not in own
            and any(_within(s, ini, fin, self.syllable_cap, self.finals_kept) for s in self.sounds[k])
        ]


def _within(said: Sound, initial: str, final: str, limit: float, finals_kept: bool) -> bool:
    if finals_kept and not _aspiration_only(said, initial, final):
        return False
    tab = table()
    return tab.part("initial", said.initial, initial) + tab.part("final", said.final, final) <= limit


def _aspiration_only(said: Sound, initial: str, final: str) -> bool:
    return said.final == final and (said.initial == initial or {said.initial, initial} in ASPIRATION)


def _syllable_cost(
    said: tuple[Sound, ...], heard: tuple[Sound, ...], finals_kept: bool
) -> tuple[float, bool]:
    """(cheapest cost, whether some reading pair is the same folded syllable) for one character."""
    best = float("inf")
    same = False
    for s, h in product(said, heard):
        if s.syllable == h.syllable:
            same = True
        elif finals_kept and not _aspiration_only(s, h.initial, h.final):
            continue
        best = min(best, _pair_cost(s, h))
    return best, same


@cache
def _pair_cost(said: Sound, heard: Sound) -> float:
    return table().cost(said, heard)
