"""The customer's promise in a conversation: whose words count, when a proposal is taken up, which
promise stands, and what is no promise at all."""

from __future__ import annotations

from datetime import date

from callqa.ptp import find_promise
from callqa.transcript import Segment

MONDAY = date(2026, 6, 1)


def talk(*lines: str, mono: bool = False) -> list[Segment]:
    """Turns written 'A: …' (agent) and 'C: …' (customer), 4 s apart."""
    out = []
    for k, line in enumerate(lines):
        role, text = line.split(": ", 1)
        speaker = "unknown" if mono else {"A": "agent", "C": "customer"}[role]
        out.append(Segment(speaker, 4.0 * k, 4.0 * k + 3.5, text))  # type: ignore[arg-type]
    return out


def promise(*lines: str, mono: bool = False) -> tuple[str, float | None] | None:
    found = find_promise(talk(*lines, mono=mono), MONDAY)
    return (found.day.isoformat(), found.amount_yuan) if found else None


def test_a_customer_names_day_and_sum() -> None:
    found = find_promise(
        talk("A: 您好，我是安和金融的小王，工号一二一二。", "C: 我周四下午去银行把四千块转过去。"), MONDAY
    )
    assert found is not None
    assert (found.day, found.amount_yuan) == (date(2026, 6, 4), 4000)
    assert (
        found.text == "我周四下午去银行把四千块转过去。"
        and found.start_s == 4.0
        and found.speaker == "customer"
    )


def test_the_agents_proposal_counts_when_the_customer_takes_it_up() -> None:
    lines = ("A: 您的欠款九千元，要不这个周五前先还三千五，您看可以吗？", "C: 行吧，那就周五。")
    found = find_promise(talk(*lines), MONDAY)
    assert found is not None and (found.day.isoformat(), found.amount_yuan) == ("2026-06-05", 3500)
    assert found.text.startswith("您的欠款九千元，要不") and found.text.endswith("那就周五。")
    assert promise("A: 这个周五前先还三千五，您看可以吗？", "C: 周五不行，我拿不出来。") is None
    assert promise("A: 请您明天之前务必还款。", "C: 好的。") is None  # a demand acknowledged, nothing agreed


def test_the_customers_own_terms_beat_the_proposal() -> None:
    assert promise("A: 明天能还两千吗？", "C: 好，不过明天只能先还一千二。") == ("2026-06-02", 1200)


def test_agents_words_alone_are_no_promise() -> None:
    assert promise("A: 您必须在后天之前还清五千元。", "C: 我知道了。") is None
    assert promise("A: 你明天再不把两千还上，我们就只能走流程了。", "C: 随便你们。", mono=True) is None


def test_answers_to_when_and_how_much() -> None:
    assert promise("C: 我先还一千五吧。", "A: 您哪天能还这一千五？", "C: 下礼拜二。") == ("2026-06-09", 1500)
    lines = ("A: 欠款六千，月底前能还一部分吗？", "C: 二十号吧。", "A: 二十号能还多少？", "C: 两千五吧。")
    assert promise(*lines) == ("2026-06-20", 2500)


def test_the_last_promise_stands_but_not_a_promise_about_the_rest() -> None:
    assert promise("C: 明天还五百。", "A: 太少了。", "C: 那大后天还一千八。") == ("2026-06-04", 1800)
    assert promise("C: 周三先还一千。", "A: 剩下的呢？", "C: 剩下的月底前还完。") == ("2026-06-03", 1000)


def test_no_sum_means_the_stated_balance_half_or_unknown() -> None:
    assert promise("A: 您这边待还金额四千四百元。", "C: 下周二全部还清。") == ("2026-06-09", 4400)
    assert promise("A: 您这边待还金额四千四百元。", "C: 下周二能还一半。") == ("2026-06-09", 2200)
    assert promise("A: 您这边待还金额四千四百元。", "C: 下周二我先还一部分。") == ("2026-06-09", None)
    assert promise("A: 您的账单逾期了。", "C: 下周二我就还。") == ("2026-06-09", None)


def test_refusals_hedges_and_questions_are_no_promise() -> None:
    for said in (
        "我一分钱都拿不出来，明天也还不上。",
        "月底再看吧，说不准能不能还。",
        "等我有钱了一定还。",  # no day
        "明天要还多少？",
        "我上周五已经还了两千了。",
        "以后每个月十五号还八百。",  # a schedule, not one promise
        "后天我要去外地，别打电话了。",
    ):
        assert promise("A: 您的欠款三千元逾期了。", f"C: {said}") is None, said


def test_a_refusal_of_the_promised_day_takes_the_promise_back() -> None:
    assert promise("C: 我周五还两千。", "A: 好的，周五两千。", "C: 哎不对，周五我还不了。") is None


