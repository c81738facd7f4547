"""Every operator, negation, role, position, absence, metadata, logic and scoring."""

from __future__ import annotations

import pytest

from callqa.rules import CallContext, Hit, RulePackError, evaluate, score
from conftest import call, rule_yaml, segs


def fired(pack, segments, started: str = "2026-11-20T10:00:00+08:00", n_calls: int = 1) -> list[Hit]:
    return evaluate(pack, call(started), segments, CallContext(n_calls))


def test_keyword_any_all_none(make_pack) -> None:
    any_ = make_pack(rule_yaml("keyword: {any: [坐牢, 拘留]}"))
    hits = fired(any_, segs(("agent", "你要坐牢，还要拘留。")))
    assert [(h.text, h.start_s < h.end_s) for h in hits] == [("坐牢", True), ("拘留", True)]
    assert hits[0].explanation == '关键词"坐牢"'
    all_ = make_pack(rule_yaml("keyword: {all: [坐牢, 拘留]}"))
    assert fired(all_, segs(("agent", "你要坐牢"), ("agent", "还要拘留")))
    assert not fired(all_, segs(("agent", "你要坐牢")))
    none = make_pack(rule_yaml("keyword: {none: [录音]}"))
    assert not fired(none, segs(("agent", "本次通话会被录音")))
    assert fired(none, segs(("agent", "你好")))[0].text == ""


def test_keyword_with_exclusion(make_pack) -> None:
    """An occurrence overlapping an `exclude` match (over normalised text with clause breaks) is none."""
    pack = make_pack(rule_yaml("keyword: {any: [我个人的], exclude: '我个人的(号码|手机)'}"))
    assert fired(pack, segs(("agent", "转到我个人的卡上就行")))
    assert not fired(pack, segs(("agent", "我个人的手机号不方便留给您")))
    clause = make_pack(rule_yaml("keyword: {any: [小燕], exclude: '[晓小]燕吗'}\nfuzzy: homophone"))
    assert not fired(clause, segs(("agent", "是李晓燕吗？")))
    assert fired(clause, segs(("agent", "我是小燕，工号三一二")))
    with pytest.raises(RulePackError, match="bad regular expression"):
        make_pack(rule_yaml("keyword: {any: [坐牢], exclude: '坐('}"))


def test_keyword_fuzzy_pinyin_explains(make_pack) -> None:
    pack = make_pack(rule_yaml("keyword: [坐牢, 通讯录]\nfuzzy: pinyin"))
    hits = fired(pack, segs(("agent", "你要做劳的，发给通线录里的人")))
    assert [h.text for h in hits] == ["做劳", "通线录"]
    assert hits[0].explanation == '关键词"坐牢"（拼音匹配"做劳"）'
    assert not fired(make_pack(rule_yaml("keyword: [坐牢]")), segs(("agent", "你要做劳的")))


def test_regex_with_exclusion(make_pack) -> None:
    pack = make_pack(rule_yaml("regex: {pattern: 滚, exclude: 滚动|利滚利}"))
    assert fired(pack, segs(("agent", "你给我滚！")))
    assert not fired(pack, segs(("agent", "利息是利滚利算的，可以滚动还款")))
    clause = make_pack(rule_yaml("regex: '小[李王](，|$)'"))
    assert fired(clause, segs(("agent", "我是小李，工号1023")))
    assert not fired(clause, segs(("agent", "我是小李子")))


def test_near_within_and_ordered(make_pack) -> None:
    pack = make_pack(rule_yaml("near: {a: [找人], b: [你家], within: 3}"))
    assert fired(pack, segs(("agent", "我找人去你家")))[0].text == "找人去你家"
    assert not fired(pack, segs(("agent", "我找人，明天吧，过几天再说去你家")))
    assert fired(pack, segs(("agent", "你家那边我找人看看")))
    ordered = make_pack(rule_yaml("near: {a: [找人], b: [你家], within: 5, ordered: true}"))
    assert not fired(ordered, segs(("agent", "你家那边我找人看看")))
    # a pair overlapping an `exclude` match is no hit; the same words elsewhere in the segment still are
    unless = make_pack(rule_yaml("near: {a: [受], b: [仲裁委], within: 10, exclude: '受不?受理'}"))
    assert not fired(unless, segs(("agent", "受不受理，怎么裁决是仲裁委的事")))
    assert fired(unless, segs(("agent", "我们受仲裁委委托给您打电话")))
    # ... an exclusion reads the clause breaks too
    clause = make_pack(rule_yaml("near: {a: [是], b: [信用卡], within: 10, exclude: '是[^，]*，'}"))
    assert not fired(clause, segs(("agent", "是王先生吧，您的信用卡")))
    assert fired(clause, segs(("agent", "这边是信用卡中心")))
    with pytest.raises(RulePackError, match="bad regular expression"):
        make_pack(rule_yaml("near: {a: [受], b: [仲裁委], exclude: '受('}"))


