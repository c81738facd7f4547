"""Days named in speech (下周五, 月底, 十五号, 后天, 三天内), resolved against the call's own date.

A promise names a deadline, so a phrase that covers several days resolves to its last one: 月底 and
这个月 to the month's last day, 周末 to Sunday, 三天内 to the third day after the call. The rest:

| phrase | day |
|---|---|
| 今天, 今晚, 马上, 现在, 一会儿 / 明天 / 后天 / 大后天 | the call's day + 0 / 1 / 2 / 3 |
| 周五, 星期五, 礼拜五 (alone) | the next Friday after the call's day (a week later when said on a Friday) |
| 这周五, 本周五 / 下周五 / 下下周五 | Friday of the call's week (from Monday) / the next / the one after |
| 周末, 这周末 / 下周末 | Sunday of that week |
| N天内, N天之内, 过N天 / 一周内, 一个星期之内 / 半个月内 / N个月内 | + N days / 7 / 15 / N months |
| 十五号, 15日 | the 15th of this month, or of the next when it has passed |
| 下个月五号 / 十二月五号 | the 5th of next month / 5 December (next year when it has passed) |
| 月底, 月末 / 月中 / 月初, 月头 (also 这个, 下个 …) | the month's last day / 15th / 5th; alone: the next |
| 上旬 / 中旬 / 下旬 (also 这个月, 下个月 …) | the 10th / 20th / the month's last day |
| 这个月, 本月 / 下个月 (with no day) | the last day of this month / of next month |
| 年底 | 31 December |
| 年前, 过年前, 春节前, 除夕 | the eve of the coming Spring Festival (除夕, from a table of years) |
| 明后天 / 两三天内 | + 2 / + 3 (a range of days ends on its later day) |

Vague phrases (过两天, 这两天, 过几天, 最近, 以后, 年后) name no day, nor do lunar dates (腊月二十).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from callqa.ptp.numbers import DIGITS, parse_number

_N = r"(?:[0-9０-９]{1,2}|[零〇一二两三四五六七八九十]{1,3})"
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 6}
WEEKDAYS |= {str(k + 1): k for k in range(7)}
_WEEK = r"(?:周|星期|礼拜)"
_SUM_AHEAD = r"(?:[0-9]{2,}|[0-9零〇一二两三四五六七八九十]+[百千万块元])"  # 周五四千: a day, then a sum
# The eve of the Spring Festival (除夕), the deadline of 年前: the lunar calendar, for the years callqa runs.
SPRING_EVES = {
    2024: date(2024, 2, 9), 2025: date(2025, 1, 28), 2026: date(2026, 2, 16), 2027: date(2027, 2, 5),
    2028: date(2028, 1, 25), 2029: date(2029, 2, 12), 2030: date(2030, 2, 2), 2031: date(2031, 1, 22),
    2032: date(2032, 2, 10),
}  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    """A day named in a sentence, resolved, with where it stands (characters)."""

    day: date
    start: int
    end: int
    now: bool = False  # 马上, 现在, 一会儿: "at once", which after an event (发了马上还) means after it


NOW_WORDS = re.compile(r"马上|立刻|现在|一会儿?|待会儿?|等会儿?|晚点|晚一点|等一下|等下")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _day_of_month(year: int, month: int, n: int) -> date | None:
    if not 1 <= n <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, n)


def _number(text: str) -> int | None:
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) else None


def _week_offset(prefix: str | None) -> int | None:
    """Weeks after the call's week that a prefix names; None for a bare weekday."""
    return {"这": 0, "本": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2}.get(prefix or "")


def _weekday(m: re.Match[str], today: date) -> date | None:
    wanted = WEEKDAYS[m.group("wd")]
    weeks = _week_offset(m.group("pre"))
    if weeks is None:
        ahead = (wanted - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks + wanted)