def test_mono_speech_uses_the_customers_sentences() -> None:
    lines = ("A: 您好，这里是安和金融，请问是李先生吗？", "C: 是我。", "A: 您的欠款两千元什么时候能还？",
             "C: 我后天上午打两千到你们账户。", "A: 好的，后天两千。")  # fmt: skip
    found = find_promise(talk(*lines, mono=True), MONDAY)
    assert found is not None and (found.day, found.amount_yuan, found.speaker) == (
        date(2026, 6, 3),
        2000,
        "unknown",
    )


def test_a_bare_yes_accepts_a_proposal_put_as_a_question_only() -> None:
    assert promise("A: 欠款两千，那就说好周三前还一千二，您看行吗？", "C: 嗯嗯。") == ("2026-06-03", 1200)
    assert promise("A: 周三前还一千二。", "C: 嗯嗯。") is None


def test_a_day_of_the_month_answers_within_the_month_being_discussed() -> None:
    lines = ("A: 您的账单逾期了。", "C: 这个月是真的还不上，下个月吧。", "A: 下个月几号？", "C: 八号吧。")
    assert promise(*lines) == ("2026-07-08", None)


def test_at_once_after_an_event_means_the_events_day() -> None:
    assert promise("A: 欠款一千。", "C: 十二号拿到报销，拿到了立刻还。") == ("2026-06-12", 1000)


def test_paying_someone_else_is_no_promise() -> None:
    assert promise("A: 您的欠款三千元。", "C: 周五我得先交物业费，再说吧。") is None
    assert promise("A: 您的欠款三千元。", "C: 我刚转了一千，你们查查。") is None


def test_an_if_makes_no_promise() -> None:
    """如果/要是 …就还: a condition collections cannot book; 如果可以的话 is manners."""
    assert (
        promise("A: 您的欠款两千八，什么时候能还？", "C: 如果下周一我朋友把钱还我，我就还你们两千八。")
        is None
    )
    assert promise("C: 要是这个礼拜能把车卖了，周末我就还你们一万", mono=True) is None
    assert promise("A: 您的欠款三千。", "C: 如果可以的话，我周五先还一千五。") == ("2026-06-05", 1500)


def test_a_promise_taken_back_is_none() -> None:
    lines = ("A: 您的欠款三千，什么时候能还？", "C: 那我这周五还吧，还三千。", "A: 好的，我给您登记周五。")
    assert promise(*lines) == ("2026-06-05", 3000)
    assert promise(*lines, "C: 哎你等一下，我想了想周五我也拿不出来，你先别登记了。") is None
    assert promise(*lines, "C: 算了，你们别登记了。") is None


def test_a_schedule_is_no_promise_even_when_offered() -> None:
    assert promise("A: 您欠款六千。", "C: 从下个月开始每个月十号还五百行不行") is None
    assert promise("A: 您欠款四千八。", "C: 我每周五还你们两百，慢慢还") is None


def test_a_denied_day_gives_way_to_the_corrected_one() -> None:
    lines = ("A: 您欠款四千五，什么时候能还？", "C: 周五还四千五。", "A: 好的，那就周四四千五。")
    assert promise(*lines, "C: 不是周四，是周五。") == ("2026-06-05", 4500)


def test_more_ways_to_say_yes() -> None:
    for yes in ("晓得了晓得了。", "好嘞。", "得嘞。", "要得。", "中。", "嗯嗯，就这么定了。"):
        assert promise("A: 欠款两千，下周二之前还一千，可以吗？", f"C: {yes}") == ("2026-06-09", 1000), yes


def test_the_minimum_payment_and_a_balance_the_customer_states() -> None:
    assert promise(
        "A: 您的账单是三千八，最低还款额是五百，能不能先还最低的？", "C: 那就先还个最低还款吧，周五之前。"
    ) == ("2026-06-05", 500)
    assert promise(
        "C: 我不是欠四千吗，怎么又打电话？", "A: 您已经逾期了。", "C: 我下周还一半，下周日之前。"
    ) == (
        "2026-06-14",
        2000,
    )


def test_the_sum_of_the_days_clause_beats_one_called_too_little() -> None:
    lines = ("A: 您欠款八千。", "C: 我这周五先还两千吧。", "A: 两千太少了，至少还一半，周五之前四千可以吗？")
    assert promise(*lines, "C: 那好吧，周五四千。") == ("2026-06-05", 4000)


def test_a_sum_said_after_the_day_completes_the_promise() -> None:
    assert promise("A: 您欠款五千，什么时候还？", "C: 周三还吧。", "C: 先还两千。") == ("2026-06-03", 2000)


def test_misheard_words_are_read_as_meant_and_quoted_as_heard() -> None:
    found = find_promise(talk("A: 您欠款3600元。", "C: 下个月十浩吧下个月十浩我换一千八"), MONDAY)
    assert found is not None and (found.day, found.amount_yuan) == (date(2026, 7, 10), 1800)
    assert found.text == "下个月十浩吧下个月十浩我换一千八" and found.speaker == "customer"
    assert promise("A: 您欠款一千八。", "C: 我后天就换，一千八一次换完。") == ("2026-06-03", 1800)
    assert promise("A: 您欠款一千八。", "C: 我后天换个工作。") is None