def test_similar_examples(make_pack) -> None:
    pack = make_pack(rule_yaml("similar: {examples: [你先去别的平台借钱把我们这边还上], threshold: 0.5}"))
    hits = fired(pack, segs(("agent", "您好。你先去别的平台借点钱把这边还上吧。")))
    assert len(hits) == 1 and hits[0].text.startswith("你先去") and "相似度" in hits[0].explanation
    assert not fired(pack, segs(("agent", "请您通过官方渠道还款，谢谢。")))
    assert not fired(pack, segs(("agent", "我们不会让你先去别的平台借钱把这边还上")))  # adds a negation


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("我们不会上门的", False),
        ("我们是不会上门找你的", False),
        ("你放心，我们绝不上门", False),
        ("你不还钱我们就上门", True),
        ("别怪我们上门", True),
        ("再不还我们明天上门", True),
        ("我们不去上门", False),
    ],
)
def test_negation_governs_only_nearby_phrase(make_pack, text: str, hit: bool) -> None:
    pack = make_pack(rule_yaml("keyword: [上门]"))
    assert bool(fired(pack, segs(("agent", text)))) is hit


def test_allow_negated(make_pack) -> None:
    pack = make_pack(rule_yaml("keyword: [上门]\nallow_negated: true"))
    assert fired(pack, segs(("agent", "我们不会上门")))


def test_role_agent_includes_unknown_not_customer(make_pack) -> None:
    pack = make_pack(rule_yaml("keyword: [废物]", "role: agent"))
    assert not fired(pack, segs(("customer", "你们就是废物")))
    assert fired(pack, segs(("agent", "你就是个废物")))[0].speaker == "agent"
    assert fired(pack, segs(("unknown", "你就是个废物")))[0].speaker == "unknown"
    cust = make_pack(rule_yaml("keyword: [废物]\nrole: customer"))
    assert fired(cust, segs(("customer", "废物"))) and not fired(cust, segs(("agent", "废物")))


def test_position_first_seconds_and_sentences(make_pack) -> None:
    secs = make_pack(rule_yaml("keyword: [工号]\nfirst_seconds: 10"))
    assert fired(secs, segs(("agent", "工号1023", 2.0, 4.0)))
    assert not fired(secs, segs(("agent", "工号1023", 12.0, 14.0)))
    assert not fired(secs, segs(("agent", "你好你好你好你好你好工号", 0.0, 20.0)))  # word itself after 10 s
    sents = make_pack(rule_yaml("keyword: [工号]\nfirst_sentences: 1\nrole: agent"))
    assert fired(sents, segs(("customer", "喂"), ("agent", "工号1023")))
    assert not fired(sents, segs(("agent", "你好"), ("agent", "工号1023")))


def test_after_and_before(make_pack) -> None:
    when = """
    all:
      - id: promise
        role: customer
        keyword: [明天还]
      - role: agent
        after: promise
        keyword: [上门]
    """
    pack = make_pack(rule_yaml(when))
    hits = fired(pack, segs(("customer", "我明天还"), ("agent", "不行，今天就上门")))
    assert {h.text for h in hits} == {"明天还", "上门"}
    assert not fired(pack, segs(("agent", "今天就上门"), ("customer", "我明天还")))
    before = make_pack(rule_yaml(when.replace("after: promise", "before: promise")))
    assert fired(before, segs(("agent", "今天就上门"), ("customer", "我明天还")))


