"""Overlapping hits of one rule are judged once: merged where the engine returns them."""

from __future__ import annotations

from callqa.rules import CallContext, Hit, evaluate
from callqa.rules.merge import join_words, merge_overlapping
from conftest import call, rule_yaml, segs


def hit(text: str, start: float, end: float, rule: str = "r1", speaker: str = "agent", **more) -> Hit:  # type: ignore[no-untyped-def]
    fields = {"explanation": f'关键词"{text}"', "confidence": None} | more
    return Hit(rule, "规则", "threat", "high", 20, speaker, start, end, text, **fields)


def test_overlapping_hits_of_one_rule_merge_into_one() -> None:
    merged = merge_overlapping([hit("考不了公", 13.33, 14.15), hit("考不了公务员", 13.33, 14.56)])
    assert [(h.text, h.start_s, h.end_s) for h in merged] == [("考不了公务员", 13.33, 14.56)]
    assert merged[0].explanation == '关键词"考不了公务员"'  # the longer one's explanation


def test_a_chain_of_overlaps_becomes_one_hit_with_the_union_of_the_words() -> None:
    hits = [hit("我是市公安", 1.21, 2.22), hit("我是市公安局经侦", 1.21, 2.83), hit("经侦大队", 2.43, 3.24)]
    [merged] = merge_overlapping(hits)
    assert (merged.text, merged.start_s, merged.end_s) == ("我是市公安局经侦大队", 1.21, 3.24)


def test_touching_other_rules_other_speakers_and_separate_hits_stay_apart() -> None:
    hits = [
        hit("在我们平台", 12.81, 13.89),
        hit("借了", 13.89, 14.32),  # touches the one before: other words
        hit("老赖", 12.0, 13.0, rule="r2"),  # overlaps, but another rule
        hit("在我们平台", 12.81, 13.89, speaker="customer"),
        hit("还钱", 17.13, 17.56),
    ]
    assert merge_overlapping(hits) == hits


def test_order_and_confidence_of_merged_hits() -> None:
    hits = [hit("甲乙", 5.0, 6.0, rule="r1"), hit("乙丙丙", 5.5, 7.0, rule="r1", confidence=0.9, model_version="m"),
            hit("丙", 1.0, 2.0, rule="r2")]  # fmt: skip
    merged = merge_overlapping(hits)
    assert [h.rule_id for h in merged] == ["r1", "r2"]  # pack order kept
    assert (merged[0].confidence, merged[0].model_version, merged[0].text) == (0.9, "m", "甲乙丙丙")


def test_join_words() -> None:
    assert join_words("考不了公", "考不了公务员") == "考不了公务员"
    assert join_words("你家住哪我们都清楚，我们的人", "我们的人已经到你们小区门口") == (
        "你家住哪我们都清楚，我们的人已经到你们小区门口"
    )
    assert join_words("公务员", "务员") == "公务员"
    assert join_words("甲乙", "丙丁戊") == "丙丁戊"  # nothing shared: the longer


def test_the_engine_returns_merged_hits(make_pack) -> None:  # type: ignore[no-untyped-def]
    pack = make_pack(rule_yaml("keyword: {any: [考不了公, 考不了公务员, 不能上学]}"))
    hits = evaluate(pack, call(), segs(("agent", "你孩子以后就不能上学，也考不了公务员。")), CallContext(1))
    assert [h.text for h in hits] == ["不能上学", "考不了公务员"]


def test_context_names_what_was_said_near_the_hit_not_everywhere(make_pack) -> None:  # type: ignore[no-untyped-def]
    when = """
    all:
      - id: third
        role: customer
        keyword: [我是他同事]
      - after: third
        keyword: [欠款]
    """
    pack = make_pack(rule_yaml(when, extra="role: agent"))
    lines = [("customer", "我是他同事", 0.0, 2.0)] + [
        ("customer", "我是他同事", 100.0 + 10 * k, 101.0 + 10 * k) for k in range(6)
    ]
    lines += [("agent", "他有欠款", 200.0, 202.0), ("agent", "他有欠款", 500.0, 502.0)]
    hits = evaluate(pack, call(), segs(*lines), CallContext(1))
    near, far = hits
    assert near.explanation.count("语境") == 1 and "150.0秒" in near.explanation  # the nearest one
    assert "customer" not in near.explanation and "agent" not in near.explanation  # speakers by name
    assert far.explanation.count("语境") == 1
    close = segs(("customer", "我是他同事", 0.0, 2.0), ("customer", "我是他同事", 5.0, 6.0),
                 ("agent", "他有欠款", 10.0, 12.0))  # fmt: skip
    [one] = evaluate(pack, call(), close, CallContext(1))
    assert one.explanation.count("语境") == 2  # both within 30 s
