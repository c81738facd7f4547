"""Restoring misheard domain terms in the displayed transcript, and what it does to the corpus CER."""

import json
from pathlib import Path

import pytest

from callqa.asr.accuracy import edit_distance, normalise_for_cer
from callqa.text.correct import Change, correct

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("heard", "fixed"),
    [
        ("您的借款已经一期十五天了", "您的借款已经逾期十五天了"),
        ("账单一七三天了", "账单逾期三天了"),
        ("请您今天海款", "请您今天还款"),
        ("我是推售专员小李，公号1023", "我是催收专员小李，工号1023"),
        ("你不还钱是要做老的", "你不还钱是要坐牢的"),
        ("产生的质那金", "产生的滞纳金"),
        ("打爆你的通信路", "打爆你的通讯录"),
        ("警察马上就去激流你", "警察马上就去拘留你"),
        ("你就是散最先一人", "你就是犯罪嫌疑人"),
    ],
)
def test_confident_mishearings_are_restored(heard: str, fixed: str) -> None:
    assert correct(heard).text == fixed


@pytest.mark.parametrize(
    "text",
    [
        "我们一起想想办法，预计下周能处理",  # measured lookalikes of 逾期
        "我做了什么",  # not 坐牢
        "这是第一期的账单",  # an instalment
        "可以申请延期还款",  # a real word within budget
        "工号17号",  # digits are never rewritten
        "你这个一期",  # no context for 逾期
        "他做老师的",  # 做老 without the context of 坐牢
        "我们先通知你",
    ],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert correct(text).text == text
    assert correct(text).changes == ()


def test_changes_say_what_changed_where_in_the_raw_text() -> None:
    raw = "喂，公号1023，您已经一期了"
    out = correct(raw)
    assert out.changes == (Change(2, 4, "公号", "工号"), Change(12, 14, "一期", "逾期"))
    for c in out.changes:
        assert raw[c.start : c.end] == c.heard
    assert out.text == "喂，工号1023，您已经逾期了"


def test_corpus_cer_goes_down() -> None:
    """The 14 example calls: correcting each Whisper segment lowers the corpus CER (0.270 -> 0.238)."""
    asr = json.loads((ROOT / "tests" / "data" / "asr_transcripts.json").read_text(encoding="utf-8"))
    chars = before = after = 0
    for line in (ROOT / "tests" / "data" / "turns.jsonl").read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        ref = normalise_for_cer("".join(t["text"] for t in call["turns"]))
        heard = [s["text"] for s in asr[call["call_id"]]]
        chars += len(ref)
        before += edit_distance(ref, normalise_for_cer("".join(heard)))
        after += edit_distance(ref, normalise_for_cer("".join(correct(t).text for t in heard)))
    assert after < before
    assert (before - after) / chars > 0.02
