"""Pinyin syllables folded the way the speech model confuses them.

Folding is tone-insensitive and merges zh/z, ch/c, sh/s, n/l, f/h and the -n/-ng finals
(in/ing, en/eng, an/ang, ian/iang, uan/uang). Each character keeps up to two readings so that
polyphones (还 huan/hai, 行 xing/hang) match either way.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.style._utils import get_finals, get_initials

from callqa.chinese import edit_distance, is_ideograph

_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
)
_INITIAL_FOLD = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "f": "h"}
_FINAL_FOLD = {"ing": "in", "eng": "en", "ang": "an", "iang": "ian", "uang": "uan"}
# Characters whose second reading is common enough to matter; others keep only their first reading,
# since rare readings (堵 zhe, 牢 lou, 逾 dou) make false matches (堵你 ~ 这里).
POLYPHONES = frozenset(
    "还行长重朝传藏差种调得地的都发干给更好会几假间将教角觉空乐了量落没难便切曲少数"
    "说相兴应只中着转盛那处当分供划济降露模抹强散省属削要与载仔扎卡参"
)


def split_syllable(syllable: str) -> tuple[str, str]:
    """Split a toneless pinyin syllable into (initial, final); the initial may be ''."""
    for ini in _INITIALS:
        if syllable.startswith(ini) and len(syllable) > len(ini):
            return ini, syllable[len(ini) :]
    return "", syllable


def fold(syllable: str) -> str:
    """Fold a toneless pinyin syllable: 'zhuang' -> 'zuan', 'ning' -> 'lin', 'fei' -> 'hei'."""
    ini, fin = split_syllable(syllable)
    return _INITIAL_FOLD.get(ini, ini) + _FINAL_FOLD.get(fin, fin)


@cache
def char_readings(ch: str) -> tuple[str, ...]:
    """Folded readings of one character, most common first; a non-CJK character stands for itself."""
    if not is_ideograph(ch):
        return (ch.lower(),)
    out: list[str] = []
    keep = 2 if ch in POLYPHONES else 1
    for reading in pinyin(ch, style=Style.NORMAL, heteronym=True)[0][:keep]:
        folded = fold(reading)
        if folded not in out:
            out.append(folded)
    return tuple(out) or (ch,)


@cache
def plain_readings(ch: str) -> frozenset[str]:
    """Toneless readings of one character before folding (the readings `char_readings` folds)."""
    if not is_ideograph(ch):
        return frozenset({ch.lower()})
    keep = 2 if ch in POLYPHONES else 1
    return frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0][:keep])


@cache
def char_initial(ch: str) -> str:
    """One letter standing for the folded initial of `ch` ('_' for none; a non-CJK char upper-cased)."""
    if not is_ideograph(ch):
        return ch.upper()
    return split_syllable(char_readings(ch)[0])[0] or "_"


def phrase_readings(phrase: str) -> list[str]:
    """Folded reading of each character of `phrase` as pypinyin reads it in context (银行 -> hang)."""
    readings = lazy_pinyin(phrase)
    if len(readings) != len(phrase):  # runs of non-CJK come back as one item
        return [char_readings(c)[0] for c in phrase]
    return [fold(r) if is_ideograph(c) else c.lower() for c, r in zip(phrase, readings, strict=True)]


_CODES: dict[str, str] = {}


def syllable_code(syllable: str) -> str:
    """A private-use code point standing for one folded syllable (stable within the process)."""
    code = _CODES.get(syllable)
    if code is None:
        code = _CODES[syllable] = chr(0xF0000 + len(_CODES))
    return code


@cache
def char_code(ch: str) -> str:
    """Code of a character's most common folded reading (a non-CJK char reads as itself)."""
    return syllable_code(char_readings(ch)[0])


@cache
def is_near(a: str, b: str) -> bool:
    """Folded syllables that ASR plausibly swaps: same initial, finals within two edits (xian ~ xun)."""
    ia, fa = split_syllable(a)
    ib, fb = split_syllable(b)
    return ia == ib and edit_distance(fa, fb) <= 2


class Sound(NamedTuple):
    """A toned syllable for weighted matching: folded initial ('' for none), folded final (ü as 'v'),
    tone 1-4 or 5 (neutral), and `syllable`, the folded toneless reading `char_readings` gives."""

    initial: str
    final: str
    tone: int
    syllable: str


@cache
def sound_of(toned: str) -> Sound:
    """Parse pypinyin's TONE3 form: 'ju1' -> ('j', 'v', 1, 'ju'), 'zhuang4' -> ('z', 'uan', 4, 'zuan')."""
    tone = int(toned[-1]) if toned[-1:].isdigit() else 5
    base = toned.rstrip("012345").replace("v", "ü")
    ini = get_initials(base, strict=True)
    fin = get_finals(base, strict=True).replace("ü", "v")
    return Sound(_INITIAL_FOLD.get(ini, ini), _FINAL_FOLD.get(fin, fin), tone, fold(base.replace("ü", "v")))


@cache
def char_sounds(ch: str) -> tuple[Sound, ...]:
    """Toned sounds of a character: for each reading of `char_readings`, its dictionary tone
    (no tone-sandhi variants: 一 is yi1 only). A non-CJK character is one toneless sound of itself."""
    if not is_ideograph(ch):
        return (Sound(ch.lower(), "", 0, ch.lower()),)
    wanted = char_readings(ch)
    out: dict[str, Sound] = {}
    for toned in pinyin(ch, style=Style.TONE3, heteronym=True, neutral_tone_with_five=True)[0]:
        sound = sound_of(toned)
        if sound.syllable in wanted and sound.syllable not in out:
            out[sound.syllable] = sound
    return tuple(out.values()) or (Sound(ch, "", 0, ch),)


def text_sounds(text: str) -> list[Sound]:
    """The sound of each character of `text` as pypinyin reads it in context (tone sandhi included)."""
    toned = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    if len(toned) != len(text):
        return [char_sounds(c)[0] for c in text]
    return [sound_of(t) if is_ideograph(c) else char_sounds(c)[0] for c, t in zip(text, toned, strict=True)]
