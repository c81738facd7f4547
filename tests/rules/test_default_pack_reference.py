"""The default pack on the 14 scripted corpus calls: every labelled category found, nothing else.

Built from the reference turns (tests/data/turns.jsonl) and again with the mishearings listed in
ASR-NOTES.md applied. Mono recordings (p04, p07, p10) get speaker 'unknown', as ASR gives them.
"""

from __future__ import annotations

import json

import pytest
from corpus import ASR, calls, labels, reference_segments, same_number_counts

from callqa.rules import CallContext, evaluate, load_default_pack, score
from callqa.transcript import Segment

PACK = load_default_pack()
LABELS = labels()
CALLS = calls()
COUNTS = same_number_counts()


def categories(call_id: str, segments: list[Segment]) -> set[str]:
    hits = evaluate(PACK, CALLS[call_id], segments, CallContext(COUNTS[call_id]))
    return {h.category for h in hits}


@pytest.mark.parametrize("asr_errors", [False, True], ids=["reference", "asr-errors"])
@pytest.mark.parametrize("call_id", sorted(LABELS))
def test_categories_match_labels(call_id: str, asr_errors: bool) -> None:
    assert categories(call_id, reference_segments(call_id, asr_errors)) == LABELS[call_id]


def test_compliant_calls_score_100() -> None:
    for call_id in (c for c, cats in LABELS.items() if not cats):
        hits = evaluate(PACK, CALLS[call_id], reference_segments(call_id), CallContext(COUNTS[call_id]))
        assert score(hits) == 100, (call_id, hits)


def test_hits_point_at_agent_words_in_time() -> None:
    hits = evaluate(PACK, CALLS["p04"], reference_segments("p04", asr_errors=True))
    jail = next(h for h in hits if h.rule_id == "false-claim-criminal" and h.text == "做劳")
    assert jail.explanation == '关键词"坐牢"（拼音匹配"做劳"）'
    assert 8.86 < jail.start_s < jail.end_s <= 14.45


def test_customer_insult_is_not_flagged_but_same_words_by_agent_are() -> None:
    p06 = reference_segments("p06")
    swapped = [
        Segment("agent" if s.speaker == "customer" else "customer", s.start_s, s.end_s, s.text) for s in p06
    ]
    assert "abuse" not in categories("p06", p06)
    assert "abuse" in categories("p06", swapped)


def test_frequency_counts_same_number_per_day() -> None:
    assert COUNTS["p01"] == 1 and COUNTS["p02"] == 2  # p01 and p02 share a number
    segs = reference_segments("p01")
    assert "excessive_frequency" in {h.category for h in evaluate(PACK, CALLS["p01"], segs, CallContext(7))}


@pytest.mark.skipif(not ASR.exists(), reason="no ASR transcripts of the corpus yet")
def test_real_asr_transcripts() -> None:
    """Whisper-base transcripts of the corpus audio: same categories as the labels."""
    data = json.loads(ASR.read_text(encoding="utf-8"))
    rows = []
    for call_id, items in sorted(data.items()):
        segments = [Segment(d["speaker"], d["start_s"], d["end_s"], d["text"]) for d in items]
        got = categories(call_id, segments)
        rows.append((call_id, sorted(LABELS.get(call_id, set())), sorted(got)))
    assert len(rows) == 14
    assert [r for r in rows if r[1] != r[2]] == []
