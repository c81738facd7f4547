"""Weighted syllable distance: measured mishearings match, measured lookalikes stay apart."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callqa.rules import evaluate, load_default_pack
from callqa.text.distance import WeightedPhrase, budget
from callqa.text.pinyin import find_fuzzy
from callqa.text.syllables import char_readings
from callqa.transcript import CallInfo, Segment


@pytest.mark.parametrize(
    ("word", "heard", "mode"),
    [
        ("拘留", "去留", "pinyin"),  # j/q: aspiration only, finals kept
        ("犯罪嫌疑人", "散最先一人", "pinyin"),  # f/s and two tones over five syllables
        ("通讯录", "通线录", "pinyin"),
        ("拘留", "激流", "loose"),  # ü -> i, measured 3 times
        ("逾期", "一期", "loose"),
        ("逾期", "一七", "loose"),
        ("冻结", "动检", "loose"),
        ("催收", "推售", "loose"),
    ],
)
def test_measured_mishearings_match(word: str, heard: str, mode: str) -> None:
    text = f"你好，{heard}的事"
    assert find_fuzzy(word, text, mode=mode) == [(3, 3 + len(heard))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("word", "heard"),
    [("逾期", "一起"), ("逾期", "预计"), ("坐牢", "做了"), ("冻结", "动静"), ("抓人", "找人")],
)
@pytest.mark.parametrize("mode", ["pinyin", "loose"])
def test_measured_lookalikes_stay_apart(word: str, heard: str, mode: str) -> None:
    assert find_fuzzy(word, f"我们{heard}吧", mode=mode) == []  # type: ignore[arg-type]


def test_two_syllables_in_pinyin_mode_keep_their_finals() -> None:
    """一期 is 逾期 with its final changed: that needs 'loose' (context), as 激流 for 拘留 does; and
    only an initial's aspiration may change (通知 is no 通缉: j/zh)."""
    assert find_fuzzy("逾期", "一期") == [] and find_fuzzy("拘留", "激流") == []
    assert find_fuzzy("通缉", "通知") == []


def test_tones_separate_one_from_two_differences() -> None:
    """一期 (yi1 qi1) and 一起 (yi1 qi3) fold to the same syllables; 逾期 is yu2 qi1."""
    phrase = WeightedPhrase.build("逾期", "loose")
    cost = phrase.cost("一期")
    assert cost is not None and 0 < cost <= budget("loose", 2)
    assert phrase.cost("一起") is None


def test_budget_grows_with_length_but_no_syllable_is_free() -> None:
    assert budget("pinyin", 2) < budget("pinyin", 3) < budget("pinyin", 5) < budget("loose", 5)
    assert budget("homophone", 4) == budget("exact", 4) == 0
    assert find_fuzzy("欠钱不还的事", "欠钱不还的畜生") == []  # 事 -> 畜: initial and final both off


def test_homophone_window_costs_nothing_whatever_its_tones() -> None:
    assert WeightedPhrase.build("坐牢", "pinyin").cost("做老") == 0.0


def test_at_most_one_syllable_differs_below_five() -> None:
    assert find_fuzzy("通讯录", "通线路") == [(0, 3)]  # one folded syllable off (路 = 录)
    assert find_fuzzy("通讯录", "同线兔") == []


@pytest.mark.parametrize(
    ("word", "heard", "mode"),
    [("犯罪嫌疑人", "散最先一人", "pinyin"), ("失信被执行人", "西信被执行然", "loose"), ("拘留", "去留", "pinyin"),
     ("逾期", "一七", "loose"), ("通讯录", "通线录", "pinyin")],
)  # fmt: skip
def test_pieces_find_every_window_within_budget(word: str, heard: str, mode: str) -> None:
    """The matcher only costs windows that hold a piece: a window within budget always does."""
    phrase = WeightedPhrase.build(word, mode)
    assert phrase.cost(heard) is not None
    syllables = [char_readings(c)[0] for c in heard]
    assert any(tuple(syllables[o : o + len(p)]) == p for o, p in phrase.pieces())


PACK = load_default_pack()


def _categories(sentence: str) -> set[str]:
    info = CallInfo("x", "A1", "13800000000", datetime.fromisoformat("2026-11-20T10:00:00+08:00"), 30.0)
    opening = "您好，我是恒信消费金融的催收专员小周，工号三三八一。"
    segments = [Segment("agent", 0.0, 5.0, opening), Segment("agent", 6.0, 10.0, sentence)]
    return {h.category for h in evaluate(PACK, info, segments)}


def test_rules_catch_detention_heard_as_quliu() -> None:
    """The default pack's 拘留 (fuzzy: pinyin) fires on 去留, not on 通知 or 一起."""
    assert _categories("你再不还，警察就来把你去留。") == {"false_legal_claim"}
    assert _categories("我们会通知你，一起把这件事处理好。") == set()


HEARD = st.sampled_from("一七去留散最先然西信被执行你们打错了大措拉申请减免部分违约金深亲建面不分为越今是")


@given(
    word=st.sampled_from(["犯罪嫌疑人", "失信被执行人", "你们打错了", "申请减免部分违约金", "通讯录"]),
    changes=st.lists(st.tuples(st.integers(0, 8), HEARD), max_size=2),
    mode=st.sampled_from(["pinyin", "loose"]),
)
def test_every_window_within_budget_holds_a_piece(
    word: str, changes: list[tuple[int, str]], mode: str
) -> None:
    """Whichever one or two syllables are heard wrong, a window the phrase accepts holds a piece at
    its offset (the first part exact, or the second with at most one differing)."""
    heard = list(word)
    for at, ch in changes:
        heard[at % len(word)] = ch
    phrase = WeightedPhrase.build(word, mode)
    if phrase.cost("".join(heard)) is None:
        return
    syllables = [char_readings(c)[0] for c in heard]
    assert any(tuple(syllables[o : o + len(p)]) == p for o, p in phrase.pieces())
