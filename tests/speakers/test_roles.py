"""Naming the two voices of a mono call by what each says."""

from __future__ import annotations

from callqa.speakers.roles import assign_roles, cue_score

AGENT = (
    "您好，请问是张伟先生吗？我是安和金融的催收专员小李，工号一零二三，您的借款已经逾期十五天，请您今天还款。"
)
CUSTOMER = "是我，什么事？这个月手头比较紧，下周五发了工资就还。你再打我就报警。"


def test_the_collector_is_the_voice_that_introduces_himself_and_asks_for_money() -> None:
    assert cue_score(AGENT) > 10 > 0 > cue_score(CUSTOMER)
    assert assign_roles([AGENT, CUSTOMER]).agent == 0
    assert assign_roles([CUSTOMER, AGENT]).agent == 1


def test_a_voice_that_talks_more_leans_to_the_agent_when_words_do_not_tell() -> None:
    assert assign_roles(["今天天气不错，我们聊聊别的事情吧，好不好呢。", "行。"]).agent == 0
    assert assign_roles(["好。", "好。"]).agent is None  # nothing to tell them apart


def test_one_collector_split_in_two_is_not_named() -> None:
    """Both halves talk like a collector: one voice cut in two, not an agent and a customer."""
    half = "请您通过官方渠道尽快还款，欠款金额是三千元，感谢您的配合。"
    assert assign_roles([AGENT, half]).agent is None
