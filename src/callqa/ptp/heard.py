"""What speech recognition writes for the words a promise is made of, put back before reading.

Whisper hears a promise's few key words as other characters that sound alike: 还 (huán) as 缓, 环,
换; 千 as 圈 or 钱; 周 as 中 or 州; 月底 as 业底; 欠款 as 线款; 行 as 请; 凑 as 透; 号 as 浩. Which
characters sound alike is not listed here: a character is read as the key word when the speech
model's own confusion costs (`callqa.text.confusions`, learned from aligned transcripts) say it
sounds near enough, and only in the frame where the key word belongs (a sum or 清/完/上 after
huán, a numeral before qiān, a weekday after zhōu…), so 环境保护, 换工作 or 好几天 stay as they are.
Two habits are not about sound: Whisper writes 元 after a sum as 人 (800人), and 一千五 as 1,5.
Every rewrite keeps the text's length, so positions found in the repaired text hold in the heard one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from callqa.chinese import is_ideograph
from callqa.text.confusions import table
from callqa.text.syllables import char_sounds, fold

_NUMERAL = "0-9０-９零〇一二两三四五六七八九十"
_ONE_DIGIT = "一二两三四五六七八九"
CLOSE = 6.0  # confusion cost of a character heard for a key word in its frame (0: same sound)
FAR = 9.0  # in a frame that leaves no other reading (a sum right after it, a bare answer)


@cache
def sounds_like(heard: str, word: str, syllable: str) -> float:
    """The least cost of `word` read as `syllable` (还: huan, not hai) being heard as `heard`."""
    said = [s for s in char_sounds(word) if s.syllable == fold(syllable)]
    if not (said and len(heard) == 1 and is_ideograph(heard)):
        return float("inf")
    return min(table().cost(a, b) for a in said for b in char_sounds(heard))


def _near(word: str, syllable: str, limit: float, but: str = "") -> Callable[[str], bool]:
    def test(ch: str) -> bool:
        return ch == word or (ch not in but and sounds_like(ch, word, syllable) <= limit)

    return test


# A key word's frame: a pattern whose named groups are the heard characters, each with the word it
# may stand for and how near it must sound; all of a match's groups pass, or nothing changes.
_C = r"(?P<w>[\u4e00-\u9fff])"
_SUM_AFTER = rf"[{_NUMERAL}](?![个张份家部台下次遍点号日天月年周岁])(?!(?P=w))"  # not 缓一缓
Test = Callable[[str], bool]
Rule = tuple[re.Pattern[str], dict[str, tuple[str, Test]], "re.Pattern[str] | None"]


def _one(pattern: str, word: str, test: Test, before: str | None = None) -> Rule:
    """A rule for one heard character; `before`: what the clause must hold before it (a pattern)."""
    return re.compile(pattern), {"w": (word, test)}, re.compile(before) if before else None


_ZHOU = _near("周", "zhou", CLOSE, but="星期礼拜")
_HUAN = _near("还", "huan", CLOSE, but="行")  # 行 reads hang
_RULES: list[Rule] = [
    _one(rf"(?<=[{_NUMERAL}]){_C}", "号", _near("号", "hao", 1.0)),  # 十五浩, 8毫
    (re.compile(r"(?<=[这下本上])(?P<z>[\u4e00-\u9fff])(?P<m>[\u4e00-\u9fff])(?=[，,。！!？?\s之前吧把]|$)"),
     {"z": ("周", _ZHOU), "m": ("末", _near("末", "mo", CLOSE))}, None),  # 这中莫: 这周末
    _one(rf"(?<=[下这本上]){_C}(?=[一二三四五六日天末1-7])", "周", _ZHOU),
    _one(rf"(?<![^\s，,。！!？?那就我在])(?<!下){_C}(?=[一二三四五六日末][，,。！!？?\s之前吧]|[一二三四五六日末]$)",
         "周", _ZHOU),  # 中五之前 (no prefix): at its clause's start
    _one(rf"{_C}(?=周[一二三四五六日天末1-7])", "下", _near("下", "xia", FAR)),  # 小周三
    _one(rf"{_C}(?=[底末初](?![下]))", "月", _near("月", "yue", 4.0, but=_ONE_DIGIT)),  # 业底
    _one(rf"(?<![{_NUMERAL}]){_C}(?=款)", "欠", _near("欠", "qian", 5.0)),  # 线款, 县款
    # huán: before a sum or 清/完/上/掉/款/钱/最低, or ending a clause after 就/先/一定/把…
    (re.compile(r"(?<=[部性次把款能就先会都要])(?P<h>[\u4e00-\u9fff])(?P<q>[军境均净])"),
     {"h": ("还", _HUAN), "q": ("清", lambda ch: True)}, None),  # 全部环境, 一次缓军: 还清
    _one(rf"{_C}(?={_SUM_AFTER}|[完清上掉款钱]|给你|最低)", "还", _HUAN),
    _one(rf"{_C}(?={_SUM_AFTER})", "还", _near("还", "huan", FAR, but="行回会")),  # 先怀一千
    _one(rf"{_C}(?=[，,。！!？?\s]|$|吧|了|升|上)", "还", _HUAN,
         before=r"[就先再会能都才马定把][^，,。！!？?]{0,6}$"),  # 我今天一定缓, 把两千缓升
    _one(rf"(?<=还){_C}", "清", lambda ch: ch in "军境均净"),  # 还军, 环境: 还清
    _one(rf"(?<=[{_ONE_DIGIT}])(?<![{_NUMERAL}块元毛角百千万周期拜号月日天][{_ONE_DIGIT}]){_C}", "千",
         _near("千", "qian", CLOSE, but="前先件")),  # 三钱, 三圈: a lone numeral's unit
    _one(rf"(?:(?<=办法)|(?<=我来)|(?<=[去先])){_C}(?=[，,。！!？?\s]|$|吧|[齐够钱]|[{_NUMERAL}])", "凑",
         _near("凑", "cou", 3.0)),  # 想办法透
    _one(rf"(?:^|(?<=[，,。！!？?\s])){_C}(?=[，,。！!？?\s]|$|吧[，,。！!？?\s]|吧$)", "行",
         _near("行", "xing", FAR, but="好对是嗯哦啊呀")),  # 请，周末肯定还: a bare answer
]  # fmt: skip
_HABITS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<=[0-9]{3})人|(?<=[0-9][百千万])人|(?<=[百千万])人(?!次)"), "元"),  # 800人
    (re.compile(r"(?<![0-9,.][0-9])(?<=[1-9]),(?=[1-9](?![0-9]))"), "千"),  # 1,5 (一千五)
]


def repair(text: str) -> str:
    """`text` with the homophones of promise words put back (same length)."""
    for pattern, word in _HABITS:
        text = pattern.sub(word, text)
    for pattern, groups, before in _RULES:
        at = 0
        while m := pattern.search(text, at):
            ahead = text[max(0, m.start() - 8) : m.start()]
            fixed = _put(m, groups) if before is None or before.search(ahead) else m.group()
            text = text[: m.start()] + fixed + text[m.end() :]
            at = m.end() if fixed != m.group() else m.start() + 1  # a frame that failed: look on
    return text


def _put(m: re.Match[str], groups: dict[str, tuple[str, Test]]) -> str:
    """The match with each group's character put back, or as it was when one does not sound near."""
    if not all(test(m.group(name)) for name, (_, test) in groups.items()):
        return m.group()
    chars = list(m.group())
    for name, (word, _) in groups.items():
        chars[m.start(name) - m.start()] = word
    return "".join(chars)
