"""Whisper failure modes are detected and dropped; text comes out Simplified."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callqa.asr.cleanup import (
    RawSegment,
    clean_segments,
    collapse_repetitions,
    is_hallucination,
)
from callqa.chinese import to_simplified


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("您的還款已經逾期") == "您的还款已经逾期"


def test_repetition_loop_collapses() -> None:
    assert collapse_repetitions("你好还钱还钱还钱还钱还钱") == "你好还钱"
    assert collapse_repetitions("好的，好的，好的，好的，好的") == "好的"
    assert collapse_repetitions("我们再说一下") == "我们再说一下"


@given(st.text(alphabet="还钱不你好的了", min_size=1, max_size=6))
def test_loop_of_any_unit_shrinks(unit: str) -> None:
    looped = unit * 8
    assert len(collapse_repetitions(looped)) < len(looped)


def test_hallucinations_are_dropped() -> None:
    assert is_hallucination(RawSegment(0, 2, "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目"))
    assert is_hallucination(RawSegment(0, 2, "字幕由Amara.org社区提供"))
    assert is_hallucination(RawSegment(0, 2, "。。。。"))
    assert is_hallucination(RawSegment(0, 2, "好的", avg_logprob=-1.5, no_speech_prob=0.9))
    prompt = "以下是普通话的电话录音，请用简体中文转写。"
    assert is_hallucination(RawSegment(0, 2, "请用简体中文转写"), prompt)  # the prompt echoed over silence
    assert is_hallucination(RawSegment(0, 2, "请用简体中文转写")) is None
    assert is_hallucination(RawSegment(0, 2, "我明天就还钱")) is None


def test_consecutive_duplicate_segments_dropped() -> None:
    raw = [RawSegment(0, 2, "我明天就还"), RawSegment(2, 4, "我明天就还"), RawSegment(4, 6, "謝謝")]
    assert [s.text for s in clean_segments(raw)] == ["我明天就还", "谢谢"]
