"""Garble text the way Mandarin speech-to-text does, to train and to test detectors on it.

Two sources of error, both from /work/shared/ASR-NOTES.md and the issue's transcripts:
- `MISHEARINGS`: whole words as Whisper base was measured to write them (逾期 -> 一七, 冻结 -> 动检);
- homophone substitution: a character replaced by another with the same folded pinyin (zh/z, n/l,
  -n/-ng... merged, tone ignored) or, less often, a near syllable with the same initial (jie ~ jian),
  drawn by frequency from a pool of ordinary characters; plus a few dropped characters, commas for
  full stops, and Chinese numerals written as digits.
The rate of substituted characters sets the character error rate (Whisper base: 0.15-0.4 here).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from callqa.chinese import is_ideograph
from callqa.text.syllables import char_readings, is_near

MISHEARINGS: dict[str, tuple[str, ...]] = {
    "逾期": ("一期", "一七", "于七", "余七", "预期"),
    "坐牢": ("做老", "做劳"),
    "冻结": ("动检",),
    "滞纳金": ("制纳金", "质那金"),
    "通讯录": ("通信路", "通讯路", "通线录"),
    "还钱": ("环前", "管钱"),
    "还款": ("海款", "环款"),
    "征信": ("争信",),
    "起诉": ("起苏",),
    "身败名裂": ("生败名列",),
    "催收": ("随手", "村收", "推售"),
    "工号": ("公号", "功耗"),
    "犯罪嫌疑人": ("散最先一人",),
    "拘留": ("去留",),
    "我司": ("我是",),
    "欠钱": ("先前",),
}
_DIGITS = dict(zip("零一二三四五六七八九", "0123456789", strict=True))
_NUMERAL_RUN = re.compile("[零一二三四五六七八九]{3,}")


@dataclass
class AsrNoise:
    """A garbler; `pool` is the character frequency its substitutes are drawn from."""

    pool: Counter[str]
    by_syllable: dict[str, list[str]] = field(default_factory=dict, init=False)
    weights: dict[str, list[int]] = field(default_factory=dict, init=False)
    near: dict[str, list[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        groups: dict[str, list[str]] = defaultdict(list)
        for ch, _ in self.pool.most_common():
            if is_ideograph(ch):
                groups[char_readings(ch)[0]].append(ch)
        self.by_syllable = dict(groups)
        self.weights = {s: [self.pool[c] for c in cs] for s, cs in groups.items()}
        syllables = list(groups)
        self.near = {s: [t for t in syllables if t != s and is_near(s, t)] for s in syllables}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> AsrNoise:
        """Substitutes drawn from the characters of `texts`, as often as they occur there."""
        return cls(Counter(ch for t in texts for ch in t if is_ideograph(ch)))

    def garble(self, text: str, rng: random.Random, rate: float = 0.15, word_rate: float = 0.7) -> str:
        """`text` with measured mishearings (each with probability `word_rate`) and a share `rate` of
        its other characters replaced by sound-alikes."""
        for right, wrongs in MISHEARINGS.items():
            if right in text and rng.random() < word_rate:
                text = text.replace(right, rng.choice(wrongs))
        out = []
        for ch in text:
            if not is_ideograph(ch) or rng.random() >= rate:
                out.append("，" if ch == "。" and rng.random() < 0.3 else ch)
                continue
            roll = rng.random()
            if roll < 0.08:
                continue  # dropped
            out.append(self._sound_alike(ch, rng, near=roll > 0.8))
        garbled = "".join(out)
        if rng.random() < 0.5:
            garbled = _NUMERAL_RUN.sub(lambda m: "".join(_DIGITS[c] for c in m.group()), garbled)
        return garbled

    def _sound_alike(self, ch: str, rng: random.Random, near: bool) -> str:
        syllable = char_readings(ch)[0]
        if near and self.near.get(syllable):
            syllable = rng.choice(self.near[syllable])
        chars = self.by_syllable.get(syllable, [])
        choices = [(c, w) for c, w in zip(chars, self.weights.get(syllable, []), strict=True) if c != ch]
        if not choices:
            return ch
        return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