def test_until_ends_what_after_opened(make_pack) -> None:
    when = """
    all:
      - any:
          - id: stranger
            role: customer
            keyword: [我是他妈]
          - not:
              id: debtor
              role: customer
              keyword: [我是本人]
      - role: agent
        after: stranger
        until: debtor
        keyword: [欠款]
    """
    pack = make_pack(rule_yaml(when))
    told_mother = segs(("customer", "我是他妈"), ("agent", "他的欠款到期了"))
    assert {h.text for h in fired(pack, told_mother)} == {"我是他妈", "欠款"}
    # the debtor took the phone before the agent spoke of the debt; the `not` holding its name adds nothing
    assert not fired(
        pack, segs(("customer", "我是他妈"), ("customer", "喂，我是本人"), ("agent", "您的欠款到期了"))
    )
    # ... an earlier debtor's word does not end a later stranger's turn
    later = segs(("customer", "我是本人"), ("customer", "我是他妈"), ("agent", "他的欠款到期了"))
    assert [h.text for h in fired(pack, later)][-1] == "欠款"
    with pytest.raises(RulePackError, match="until"):
        make_pack(rule_yaml("keyword: [欠款]\nuntil: stranger"))


def test_required_absence(make_pack) -> None:
    body = """\
rules:
  - id: ident
    name: 未表明身份
    category: missing_identification
    severity: medium
    deduction: 10
    role: agent
    first_seconds: 30
    required:
      all:
        - keyword: [金融]
        - keyword: [工号]
          fuzzy: homophone
"""
    pack = make_pack(body)
    assert not fired(pack, segs(("agent", "我是安和金融的，公号1023")))
    missing = fired(pack, segs(("agent", "我是安和金融的"), ("agent", "工号1023", 40.0, 42.0)))
    assert len(missing) == 1
    h = missing[0]
    assert (h.speaker, h.start_s, h.end_s, h.category) == ("agent", 0.0, 30.0, "missing_identification")
    assert "前30秒" in h.explanation and "工号" in h.explanation


def test_off_hours_uses_the_calls_own_offset(make_pack) -> None:
    pack = make_pack(rule_yaml("off_hours: {start: '08:00', end: '22:00'}", category="off_hours"))
    assert fired(pack, [], "2026-11-20T23:40:00+08:00")[0].speaker == "call"
    assert fired(pack, [], "2026-11-20T07:59:00+08:00")
    assert not fired(pack, [], "2026-11-20T08:00:00+08:00")
    assert not fired(pack, [], "2026-11-20T21:59:00+08:00")
    # 14:00 UTC is 22:00 in +08:00: judged in the call's own timezone, not UTC
    assert fired(pack, [], "2026-11-20T22:00:00+08:00")
    assert not fired(pack, [], "2026-11-20T14:00:00+00:00")
    night = make_pack(rule_yaml("off_hours: {start: '22:00', end: '06:00'}", category="off_hours"))
    assert fired(night, [], "2026-11-20T12:00:00+08:00") and not fired(night, [], "2026-11-20T23:00:00+08:00")


def test_frequency_from_context(make_pack) -> None:
    pack = make_pack(rule_yaml("frequency: {max_per_day: 6}", category="excessive_frequency"))
    assert not fired(pack, [], n_calls=6)
    hits = fired(pack, [], n_calls=7)
    assert len(hits) == 1 and "第7次" in hits[0].explanation
    assert not evaluate(pack, call(), [])  # default context: one call


def test_and_or_not(make_pack) -> None:
    both = make_pack(rule_yaml("all:\n  - keyword: [冻结]\n  - keyword: [银行卡]"))
    assert fired(both, segs(("agent", "冻结你的银行卡"))) and not fired(both, segs(("agent", "冻结")))
    either = make_pack(rule_yaml("any:\n  - keyword: [冻结]\n  - keyword: [银行卡]"))
    assert fired(either, segs(("agent", "银行卡")))
    neither = make_pack(rule_yaml("all:\n  - keyword: [冻结]\n  - not:\n      keyword: [法院判决]"))
    assert fired(neither, segs(("agent", "冻结你的卡")))
    assert not fired(neither, segs(("agent", "法院判决后冻结")))


def test_duplicate_spans_merged_and_score_counts_rule_once(make_pack) -> None:
    pack = make_pack(rule_yaml("any:\n  - keyword: [坐牢]\n  - keyword: [坐牢]\n    fuzzy: pinyin"))
    hits = fired(pack, segs(("agent", "坐牢"), ("agent", "还是坐牢")))
    assert len(hits) == 2 and score(hits) == 80


def test_score_floor() -> None:
    hits = [Hit(f"r{i}", "n", "threat", "critical", 40, "agent", 0, 1, "x", "y") for i in range(4)]
    assert score(hits) == 0
    assert score([]) == 100
    assert score(hits[:2]) == 20
