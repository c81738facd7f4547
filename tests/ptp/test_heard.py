"""Promises through speech-to-text noise: key words heard as near sounds are read as meant in their
frame only, Whisper's ways of writing sums are read back, and a recap corrects a sum's digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callqa.ptp.heard import repair, sounds_like
from callqa.ptp.numbers import find_amounts, parse_number, written_slips
from callqa.ptp.stance import read_turn
from tests.ptp.test_extract import MONDAY, promise


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("月底之前先缓四千", "月底之前先还四千"),  # huǎn before a sum
        ("好的 那就是31号之前环4000元", "好的 那就是31号之前还4000元"),
        ("我今天一定缓", "我今天一定还"),  # ending a clause after 一定
        ("那我三天之内把两千缓升", "那我三天之内把两千还升"),  # after 把
        ("后天让他全部环境。", "后天让他全部还清。"),  # 环境 after 全部: 还清
        ("这周末把三圈一次环军", "这周末把三千一次还清"),  # 圈 after a lone numeral
        ("这中莫把", "这周末把"),
        ("中五之前给你们打过去", "周五之前给你们打过去"),
        ("好的 那小周三吧", "好的 那下周三吧"),
        ("月底之前我想办法透", "月底之前我想办法凑"),
        ("但是业底那笔没有看到", "但是月底那笔没有看到"),
        ("您的账户目前线款是3800元", "您的账户目前欠款是3800元"),
        ("四千,请吧,请吧", "四千,行吧,行吧"),  # a bare answer
        ("请,周末肯定还。", "行,周末肯定还。"),
    ],
)
def test_key_words_heard_as_near_sounds_are_put_back_in_their_frame(heard: str, meant: str) -> None:
    assert repair(heard) == meant and len(repair(heard)) == len(heard)


@pytest.mark.parametrize(
    "text",
    ["环境保护很重要", "我换工作了", "他明天还在吗", "请问您是张先生吗", "3000不行2000", "是这个吗",
     "两千好吧", "周五前还", "我缓一缓再说", "一个月才挣两千"],
)  # fmt: skip
def test_the_same_sounds_outside_the_frame_stay(text: str) -> None:
    assert repair(text) == text


def test_nearness_is_the_speech_models_confusion_cost() -> None:
    assert sounds_like("环", "还", "huan") == 0  # same syllable
    assert sounds_like("缓", "还", "huan") < sounds_like("好", "还", "huan")
    assert sounds_like("海", "还", "huan") > sounds_like("缓", "还", "huan")  # hái is not the reading


@given(st.integers(min_value=100, max_value=99_999))
def test_yuan_written_as_ren_after_a_sum(value: int) -> None:
    """Whisper writes 800元 as 800人: after a sum of a hundred or more it is read as 元."""
    fixed = repair(f"下周五还{value}人")
    assert [a.value for a in find_amounts(fixed)] == [value]


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=9))
def test_one_thousand_five_written_1_comma_5(thousands: int, hundreds: int) -> None:
    fixed = repair(f"下个礼拜五先还{thousands},{hundreds}")
    assert [a.value for a in find_amounts(fixed)] == [thousands * 1000 + hundreds * 100]
    assert repair("欠款1,720元") == "欠款1,720元"  # a thousands separator stays


@given(st.integers(min_value=10, max_value=999_999), st.sampled_from(",，"))
def test_a_comma_after_a_sum_ends_it(value: int, comma: str) -> None:
    """「四千,就四千」 is two sums of four thousand, whichever comma the model wrote."""
    spoken = {4000: "四千", 2500: "两千五", 12000: "一万二"}.get(value, str(value))
    found = find_amounts(f"{spoken}{comma}就{spoken}{comma}月底还")
    assert [a.value for a in found] == [parse_number(spoken)] * 2


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=9))
def test_written_slips_are_a_unit_misheard(lead: int, second: int) -> None:
    """1500 may be 一万五 heard as 一千五; 112 may be 一万二 with its 万 written as 1; 900 is 900."""
    value = lead * 1000 + second * 100
    assert value * 10 in written_slips(value)
    assert written_slips(value * 10 + 1) == set()
    if second:
        assert written_slips(lead * 100 + 10 + second) == {lead * 10_000 + second * 1000}
    assert written_slips(lead * 100) == set()


def test_the_agents_recap_corrects_a_sum_written_from_speech() -> None:
    lines = (
        "C: 下周三之前我把112全部还清",
        "A: 好的,我给您确认一下下周三之前还款12000元。",
        "C: 行,我知道了。",
    )
    assert promise(*lines) == ("2026-06-10", 12000)
    lines = ("C: 25号之前我把1500打过去", "A: 好的,那就是25号之前一次性还款15000元")
    assert promise(*lines) == ("2026-06-25", 15000)
    # a misstatement is no slip: the customer's own digits stand
    assert promise("C: 下周三我还900", "A: 下周三还1900元是吗") == ("2026-06-10", 900)
    # nor a recap of another day
    assert promise("C: 下周三之前我还1500", "A: 下周四之前还15000元是吧") == ("2026-06-10", 1500)


def test_noisy_calls_read_as_meant() -> None:
    assert promise("A: 您看什么时候能处理?", "C: 中五之前我先缓两圈") == ("2026-06-05", 2000)
    lines = ("A: 月底之前先缓四千,剩下的我们再申请", "C: 四千,请吧,请吧")
    assert promise(*lines) == ("2026-06-30", 4000)
    assert promise("A: 本期应还800元", "C: 好的 那小周三吧", "C: 小周三我就去银行缓") == ("2026-06-10", 800)


def test_one_xia_before_next_week_is_a_bit() -> None:
    """确认一下下周三: 一下 (a bit), then 下周三, not the week after next."""
    (sentence,) = read_turn("agent", "我给您确认一下下周三", 0, 1, MONDAY)
    assert [d.day for d in sentence.dates()] == [date(2026, 6, 10)]


def test_a_denial_said_twice_is_no_question() -> None:
    (sentence,) = read_turn("customer", "不是不是 是900", 0, 1, MONDAY)
    assert not sentence.question
    assert read_turn("agent", "你是不是900", 0, 1, MONDAY)[0].question


def test_odd_jobs_are_no_payment() -> None:
    assert promise("C: 我现在在工地上打零工,一个月才挣两千") is None
