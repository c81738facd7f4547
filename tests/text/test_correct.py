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
        ("讲讲您宪款的事", "讲讲您欠款的事"),
        ("您在我们平台的千款已经逾期", "您在我们平台的欠款已经逾期"),
        ("您的系用卡已经逾期", "您的信用卡已经逾期"),
        ("我是代表众才委员会打的电话", "我是代表仲裁委员会打的电话"),
        ("施信被执行人名单是法院认定的", "失信被执行人名单是法院认定的"),
        ("这是我们绿索的律师函", "这是我们律所的律师函"),
        ("你们人事不电话我这有", "你们人事部电话我这有"),
        ("直接移交金针", "直接移交经侦"),
        ("工资卡下礼拜就会跟着一起动结", "工资卡下礼拜就会跟着一起冻结"),
        ("让您转到个人卡上的，那都是片子", "让您转到个人卡上的，那都是骗子"),
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
        "您的借款已经到期",  # a word of its own within 欠款's budget
        "您在平台的界款还有多少",  # 借款 heard: no nearer 欠款 than it
        "这是理所当然的",  # not 律所
        "我是中才",  # no context for 仲裁
        "还款后系统自动结清",  # 结清, not 冻结
        "我是德沛资产管理的调节专员",  # the mediator's title beside 资产, not 冻结
        "您去劳动监察那边反映过吗",
        "他当时人事不省",  # an idiom, not 人事部
        "我负责处理个人事务的",
        "金针菇很好吃",
        "这是面子问题",  # not 骗子
        "我去拍片子了",  # no 是 before it
        "公安县是荆州那边吧",  # a place, not 经侦
        # written text the corrections once changed (the development sets' reference turns)
        "这个月二十号之前，至少还一期",
        "上月您还的是第十一期",
        "普通的借款逾期属于民事纠纷",
        "您还可以申请分期",
        "已经走到执行环节了",
        "她还欠钱啊",
        "我们不会做那样的事",
        "还款成功后一般十分钟内更新",
        "律师函是不是就等于起诉了",
        "应还金额七千二百元",
        "我们会按合同约定申请诉讼",
        # 回执留好 heard as 回支流好: a context word at the start of the clause is no context of the window
        "您把报案回支流好",
        # a surname before 先生 (黄 heard as 皇) is no 还钱
        "请问皇先生大概什么时候回来？",
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