def _week(m: re.Match[str], today: date) -> date | None:
    """这周, 下周 with no day: the week's Sunday."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * (_week_offset(m.group("pre")) or 0) + 6)


def _relative_day(m: re.Match[str], today: date) -> date | None:
    word = m.group()
    later = word.startswith(("后", "明后"))
    ahead = 3 if word.startswith("大后") else 2 if later else 1 if word[0] == "明" else 0
    return today + timedelta(days=ahead)


def _within(m: re.Match[str], today: date) -> date | None:
    said = m.group("n")
    range_end = (
        len(said) == 2 and said[0] in "一两二三四五六七八" and DIGITS.get(said[1]) == DIGITS[said[0]] + 1
    )
    count = 0.5 if said == "半" else DIGITS[said[1]] if range_end else _number(said)  # 两三天内: 3
    if count is None:
        return None
    unit = m.group("unit")
    if unit == "月":
        return today + timedelta(days=15) if count == 0.5 else add_months(today, int(count))
    days = count * (7 if unit in ("周", "星期", "礼拜") else 1)
    return today + timedelta(days=int(days))


def _month_offset(prefix: str | None) -> int:
    return 1 if prefix and prefix.startswith("下") else 0


def _month_part(m: re.Match[str], today: date) -> date | None:
    prefix, part = m.group("pre"), m.group("part")
    first = add_months(today.replace(day=1), _month_offset(prefix))
    if part in ("底", "末", "下旬"):
        return month_end(first.year, first.month)
    n = {"中": 15, "上旬": 10, "中旬": 20}.get(part, 5)
    day = first.replace(day=n)
    if prefix is None and day < today:  # 月中 said on the 20th: next month's
        day = add_months(day, 1)
    return day


def _month_day(m: re.Match[str], today: date) -> date | None:
    n = _number(m.group("d"))
    if n is None:
        return None
    if m.group("pre"):  # 下个月五号
        first = add_months(today.replace(day=1), _month_offset(m.group("pre")))
        return _day_of_month(first.year, first.month, n)
    if m.group("m"):  # 十二月五号
        month = _number(m.group("m"))
        if month is None or not 1 <= month <= 12:
            return None
        day = _day_of_month(today.year, month, n)
        if day and day < today - timedelta(days=31):
            day = _day_of_month(today.year + 1, month, n)
        return day
    day = _day_of_month(today.year, today.month, n)  # 十五号
    if day is None or day < today:
        first = add_months(today.replace(day=1), 1)
        return _day_of_month(first.year, first.month, n)
    return day


def _whole_month(m: re.Match[str], today: date) -> date | None:
    first = add_months(today.replace(day=1), _month_offset(m.group("pre")))
    return month_end(first.year, first.month)


def _year_end(m: re.Match[str], today: date) -> date | None:
    return date(today.year, 12, 31)


def _spring_eve(m: re.Match[str], today: date) -> date | None:
    """年前: by the eve of the coming Spring Festival (None past the table's years)."""
    return next((eve for year, eve in sorted(SPRING_EVES.items()) if eve >= today), None)


Resolver = Callable[[re.Match[str], date], "date | None"]
PATTERNS: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(rf"(?P<pre>(?<!一)下下个?|下个?|这个?|本)?{_WEEK}(?P<wd>[一二三四五六日天1-7])(?!(?!{_SUM_AHEAD})[0-9一二三四五六七八九十])"),
     _weekday),
    (re.compile(r"(?P<pre>(?<!一)下下个?|下个?|这个?|本)?周(?P<wd>末)"), _weekday),
    (re.compile(rf"(?P<pre>(?<!一)下下个?|下个?|这个?|本){_WEEK}(?![一二三四五六日天末1-7])"), _week),
    (re.compile(rf"大后天|明后天|后天|明天|明日|明儿|明早|明晚|今天|今日|今儿|今晚|当天|{NOW_WORDS.pattern}"),
     _relative_day),
    (re.compile(rf"(?P<n>{_N}|半)个?(?P<unit>天|日|周|星期|礼拜|月)(?:之内|以内|内|之后|以后|后)"), _within),
    (re.compile(rf"过(?P<n>(?!两){_N})(?P<unit>天)"), _within),
    (re.compile(r"(?P<pre>下下个|下个|下|这个|本)?月(?:份)?(?P<part>[上中下]旬|底|末|中|初|头)"),
     _month_part),
    (re.compile(rf"(?:(?P<pre>下个|下|这个|本)月|(?P<m>{_N})月)?(?P<d>{_N})(?:号|日)(?![楼线床门])"),
     _month_day),
    (re.compile(r"(?P<pre>下个|下|这个|本)月(?!份?[底末中初头上下0-9零〇一二两三四五六七八九十])"),
     _whole_month),
    (re.compile(r"年底|年末"), _year_end),
    (re.compile(r"(?<![去明后今前0-9零一二两三四五六七八九十几多])(?:过年|春节|年)(?:之?前|以前)|除夕|大年三十"),
     _spring_eve),
]  # fmt: skip


def find_dates(text: str, today: date) -> list[DateMention]:
    """The days `text` names, resolved against `today` (the call's own date), in order; where two
    phrases overlap the longer one wins (下周五, not 周五)."""
    found: list[DateMention] = []
    for pattern, resolve in PATTERNS:
        for m in pattern.finditer(text):
            day = resolve(m, today)
            if day is not None:
                found.append(DateMention(day, m.start(), m.end(), bool(NOW_WORDS.fullmatch(m.group()))))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    kept: list[DateMention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept
