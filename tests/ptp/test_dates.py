"""Days said in a call resolve against the call's own date (deadline semantics: a span's last day)."""

from __future__ import annotations

from datetime import date

import pytest

from callqa.ptp.dates import add_months, find_dates

WEDNESDAY = date(2026, 3, 18)


@pytest.mark.parametrize(
    ("said", "day"),
    [
        ("礼拜五", "2026-03-20"),
        ("星期三", "2026-03-25"),  # said on a Wednesday: next week's
        ("这个星期六", "2026-03-21"),
        ("本周一", "2026-03-16"),
        ("下个礼拜二", "2026-03-24"),
        ("下下星期四", "2026-04-02"),
        ("周末", "2026-03-22"),
        ("下个周末", "2026-03-29"),
        ("下星期", "2026-03-29"),
        ("今儿", "2026-03-18"),
        ("明早", "2026-03-19"),
        ("后天", "2026-03-20"),
        ("大后天", "2026-03-21"),
        ("五天之内", "2026-03-23"),
        ("两个礼拜以内", "2026-04-01"),
        ("一个月内", "2026-04-18"),
        ("过四天", "2026-03-22"),
        ("月末", "2026-03-31"),
        ("下月底", "2026-04-30"),
        ("月中", "2026-04-15"),  # the 15th has passed: next month's
        ("这个月中", "2026-03-15"),
        ("月初", "2026-04-05"),
        ("二十五日", "2026-03-25"),
        ("10号", "2026-04-10"),
        ("下月三号", "2026-04-03"),
        ("五月一号", "2026-05-01"),
        ("本月", "2026-03-31"),
        ("下个月", "2026-04-30"),
        ("年底", "2026-12-31"),
        ("月头", "2026-04-05"),
        ("这个月中旬", "2026-03-20"),  # a span of days: its last one
        ("月上旬", "2026-04-10"),  # the 10th has passed: next month's
        ("下个月下旬", "2026-04-30"),
        ("下月份中旬", "2026-04-20"),
        ("明后天", "2026-03-20"),
        ("两三天之内", "2026-03-21"),  # a range of days ends on its later one
        ("年前", "2027-02-05"),  # the Spring Festival of 2026 is past: 2027's eve
        ("春节之前", "2027-02-05"),
        ("下礼拜三", "2026-03-25"),
    ],
)
def test_phrases_resolve_against_the_call_day(said: str, day: str) -> None:
    found = find_dates(f"那就{said}吧", WEDNESDAY)
    assert [d.day.isoformat() for d in found] == [day]


@pytest.mark.parametrize(
    "said",
    [
        "过两天",
        "这两天",
        "过几天",
        "最近",
        "以后",
        "工号二三一五",
        "六号楼",
        "周转不开",
        "两年前",
        "年后",
        "周一二",
    ],
)
def test_vague_phrases_and_other_numbers_name_no_day(said: str) -> None:
    assert find_dates(said, WEDNESDAY) == []


def test_the_longer_phrase_wins_where_two_overlap() -> None:
    found = find_dates("下下周五之前，十二月三号也行", date(2026, 11, 24))
    assert [(d.day.isoformat(), d.end - d.start) for d in found] == [("2026-12-11", 4), ("2026-12-03", 5)]


def test_calendar_edges() -> None:
    assert find_dates("下周一", date(2026, 12, 30))[0].day == date(2027, 1, 4)
    assert find_dates("一月三号", date(2026, 12, 20))[0].day == date(2027, 1, 3)
    assert find_dates("31号", date(2026, 11, 5))[0].day == date(2026, 12, 31)  # November has no 31st
    assert find_dates("月底", date(2028, 2, 10))[0].day == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_the_year_before_the_spring_festival() -> None:
    """年前 is the eve of the coming Spring Festival (除夕), read from the lunar table."""
    assert find_dates("年前还清", date(2026, 12, 16))[0].day == date(2027, 2, 5)
    assert find_dates("过年前", date(2026, 1, 10))[0].day == date(2026, 2, 16)
    assert find_dates("除夕", date(2026, 2, 16))[0].day == date(2026, 2, 16)


@pytest.mark.parametrize(
    ("said", "day", "weekday"),
    [
        ("周五四千", "2026-03-20", "周五"),
        ("周五1500", "2026-03-20", "周五"),
        ("礼拜三两千块", "2026-03-25", "礼拜三"),
    ],
)
def test_a_weekday_followed_by_a_sum_is_still_a_weekday(said: str, day: str, weekday: str) -> None:
    """周五四千 (Friday, 4,000): the numeral after the weekday starts a sum, not 周五四 (no such day)."""
    found = find_dates(said, WEDNESDAY)
    assert [(d.day.isoformat(), said[d.start : d.end]) for d in found] == [(day, weekday)]
