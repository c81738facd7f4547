"""Spoken amounts of money: Chinese and Arabic numerals as people say them on the phone.

Beside the written forms (三千五百, 一万零五百, 3000, 1.5万) speech drops the last unit: 一万二 is
12,000, 两千五 is 2,500, 一百一 is 110. A range (两三千) counts as its lower end: a customer who said
"two or three thousand" has promised at least two. cn2an parses these too, but its dependency
`proces` installs top-level packages named build, dist and scripts into site-packages, so
callqa parses its own (the whole grammar is the function below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
DIGITS |= dict(zip("壹贰叁肆伍陆柒捌玖", range(1, 10), strict=True))  # the forms written on cheques
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10_000, "萬": 10_000,
         "亿": 100_000_000}  # fmt: skip
_ARABIC = re.compile(r"[0-9０-９]+(?:,[0-9]{3})*(?:[.．][0-9０-９]+)?")
_WIDE = str.maketrans("０１２３４５６７８９．", "0123456789.")
_CN = "".join(DIGITS) + "".join(UNITS)
# A comma or point inside a numeral only between digits (1,720 / 1.5万): speech recognition puts
# commas anywhere, and 「四千,就四千」 is two sums.
_RUN = re.compile(
    rf"(?:[0-9０-９]|[{_CN}])(?:[0-9０-９{_CN}]|[,.．](?=[0-9０-９])|点(?=[{''.join(DIGITS)}0-9]))*"
)
# What a number counts when it is not money (a date, a clock time, a count, a share).
_NOT_MONEY_AFTER = re.compile(
    r"(?:个|号|日|天|月|年|周|星期|礼拜|期|点|分|秒|岁|次|小时|倍|%|％|成|人|家|张|笔|遍|位|楼|层|条|回)"
)
_NOT_MONEY_BEFORE = re.compile(r"(?:第|周|星期|礼拜|工号|尾号|号码|编号|电话|分|每期)$")
# Words that begin with 一 (一直, 一定, 一起…): a numeral before them ends at the 一 (三千九一直没还).
_ONE_WORDS = re.compile(r"[直定起样般共些切旦向律致]")
_MONEY_AFTER = re.compile(r"(?:多)?(?:块|元|圆|rmb|RMB)")


def _tokens(text: str) -> list[tuple[str, float]] | None:
    """('n', value) for a number, ('u', unit) for a unit; None when the text is not a numeral."""
    out: list[tuple[str, float]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        arabic = _ARABIC.match(text, i)
        if arabic:
            out.append(("n", float(arabic.group().replace(",", "").translate(_WIDE))))
            i = arabic.end()
        elif ch in DIGITS:
            out.append(("d", DIGITS[ch]))
            i += 1
        elif ch in UNITS:
            out.append(("u", UNITS[ch]))
            i += 1
        elif ch == "点" and out and out[-1][0] == "d" and i + 1 < len(text) and text[i + 1] in DIGITS:
            j = i + 1  # a decimal read aloud: 一点五万
            while j < len(text) and text[j] in DIGITS:
                j += 1
            whole = out.pop()[1]
            out.append(("n", float(f"{whole:.0f}.{''.join(str(DIGITS[c]) for c in text[i + 1 : j])}")))
            i = j
        else:
            return None
    return out


def parse_number(text: str) -> float | None:
    """The value of a numeral (Chinese, Arabic or mixed), or None when `text` is not one."""
    tokens = _tokens(text.strip())
    if not tokens or (tokens[0][0] == "u" and tokens[0][1] >= 100):
        return None  # 千万 (by all means), 万一 (in case), 百分之 (per cent) are not amounts
    total = section = 0.0
    pending: float | None = None  # a number not yet multiplied by a unit
    last_unit: float | None = None
    zero = False  # a 零 since the last unit: 一万零五 is 10,005, not 15,000
    previous = ""
    for k, (kind, value) in enumerate(tokens):
        if kind == "d" and value == 0:
            zero = True
            pending = None if previous != "d" or pending is None else pending * 10
        elif kind in ("d", "n"):
            if previous == "d" and pending is not None:
                following = tokens[k + 1] if k + 1 < len(tokens) else None
                if kind == "d" and value == pending + 1 and following and following[0] == "u":
                    pass  # a range, 两三千: keep the lower end
                else:
                    pending = pending * 10 + value
            else:
                pending = value
        elif value < 10_000:
            section += (1 if pending is None else pending) * value
            pending, last_unit, zero = None, value, False
        else:
            group = section + (pending or 0) or 1
            total = (total + group) * value if value > 10_000 else total + group * value
            section, pending, last_unit, zero = 0.0, None, value, False
        previous = kind
    if pending is not None:
        # 一万二: 12,000 (the unit below 万 left unsaid); 1万1400, as it is heard, 11,400
        elided = last_unit is not None and last_unit >= 100 and not zero and previous in ("d", "n")
        elided = elided and pending < 10
        section += pending * (last_unit / 10 if elided and last_unit else 1)
    return total + section


@dataclass(frozen=True)
class Amount:
    """A sum of money said in a sentence, with where it stands (characters)."""

    value: float
    start: int
    end: int


def find_amounts(text: str) -> list[Amount]:
    """The sums of money in `text`: numerals followed by 块/元, or with a unit of a hundred or more, or
    an Arabic number of 10 or more; not dates (十五号), times (三点), counts (两个月) or phone numbers."""
    found = []
    for match in _RUN.finditer(text):
        run, start, end = match.group(), match.start(), match.end()
        starts_word = run[-1] == "一" and _ONE_WORDS.match(text, end)  # 三千九一直: 一直 (always)
        if run[-1] in DIGITS and len(run) > 1 and (_NOT_MONEY_AFTER.match(text, end) or starts_word):
            run, end = run[:-1], end - 1  # 三千二一次还清, 两千一分不少: the last 一 starts the next word
        value = parse_number(run)
        if value is None or value <= 0:
            continue
        after, before = text[end : end + 3], text[max(0, start - 4) : start]
        if _MONEY_AFTER.match(after):
            found.append(Amount(value, start, end))
            continue
        if _NOT_MONEY_AFTER.match(after) or _NOT_MONEY_BEFORE.search(before):
            continue
        digits = sum(c.isdigit() for c in run)
        has_unit = any(c in "百佰千仟万萬亿" for c in run)
        if (has_unit or (digits == len(run) and value >= 10)) and digits < 7:
            found.append(Amount(value, start, end))
    return found


def written_slips(value: float) -> set[float]:
    """Sums that a spoken amount written as `value` in Arabic digits may really be: 一万五 heard as
    一千五 (1500 for 15,000), 一万二 written 112 (its 万 as a 1). Only a second saying of the sum in
    the call (the agent's recap) can tell; alone, a number is what it says."""
    out = set()
    whole = int(value)
    if whole == value and 1000 <= whole < 10_000 and whole % 100 == 0:
        out.add(value * 10)  # 千 for 万: two significant figures at most (1500, 2000)
    text = str(whole)
    if whole == value and len(text) == 3 and text[1] == "1" and text[0] != "0" and text[2] != "0":
        out.add(float(int(text[0]) * 10_000 + int(text[2]) * 1000))  # 112: 一万二
    return out
