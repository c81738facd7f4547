"""What speech recognition writes for the words a promise is made of, put back before reading.

Whisper hears a promise's key words as their homophones: 十浩 for 十号, 换三千 for 还三千 (huán and
huàn), 下州五 for 下周五, 三钱 for 三千 (qián). Each rewrite below needs the context that makes the
homophone a slip (a numeral before 浩, a sum or 完/清 after 换), so 换工作 or 好几天 stay as they are.
Every rewrite keeps the text's length, so positions found in the repaired text hold in the heard one.
"""

from __future__ import annotations

import re

_NUMERAL = "0-9０-９零〇一二两三四五六七八九十"
_REPAIRS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"(?<=[{_NUMERAL}])[浩毫豪]"), "号"),  # 十五浩, 8浩
    (re.compile(r"(?<=[下这本上])[州洲舟粥](?=[一二三四五六日天末1-7])"), "周"),  # 下州五
    # huàn for huán: 换 before a sum or 完/清/上/钱/款, or ending a clause after 就/先/再/会/能
    (re.compile(rf"换(?=[完清上钱款]|[{_NUMERAL}](?![个张份家部台下次遍])|给你)"), "还"),
    (re.compile(r"(?<=[就先再会能都才马])换(?=[，,。！!？?\s]|$|吧|了)"), "还"),
    # qián for qiān: a single numeral straight before 钱, no unit between (三钱 is 三千)
    (re.compile(rf"(?<=(?<![{_NUMERAL}块元毛角百千万])[一二两三四五六七八九])钱"), "千"),
]


def repair(text: str) -> str:
    """`text` with the homophones of promise words put back (same length)."""
    for pattern, word in _REPAIRS:
        text = pattern.sub(word, text)
    return text
