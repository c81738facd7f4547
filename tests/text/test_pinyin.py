"""Pinyin folding and fuzzy search against the mishearings measured in ASR-NOTES.md."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callqa.text.matcher import PhraseMatcher
from callqa.text.normalize import normalize
from callqa.text.pinyin import find_fuzzy, fold, fuzzy_syllables
from callqa.text.syllables import char_readings


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("zhuang", "zuan"),
        ("chang", "can"),
        ("shi", "si"),
        ("ning", "lin"),
        ("fei", "hei"),
        ("ying", "yin"),
        ("deng", "den"),
        ("xiang", "xian"),
        ("lv", "lv"),
        ("a", "a"),
        ("er", "er"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_polyphone_keeps_both_readings() -> None:
    assert set(char_readings("还")) == {"hai", "huan"}
    assert char_readings("堵") == ("du",)  # the rare reading zhe is dropped


@pytest.mark.parametrize(
    ("word", "heard"),
    [
        ("坐牢", "做劳"),
        ("坐牢", "做老"),
        ("通讯录", "通线录"),
        ("通讯录", "通信路"),
        ("通讯录", "通讯路"),
        ("还款", "海款"),
        ("还钱", "环前"),
        ("滞纳金", "制纳金"),
        ("滞纳金", "质那金"),
        ("逾期", "余七"),
        ("逾期", "于七"),
        ("逾期", "预期"),
        ("欠钱", "千前"),
        ("征信", "争信"),
        ("起诉", "起苏"),
        ("身败名裂", "生败名列"),
        ("工号", "公号"),
        ("工号", "功耗"),
    ],
)
def test_asr_mishearings_match(word: str, heard: str) -> None:
    text = f"你好，{heard}的事"
    assert find_fuzzy(word, text) == [(3, 3 + len(heard))]


@pytest.mark.parametrize(
    ("word", "heard"), [("冻结", "动检"), ("逾期", "一期"), ("逾期", "一七"), ("催收", "村收")]
)
def test_two_char_near_misses_need_loose_mode(word: str, heard: str) -> None:
    """Two-syllable words differing in one syllable only match in 'loose' mode (use it with context)."""
    assert find_fuzzy(word, heard) == []
    assert find_fuzzy(word, heard, mode="loose") == [(0, 2)]


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("逾期", "我们一起去吧"),
        ("逾期", "预计明天到"),
        ("坐牢", "我做了饭"),
        ("堵你", "这里"),
        ("冻结", "动静很大"),
        ("通讯录", "通知我"),
    ],
)
def test_default_mode_rejects_lookalikes(word: str, text: str) -> None:
    """一起 has the syllables of 一期 (yi qi): only context tells them apart, so default mode refuses."""
    assert find_fuzzy(word, text) == []


def test_loose_mode_weighs_tones_of_lookalikes() -> None:
    """一期 (yi1 qi1) is 逾期 (yu2 qi1) misheard in one syllable; 一起 (yi1 qi3) differs in a tone more."""
    assert find_fuzzy("逾期", "我们一期去吧", mode="loose") == [(2, 4)]
    assert find_fuzzy("逾期", "我们一起去吧", mode="loose") == []


def test_match_does_not_cross_punctuation_and_maps_to_original_offsets() -> None:
    assert find_fuzzy("坐牢", "你要坐，牢") == []
    assert find_fuzzy("工号", "「公号」1023") == [(1, 3)]
    assert find_fuzzy("工号", "公 号") == []  # a space is a clause break too


def test_traditional_and_digits() -> None:
    assert find_fuzzy("还钱", "快點還錢") == [(2, 4)]
    assert find_fuzzy("一零二三", "工号1023") == [(2, 6)]


def test_fuzzy_syllables_one_per_char() -> None:
    assert fuzzy_syllables("坐牢ok，還") == ["zuo", "lao", "o", "k", "，", "hai"]


cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=30)


@given(cjk, st.integers(0, 29), st.integers(1, 6))
def test_exact_substring_always_matches(text: str, start: int, length: int) -> None:
    start = min(start, len(text) - 1)
    needle = text[start : start + length]
    assert (start, start + len(needle)) in find_fuzzy(needle, text)


@given(cjk, cjk)
def test_fuzzy_syllables_length_and_symmetry(a: str, b: str) -> None:
    assert len(fuzzy_syllables(a + "，" + b)) == len(a) + 1 + len(b)
    if fuzzy_syllables(a) == fuzzy_syllables(b):
        assert find_fuzzy(a, b, mode="homophone")


@pytest.mark.parametrize(
    ("word", "text", "found"),
    [
        ("刑警", "这里是众新金融", False),  # xin jin: both syllables only alike once folded (-n / -ng)
        ("刑警", "我是众心金融的", False),
        ("刑警", "我是行经大队的", True),  # xing jing: the same syllables
        ("法院", "我是发院的", True),
        ("坐牢", "不还就做劳", True),
        ("警察", "我是经茶", True),  # the same syllables, other characters
    ],
)
def test_a_short_homophone_needs_one_syllable_the_same_unfolded(word: str, text: str, found: bool) -> None:
    matcher = PhraseMatcher()
    matcher.add(word, "homophone")
    assert bool(matcher.scan(normalize(text))) == found
