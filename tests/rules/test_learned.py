"""The `learned` operator: the example-trained text model over each sentence of the speaker in scope.

The phrasings here are written for these tests, apart from the example banks the model is trained on.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from callqa.rules import CallContext, RulePackError, evaluate
from callqa.rules.learned.detector import default_detector
from callqa.rules.learned.features import embed
from callqa.rules.learned.scoring import CLAUSE_MARGIN, CLAUSE_SENTENCE, NEAR
from callqa.rules.learned.units import clauses
from callqa.transcript import Segment
from conftest import call, rule_yaml, segs

THREAT = "你要是再拖着不还，哪天晚上回家路上出点什么事可别怪我们没提醒你。"
LAWFUL = "如果一直协商不成，我们公司会依照借款合同向法院提起诉讼。"


def test_fires_on_a_paraphrase_no_keyword_lists_and_explains(make_pack) -> None:
    pack = make_pack(rule_yaml("learned: threat", "role: agent"))
    hits = evaluate(pack, call(), segs(("agent", "您好，我是信诚金融的客服小周。"), ("agent", THREAT)))
    assert [h.text for h in hits] == [THREAT]
    hit = hits[0]
    assert hit.start_s == 5.0 and hit.speaker == "agent"
    assert hit.explanation.startswith("模型判定违规（概率") and "与例句「" in hit.explanation
    assert hit.confidence is not None and hit.confidence >= float(default_detector().thresholds[0]) - 1
    assert hit.model_version == default_detector().version


def test_lawful_consequence_and_customer_words_do_not_fire(make_pack) -> None:
    pack = make_pack(rule_yaml("learned: threat", "role: agent"))
    assert evaluate(pack, call(), segs(("agent", LAWFUL), ("customer", THREAT))) == []


def test_threshold_override_and_first_seconds(make_pack) -> None:
    never = make_pack(rule_yaml("learned: {bank: threat, threshold: 0.9999999}", "role: agent"))
    assert evaluate(never, call(), segs(("agent", THREAT))) == []
    early = make_pack(rule_yaml("learned: threat", "role: agent\nfirst_seconds: 3"))
    assert evaluate(early, call(), segs(("agent", "您好。"), ("agent", THREAT))) == []


def test_unknown_bank_is_a_pack_error_with_its_line(make_pack) -> None:
    with pytest.raises(RulePackError) as err:
        make_pack(rule_yaml("learned: threats"))
    assert "pack.yaml:8" in str(err.value) and "no example bank 'threats'" in str(err.value)


def test_keyword_hits_get_the_model_confidence_only_when_the_pack_uses_the_model(make_pack) -> None:
    both = make_pack(
        "rules:\n"
        "  - {id: k, name: k, category: threat, severity: high, deduction: 5, when: {keyword: [出点什么事]}}\n"
        "  - {id: m, name: m, category: abuse, severity: high, deduction: 5, when: {learned: abuse}}\n"
    )
    hits = evaluate(both, call(), segs(("agent", THREAT)))
    keyword = next(h for h in hits if h.rule_id == "k")
    assert keyword.confidence is not None and keyword.confidence > 0.5  # the threat model agrees
    alone = make_pack(rule_yaml("keyword: [出点什么事]"))
    assert [h.confidence for h in evaluate(alone, call(), segs(("agent", THREAT)))] == [None]


def test_stored_embeddings_are_used_and_new_ones_are_returned(make_pack) -> None:
    pack = make_pack(
        "rules:\n"
        "  - {id: k, name: k, category: threat, severity: high, deduction: 5, when: {keyword: [法院]}}\n"
        "  - {id: m, name: m, category: threat, severity: high, deduction: 5, when: {learned: threat}}\n"
    )
    ungated = replace(default_detector(), w_gate=None, gate_bias=None, gate_thresholds=None)
    pack = replace(pack, detector=ungated)  # every sentence embedded, the lawful one included
    vectors: dict[str, np.ndarray] = {}
    [own] = evaluate(pack, call(), segs(("agent", LAWFUL)), CallContext(), vectors)
    # what was embedded comes back to be stored (its clauses are not read: it is far from any violation)
    assert list(vectors) == [LAWFUL]
    # A stored vector stands for its text (nothing is embedded again): give the lawful sentence the
    # threat's embedding and the model's confidence in the keyword hit rises.
    stored = {LAWFUL: embed([THREAT])[0]}
    hits = evaluate(pack, call(), segs(("agent", LAWFUL)), CallContext(), stored)
    keyword = next(h for h in hits if h.rule_id == "k")
    assert own.confidence is not None and keyword.confidence is not None
    assert keyword.confidence > 10 * own.confidence


def test_the_gate_embeds_only_sentences_that_may_violate(make_pack) -> None:
    ordinary = [
        "您的账单日是每个月的十五号。",
        "感谢您的接听，祝您生活愉快。",
        "好的，我这边给您登记上了。",
        "那我们下周一上午再联系您。",
        "您的还款日是每月二十号。",
    ]
    passed, _ = default_detector().score(
        ordinary, embedder=lambda texts: np.zeros((len(texts), 384), np.float32)
    )
    stopped = [t for t, ok in zip(ordinary, passed, strict=True) if not ok]
    assert stopped  # most ordinary talk is stopped by the n-gram gate
    pack = make_pack(rule_yaml("learned: threat", "role: agent"))
    vectors: dict[str, np.ndarray] = {}
    talk = [("agent", t) for t in stopped] + [("agent", THREAT)]
    hits = evaluate(pack, call(), segs(*talk), CallContext(), vectors)
    assert [h.text for h in hits] == [THREAT]
    threat_parts = {THREAT[a:b] for a, b in clauses(THREAT)}
    assert THREAT in vectors and set(vectors) <= {THREAT, *threat_parts}  # stopped sentences cost none


def test_on_mono_speech_a_customers_own_words_are_not_held_against_the_agent(make_pack) -> None:
    # The customer's offer to pay the agent privately, and her threat at the agent: in a stereo call
    # they are the customer's and agent rules never read them; in a mono call ('unknown' speech) the
    # speaker model gives them to the customer. The agent's own violation still fires there.
    offer = "要不我直接微信转给你，你帮我还进去行不行？"
    pack = make_pack(
        "rules:\n"
        "  - {id: k, name: k, category: improper_repayment, severity: high, deduction: 5, role: agent,\n"
        "     when: {keyword: [微信转给你]}}\n"
        "  - {id: m, name: m, category: threat, severity: high, deduction: 5, role: agent,\n"
        "     when: {learned: threat}}\n"
    )
    detector = default_detector()
    assert detector.customer_like([offer], embed([offer]))[0]
    assert not detector.customer_like([THREAT], embed([THREAT]))[0]
    hits = evaluate(pack, call(), segs(("unknown", offer), ("unknown", THREAT)))
    assert [(h.rule_id, h.text) for h in hits] == [("m", THREAT)]
    agent_says_it = evaluate(pack, call(), segs(("agent", offer)))
    assert [h.rule_id for h in agent_says_it] == ["k"]  # known to be the agent: it counts


def test_a_borderline_sentence_needs_its_neighbours_support_a_confident_one_stands_alone(make_pack) -> None:
    # A garbled apology (再次 heard as 在次) sits near an insult in embedding space: alone in its
    # turn it just reaches the abuse threshold; between two ordinary sentences of the same turn its
    # window reads as ordinary talk and it is dropped. A sharp insult in the same place still fires.
    pack = make_pack(rule_yaml("learned: abuse", "role: agent"))
    garbled = "在次跟您道个歉。"
    assert [h.text for h in evaluate(pack, call(), segs(("agent", garbled)))] == [garbled]
    turn = f"刚才系统出了点问题，{garbled}您的账单我已经重新核对过了。"
    assert evaluate(pack, call(), segs(("agent", turn))) == []
    insult = "你这种人就是活该一辈子穷，借了钱就装死。"
    hits = evaluate(pack, call(), segs(("agent", f"您的账单我查过了。{insult}我们再核对一下还款。")))
    assert [h.text for h in hits] == [insult]


def test_a_violation_spread_over_a_long_sentences_clauses_is_read_whole(make_pack) -> None:
    # cut at its commas, neither half reaches the threshold; the sentence as a whole does
    pack = make_pack(rule_yaml("learned: improper_repayment", "role: agent"))
    spread = (
        "现在手机上那种小额网贷多的是，有的当天就放款，你拿身份证随便申请一笔，"
        "先把我们这边的窟窿补上，等发了工资再慢慢还那边。"
    )
    hits = evaluate(pack, call(), segs(("agent", spread)))
    assert [h.text for h in hits] == [spread]


def test_a_near_miss_fires_only_when_another_sentence_of_the_call_backs_it(make_pack) -> None:
    # the rule's threshold is set just above the threat's probability, so it is a near miss (one clause:
    # cut at a comma, a clause could stand alone)
    threat = "哪天晚上回家路上出点什么事可别怪我们没提醒你。"
    detector = default_detector()
    backing, ordinary = "你家住哪我们都清楚，别以为躲得掉。", "您的账单本月到期，请按时还款。"
    _, probs = detector.score([threat, backing, ordinary], embedder=embed)
    p, q, r = (float(x) for x in probs[:, detector.index("threat")])
    limit = p + 0.2 * (1 - p)
    assert q >= 0.7 * limit > r and q < 1 - 1.5 * (1 - limit)  # backing backs, and is no near miss itself
    pack = make_pack(rule_yaml(f"learned: {{bank: threat, threshold: {limit!r}}}", "role: agent"))
    assert evaluate(pack, call(), segs(("agent", threat))) == []
    assert evaluate(pack, call(), segs(("agent", ordinary), ("agent", threat))) == []
    assert evaluate(pack, call(), segs(("customer", backing), ("agent", threat))) == []  # not the same speech
    apart = segs(("agent", backing, 0.0, 4.0), ("agent", ordinary, 10.0, 14.0), ("agent", threat, 20.0, 24.0))
    hits = evaluate(pack, call(), apart)  # seconds apart: each its own turn, read without neighbours
    assert [h.text for h in hits] == [threat]
    assert "略低于阈值" in hits[0].explanation and "0秒处另一句同类" in hits[0].explanation


def test_a_borderline_sentence_is_read_with_the_same_speakers_next_segment_when_the_turn_runs_on(
    make_pack,
) -> None:
    # the speech model may cut one turn into segments: the garbled apology followed 0.5 s later by
    # ordinary talk of the same speaker is read with it and dropped; seconds apart it stands alone
    pack = make_pack(rule_yaml("learned: abuse", "role: agent"))
    garbled, after = "在次跟您道个歉。", "您的账单我已经重新核对过了。"
    run_on = segs(("agent", garbled, 0.0, 2.0), ("agent", after, 2.5, 5.0))
    assert evaluate(pack, call(), run_on) == []
    apart = segs(("agent", garbled, 0.0, 2.0), ("agent", after, 6.0, 9.0))
    assert [h.text for h in evaluate(pack, call(), apart)] == [garbled]
    other_speaker = segs(("agent", garbled, 0.0, 2.0), ("customer", after, 2.5, 5.0))
    assert [h.text for h in evaluate(pack, call(), other_speaker)] == [garbled]


def test_a_violating_clause_fires_alone_when_its_sentence_reads_near_it(make_pack) -> None:
    # the clause reads as impersonation alone; the whole sentence, diluted by polite talk, under the
    # threshold and too far under it for a near miss
    pack = make_pack(rule_yaml("learned: impersonation", "role: agent"))
    clause = "我这就把电话转给负责您案子的张法官"
    sentence = f"好的好的，您先别急，也别挂电话，{clause}，他跟您细说，您看这样行吗。"
    detector = default_detector()
    j = detector.index("impersonation")
    _, probs = detector.score([sentence, clause], embedder=embed)
    limit = float(detector.thresholds[j])
    whole, alone = float(probs[0, j]), float(probs[1, j])
    assert whole < 1 - NEAR * (1 - limit) and CLAUSE_SENTENCE * limit <= whole
    assert alone >= limit + CLAUSE_MARGIN * (1 - limit)
    hits = evaluate(pack, call(), segs(("agent", sentence)))
    assert [h.text for h in hits] == [clause]
    # the rest of its sentence disavows it: no hit
    warned = f"{clause}，这种电话一律不要信。"
    assert evaluate(pack, call(), segs(("agent", warned))) == []


def test_a_list_after_an_enumeration_comma_is_no_clause_of_its_own() -> None:
    """「、」 joins the items of one clause: the tail of a negated list is not read apart from its negation."""
    sentence = "我们从来不会让客户往个人支付宝、微信或者个人银行卡里转钱，系统里也没有这笔记录。"
    parts = [sentence[a:b] for a, b in clauses(sentence)]
    assert parts == ["我们从来不会让客户往个人支付宝、微信或者个人银行卡里转钱", "系统里也没有这笔记录。"]


def test_a_clause_never_fires_when_its_sentence_reads_as_ordinary_talk() -> None:
    from callqa.rules.learned.scoring import ScoredUnit
    from callqa.rules.learned.units import Unit

    probs, low, near = np.array([0.99]), np.array([0.3]), np.array([0.7])
    unit = Unit(0, 0, 5, "一二三四五")
    assert not ScoredUnit(unit, probs, None, clause=True, sentence=low).clause_stands(0, 0.9)
    assert ScoredUnit(unit, probs, None, clause=True, sentence=near).clause_stands(0, 0.9)
    assert not ScoredUnit(unit, np.array([0.93]), None, clause=True, sentence=near).clause_stands(0, 0.9)
    assert not ScoredUnit(unit, probs, None).clause_stands(0, 0.9)  # a sentence is no clause


def test_a_borderline_reading_is_dropped_where_the_unit_plainly_is_another_category() -> None:
    from callqa.rules.learned.scoring import ScoredUnit
    from callqa.rules.learned.units import Unit

    limits = np.array([0.8, 0.84])  # threat, disclosure
    unit = Unit(0, 0, 5, "一二三四五")
    plain_threat = ScoredUnit(unit, np.array([0.96, 0.85]), None)
    assert plain_threat.overshadowed(1, 0.84, limits)  # disclosure 0.85: borderline, threat sure
    assert not plain_threat.overshadowed(0, 0.8, limits)
    both = ScoredUnit(unit, np.array([0.96, 0.95]), None)
    assert not both.overshadowed(1, 0.84, limits)  # confident for both: both stand
    unsure = ScoredUnit(unit, np.array([0.85, 0.86]), None)
    assert not unsure.overshadowed(1, 0.84, limits)  # threat borderline too: nothing plain


def test_a_plain_threat_is_not_also_read_as_disclosure(make_pack) -> None:
    # the corpus call p10: the disclosure rule's threshold set under the sentence's disclosure reading
    threat = "我们的人已经到你们小区门口了。"
    detector = default_detector()
    _, probs = detector.score([threat], embedder=embed)
    t, d = (float(probs[0, detector.index(c)]) for c in ("threat", "third_party_disclosure"))
    sure_threat = float(detector.thresholds[detector.index("threat")]) * 0.5 + 0.5
    limit = d - 0.05
    assert t >= sure_threat and t > d and d < limit + 0.5 * (1 - limit)  # threat plain, disclosure borderline
    rule = f"learned: {{bank: third_party_disclosure, threshold: {limit!r}}}"
    assert evaluate(make_pack(rule_yaml(rule, "role: agent")), call(), segs(("agent", threat))) == []
    lower = f"learned: {{bank: third_party_disclosure, threshold: {2 * d - 1.01!r}}}"
    hits = evaluate(make_pack(rule_yaml(lower, "role: agent")), call(), segs(("agent", threat)))
    assert [h.text for h in hits] == [threat]  # sure of disclosure too: both stand


def test_a_sentence_that_firmly_denies_what_its_nearest_example_says_does_not_fire(make_pack) -> None:
    from callqa.rules.negation import denies

    pack = make_pack(rule_yaml("learned: third_party_disclosure", "role: agent"))
    told = "我明天就给你们单位领导打电话，说说你欠钱的事。"
    assert [h.text for h in evaluate(pack, call(), segs(("agent", told)))] == [told]
    denied = "不会的，我们不会把您的欠款情况告诉您单位领导。"  # the model reads it 0.96 against 0.86
    detector = default_detector()
    j = detector.index("third_party_disclosure")
    assert float(detector.score([denied], embedder=embed)[1][0, j]) >= float(detector.thresholds[j])
    assert evaluate(pack, call(), segs(("agent", denied))) == []
    # a threat's own 不会 is no denial, nor a negator the example shares
    assert not denies("你再拖着，我们可不会放过你。", "再不还钱，我们绝不放过你。")
    assert not denies("你不还钱就别想好过。", "你不还钱就等着瞧。")
    assert not denies("我们绝不会罢休的。", "你等着。")


def test_a_sentence_under_its_threshold_fires_when_its_turn_read_whole_reaches_it(make_pack) -> None:
    # a violation the speech model cut over two segments of one turn, the second part alone too weak
    first, second = "我们片区的同事天天从那儿过", "您老婆孩子白天都在家吧"
    detector = default_detector()
    j = detector.index("threat")
    _, probs = detector.score([first, second, first + second], embedder=embed)
    p_first, p_second, p_turn = (float(p) for p in probs[:, j])
    limit = 0.83
    assert p_second < 1 - NEAR * (1 - limit) and p_second >= 0.8 * limit  # borderline, no near miss
    assert p_first >= limit and p_turn >= limit
    pack = make_pack(rule_yaml(f"learned: {{bank: threat, threshold: {limit}}}", "role: agent"))
    cut = [Segment("agent", 0.0, 2.0, first), Segment("agent", 2.3, 4.0, second)]
    hits = evaluate(pack, call(), cut)
    assert [h.text for h in hits] == [first, second]
    assert "连同同一轮的前后句读作" in hits[1].explanation
    # the same words in turns apart (another speaker between) are read alone
    apart = [cut[0], Segment("customer", 2.3, 3.0, "嗯。"), replace(cut[1], start_s=3.3, end_s=5.0)]
    assert [h.text for h in evaluate(pack, call(), apart)] == [first]


def test_on_speech_of_no_known_speaker_only_a_sentence_long_enough_to_be_the_agents_fires(make_pack) -> None:
    # A short sentence of mono speech no voice was given to may be the customer's (你是催债的吧 heard
    # garbled reads near an insult): it fires only when the agent is known to say it, or when it is
    # long enough (operators.UNSURE_MIN_CHARS) to stand as the agent's.
    pack = make_pack(rule_yaml("learned: threat", "role: agent"))
    short = "你住哪我们门儿清。"
    assert [h.text for h in evaluate(pack, call(), segs(("agent", short)))] == [short]
    assert evaluate(pack, call(), segs(("unknown", short)), CallContext(one_track=True)) == []
    assert [
        h.text for h in evaluate(pack, call(), segs(("unknown", THREAT)), CallContext(one_track=True))
    ] == [THREAT]
