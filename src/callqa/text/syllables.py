"""Pinyin syllables folded the way the speech model confuses them.

Folding is tone-insensitive and merges zh/z, ch/c, sh/s, n/l, f/h and the -n/-ng finals
(in/ing, en/eng, an/ang, ian/iang, uan/uang). Each character keeps up to two readings so that
polyphones (还 huan/hai, 行 xing/hang) match either way.
"""

from __future__ import annotations

from functools import cache

from pypinyin import Style, pinyin

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
             "z", "c", "s", "y", "w")  # fmt: skip
_INITIAL_FOLD = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "f": "h"}
_FINAL_FOLD = {"ing": "in", "eng": "en", "ang": "an", "iang": "ian", "uang": "uan"}
MAX_READINGS = 2


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


def is_cjk(ch: str) -> bool:
    """Whether `ch` is a CJK unified ideograph."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@cache
def char_readings(ch: str) -> tuple[str, ...]:
    """Folded readings of one character, most common first; a non-CJK character stands for itself."""
    if not is_cjk(ch):
        return (ch.lower(),)
    out: list[str] = []
    for reading in pinyin(ch, style=Style.NORMAL, heteronym=True)[0][:MAX_READINGS]:
        folded = fold(reading)
        if folded not in out:
            out.append(folded)
    return tuple(out) or (ch,)


@cache
def char_initial(ch: str) -> str:
    """One letter standing for the folded initial of `ch` ('_' for none; a non-CJK char upper-cased)."""
    if not is_cjk(ch):
        return ch.upper()
    return split_syllable(char_readings(ch)[0])[0] or "_"
