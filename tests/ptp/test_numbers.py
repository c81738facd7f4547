"""Spoken sums: every way a number is said parses back to it (hypothesis), and only sums count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callqa.ptp.heard import repair
from callqa.ptp.numbers import find_amounts, parse_number

DIGITS = "零一二三四五六七八九"


def _four(x: int, two: str) -> str:
    """1..9999 the written way (零 for gaps), 两 or 二 before 千 and 百."""
    out, gap = "", False
    for unit, place in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = x // place % 10
        if d == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out, gap = out + "零", False
        out += (two if d == 2 and unit in ("千", "百") else DIGITS[d]) + unit
    return out


def written(n: int, two: str = "两") -> str:
    """A number below 10^12 as Chinese numerals are written (一万零五百, 十五, 两千零五十)."""
    groups = [(n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")]
    out, started = "", False
    for value, unit in groups:
        if value == 0:
            continue
        if started and value < 1000 and not out.endswith("零"):
            out += "零"
        out += _four(value, two) + unit
        started = True
    return out[1:] if out.startswith("一十") else out


def dropped(lead: int, second: int, unit: str) -> tuple[str, int]:
    """The spoken form that drops the last unit: 两千五 (2500), 一万二 (12000), 三百五 (350)."""
    value = {"百": 100, "千": 1000, "万": 10_000}[unit]
    first = "两" if lead == 2 else DIGITS[lead]
    return f"{first}{unit}{DIGITS[second]}", lead * value + second * value // 10


@given(st.integers(min_value=1, max_value=999_999_999), st.sampled_from(["两", "二"]))
def test_written_numerals_parse_back(n: int, two: str) -> None:
    assert parse_number(written(n, two)) == n


@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(["百", "千", "万"]))
def test_spoken_numerals_that_drop_the_last_unit(lead: int, second: int, unit: str) -> None:
    text, value = dropped(lead, second, unit)
    assert parse_number(text) == value


@given(st.integers(min_value=1, max_value=99_999_999))
def test_arabic_numbers_with_and_without_thousands_separators(n: int) -> None:
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n
    assert parse_number(str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == n


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["万", "千"]))
def test_decimals_before_a_unit(tenths: int, unit: str) -> None:
    scale = 10_000 if unit == "万" else 1000
    number = tenths / 10
    assert parse_number(f"{number:g}{unit}") == pytest.approx(number * scale)


@given(st.integers(min_value=10, max_value=99_999_999), st.sampled_from(["块", "元", "块钱", ""]))
def test_a_sum_in_a_sentence_is_found_with_its_value(n: int, suffix: str) -> None:
    if not suffix and n < 100:
        n *= 100  # a bare numeral needs a unit of a hundred or more to be a sum
    forms = [written(n)] + ([str(n)] if suffix or n < 1_000_000 else [])  # 7+ bare digits: a phone number
    for said in forms:
        sentence = f"这样吧，我先还{said}{suffix}，你们别催了"
        assert [a.value for a in find_amounts(sentence)] == [n]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("两三千", 2000),
        ("一点五万", 15000),
        ("3千5", 3500),
        ("1万2", 12000),
        ("一百一", 110),
        ("一千零一", 1001),
    ],
)
def test_ranges_decimals_and_mixed_forms(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["千万", "万一", "百分之", "几千", "块", ""])
def test_words_that_are_not_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "二十八号再说",  # a day
        "下午四点半之前",  # a clock time
        "拖了三个月了",  # a count
        "我的号码是13912345678",  # a phone number
        "分六期，每期两千",  # an instalment plan's figure, not a promise's sum
        "第二次打过来了",
        "千万别打给我家里",
        "我一点钱都没有",
    ],
)
def test_numbers_that_are_not_sums(sentence: str) -> None:
    assert find_amounts(sentence) == []


def test_the_word_after_a_spoken_sum_keeps_its_first_character() -> None:
    """三千二一次还清: 3,200 paid at once, not 32,001."""
    assert [a.value for a in find_amounts("后天三千二一次还清")] == [3200]
    assert [a.value for a in find_amounts("一千五一分不少")] == [1500]


@given(st.integers(1, 8), st.sampled_from(["百", "千", "万"]))
def test_a_spoken_range_counts_as_its_lower_end(lead: int, unit: str) -> None:
    """三四千 is at least 3,000, 五六百 at least 500."""
    value = {"百": 100, "千": 1000, "万": 10_000}[unit]
    first, second = ("两" if lead == 2 else DIGITS[lead]), DIGITS[lead + 1]
    assert parse_number(f"{first}{second}{unit}") == lead * value


@given(
    st.integers(min_value=1, max_value=99).map(lambda n: n * 100),
    st.sampled_from(["出头", "来块", "块左右", "多块钱", "块钱的样子", "来块钱"]),
)
def test_an_approximate_sum_is_its_round_figure(n: int, after: str) -> None:
    """两千出头, 三千来块, 八百块左右: the round figure said."""
    assert [a.value for a in find_amounts(f"月中能还个{written(n)}{after}")] == [n]


@given(st.integers(1, 9), st.integers(0, 9), st.sampled_from(["千", "万"]))
def test_arabic_digits_with_chinese_units(lead: int, second: int, unit: str) -> None:
    """2千5, 1万2: how speech recognition writes spoken sums."""
    value = {"千": 1000, "万": 10_000}[unit]
    text = f"{lead}{unit}{second or ''}"
    assert parse_number(text) == lead * value + second * value // 10


@given(st.sampled_from("一两三四五六七八九"))
def test_a_misheard_thousand_is_put_back(digit: str) -> None:
    """三钱 is 三千 misheard (qián for qiān); 两千块钱 and 一分钱 stay as they are."""
    fixed = repair(f"下周五先还{digit}钱")
    assert fixed == f"下周五先还{digit}千"
    assert [a.value for a in find_amounts(fixed)] == [parse_number(f"{digit}千")]
    assert repair("两千块钱，一分钱也不少") == "两千块钱，一分钱也不少"


@given(st.integers(1, 9), st.integers(100, 9999))
def test_arabic_digits_after_wan_are_added_not_scaled(lead: int, rest: int) -> None:
    """1万1400 (speech recognition's 一万一千四百) is 11,400; only a single digit after the unit is
    elided (1万2: 12,000)."""
    assert parse_number(f"{lead}万{rest}") == lead * 10_000 + rest
