"""How the speech model confuses syllables: a cost per (said, heard) initial, final and tone.

Learned from aligned reference / speech-to-text character pairs (`learn`, run by
bench/build_confusions.py) and shipped as confusions.json beside this module. Each component of a
syllable (folded initial, folded final, tone) gets a smoothed conditional probability of being heard
as another, P(heard b | said a); the cost of that confusion is ln P(a | a) - ln P(b | a): 0 when
heard right, about 2-5 for a confusion the model makes often, 8-10 for one never seen. Smoothing
pulls each row toward a phonetic prior (`INITIAL_NEIGHBOURS`, `FINAL_NEIGHBOURS`: aspirated and
unaspirated stops, j/q/x, the i/ü finals and others the telephone band blurs), weighted `PRIOR_WEIGHT`
pairs, so measured rows dominate and rare rows fall back on phonetics. Costs are symmetric (the mean of
both directions): the data are too few to tell j -> q from q -> j.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from callqa.chinese import is_ideograph
from callqa.text.align import GAP, alignment
from callqa.text.normalize import normalize
from callqa.text.syllables import Sound, char_sounds, text_sounds

COMPONENTS = ("initial", "final", "tone")
PRIOR_WEIGHT = 10.0  # pseudo-pairs of the phonetic prior per unit
PRIOR_SAME = 0.85  # prior probability that a component is heard right
PRIOR_NEAR = 0.10  # prior mass shared by a unit's phonetic neighbours (the rest goes to all others)
# Folded units (zh=z, ch=c, sh=s, n=l, f=h; -ng=-n; ü written v; '' no initial).
INITIAL_NEIGHBOURS = ("j q", "j x", "q x", "z c", "z s", "c s", "b p", "d t", "g k", "h s", "h k",
                      "l r", "m l", "z j", "c q", "s x", " r")  # fmt: skip
FINAL_NEIGHBOURS = ("i v", "in vn", "ie ve", "ian van", "ie ian", "in ian", "vn in", "vn ian", "e o",
                    "e uo", "o uo", "ao ou", "ou iou", "ei uei", "uei uen", "an en", "an ian", "an uan",
                    "en uen", "ai ei", "u ou", "i ie")  # fmt: skip
TONE_NEIGHBOURS = ("2 3", "1 4", "5 1", "5 2", "5 3", "5 4")
DATA_FILE = "confusions.json"


@dataclass(frozen=True)
class ConfusionTable:
    """Symmetric costs per component: `costs[component][a][b]`; `unseen[component]` for other pairs."""

    costs: dict[str, dict[str, dict[str, float]]]
    unseen: dict[str, float]
    pairs: int = 0  # aligned character pairs it was learned from
    substitutions: int = 0  # of which the sounds differed
    syllables: dict[str, tuple[str, str]] = field(default_factory=dict)  # folded syllable: (initial, final)

    def part(self, component: str, a: str, b: str) -> float:
        """Cost of one component heard as another (0 when equal)."""
        if a == b:
            return 0.0
        return self.costs[component].get(a, {}).get(b, self.unseen[component])

    def cost(self, said: Sound, heard: Sound) -> float:
        """Cost of hearing `heard` where `said` was said: the sum over initial, final and tone."""
        return (
            self.part("initial", said.initial, heard.initial)
            + self.part("final", said.final, heard.final)
            + self.part("tone", str(said.tone), str(heard.tone))
        )

    def to_json(self) -> dict[str, object]:
        syllables = {k: list(v) for k, v in self.syllables.items()}
        return {"pairs": self.pairs, "substitutions": self.substitutions, "unseen": self.unseen,
                "costs": self.costs, "syllables": syllables}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfusionTable:
        syllables = {k: (v[0], v[1]) for k, v in data["syllables"].items()}
        return cls(data["costs"], data["unseen"], int(data["pairs"]), int(data["substitutions"]), syllables)


@cache
def table() -> ConfusionTable:
    """The shipped table (confusions.json in this package)."""
    text = resources.files("callqa.text").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return ConfusionTable.from_json(json.loads(text))


def _units(sound: Sound, component: str) -> str:
    return {"initial": sound.initial, "final": sound.final, "tone": str(sound.tone)}[component]


def _neighbours(spec: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for pair in spec:
        a, b = pair.split(" ")
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


_PRIORS = {
    "initial": _neighbours(INITIAL_NEIGHBOURS),
    "final": _neighbours(FINAL_NEIGHBOURS),
    "tone": _neighbours(TONE_NEIGHBOURS),
}


def _learn_component(pairs: list[tuple[str, str]], near: dict[str, set[str]]) -> tuple[dict, float]:
    counts: dict[str, Counter[str]] = {}
    for a, b in pairs:  # symmetric counts: a pair is evidence both ways
        counts.setdefault(a, Counter())[b] += 1
        counts.setdefault(b, Counter())[a] += 1
    units = sorted(set(counts) | set(near))
    others = max(1, len(units) - 1)

    def prior(a: str, b: str) -> float:
        if a == b:
            return PRIOR_SAME
        n_near = len(near.get(a, ()))
        if b in near.get(a, ()):
            return PRIOR_NEAR / n_near
        rest = 1.0 - PRIOR_SAME - (PRIOR_NEAR if n_near else 0.0)
        return rest / max(1, others - n_near)

    def prob(a: str, b: str) -> float:
        row = counts.get(a, Counter())
        return (row[b] + PRIOR_WEIGHT * prior(a, b)) / (sum(row.values()) + PRIOR_WEIGHT)

    def directed(a: str, b: str) -> float:
        return math.log(prob(a, a)) - math.log(prob(a, b))

    seen: dict[str, dict[str, float]] = {}
    unseen_costs = []
    for a in units:
        for b in units:
            if a == b:
                continue
            cost = round((directed(a, b) + directed(b, a)) / 2, 2)
            if counts.get(a, Counter())[b] or b in near.get(a, ()):
                seen.setdefault(a, {})[b] = cost
            else:
                unseen_costs.append(cost)
    # Pairs never seen and not neighbours share one cost: the median of theirs.
    unseen_costs.sort()
    return seen, unseen_costs[len(unseen_costs) // 2] if unseen_costs else 10.0


def learn(pairs: Iterable[tuple[Sound, Sound]]) -> ConfusionTable:
    """Learn a table from (said, heard) sounds of aligned characters, right ones included."""
    pairs = list(pairs)
    costs: dict[str, dict[str, dict[str, float]]] = {}
    unseen: dict[str, float] = {}
    for component in COMPONENTS:
        units = [(_units(a, component), _units(b, component)) for a, b in pairs]
        costs[component], unseen[component] = _learn_component(units, _PRIORS[component])
    substitutions = sum(a != b for a, b in pairs)
    return ConfusionTable(costs, unseen, len(pairs), substitutions, syllable_inventory())


def syllable_inventory() -> dict[str, tuple[str, str]]:
    """Every folded syllable of the common CJK block (U+4E00-U+9FFF) with its initial and final."""
    out: dict[str, tuple[str, str]] = {}
    for code in range(0x4E00, 0xA000):
        for sound in char_sounds(chr(code)):
            if sound.tone:
                out.setdefault(sound.syllable, (sound.initial, sound.final))
    return dict(sorted(out.items()))


def sound_pairs(reference: str, heard: str) -> list[tuple[Sound, Sound]]:
    """(said, heard) sounds of the aligned Chinese characters of two texts, each read in context.

    Characters the speech model wrote as ASCII digits are left out: 1500 against 一千五百 aligns
    digits with the wrong numerals.
    """
    ref, hyp = normalize(reference), normalize(heard)
    said_sounds, heard_sounds = text_sounds(ref.chars), text_sounds(hyp.chars)
    out = []
    for i, j in alignment(ref.chars, hyp.chars):
        if i == GAP or j == GAP or hyp.original[hyp.offsets[j]].isascii():
            continue
        a, b = ref.chars[i], hyp.chars[j]
        if is_ideograph(a) and is_ideograph(b):
            out.append(_closest((said_sounds[i], *char_sounds(a)), (heard_sounds[j], *char_sounds(b))))
    return out


def _closest(said: tuple[Sound, ...], heard: tuple[Sound, ...]) -> tuple[Sound, Sound]:
    """The readings of two characters that differ in the fewest components (in-context ones first):
    a polyphone said one way and heard as its other reading (还 hai/huan -> 环) is no confusion."""
    return min(
        ((a, b) for a in said for b in heard),
        key=lambda ab: (
            (ab[0].initial != ab[1].initial) + (ab[0].final != ab[1].final) + (ab[0].tone != ab[1].tone)
        ),
    )
