"""Detect and drop Whisper's known failure modes; normalise text to Simplified Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callqa.chinese import to_simplified

# Phrases Whisper invents over silence/noise (learned from subtitle data), matched after t2s.
HALLUCINATED_PHRASES = (
    "请不吝点赞",
    "订阅转发",
    "打赏支持",
    "明镜与点点",
    "点点栏目",
    "字幕由",
    "字幕志愿者",
    "中文字幕",
    "amara.org",
    "谢谢观看",
    "感谢观看",
    "优优独播",
    "独播剧场",
    "yoyo",
    "本期视频",
    "欢迎订阅",
    "请订阅",
    "下期再见",
    "字幕组",
    "索兰娅",
)
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
_REPEAT = re.compile(r"(.{1,12}?)(?:[，,。、\s]*\1){3,}")  # a unit said 4+ times in a row
_PUNCT_ONLY = re.compile(r"^[\W_]*$", re.UNICODE)


@dataclass(frozen=True)
class RawSegment:
    """What the decoder produced for one segment, with its confidence figures."""

    start_s: float
    end_s: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


def collapse_repetitions(text: str) -> str:
    """Shrink a repetition loop ('还钱还钱还钱还钱…') to a single occurrence."""
    return _REPEAT.sub(r"\1", text)


def is_hallucination(seg: RawSegment, prompt: str | None = None) -> str | None:
    """Why this segment should be dropped, or None to keep it (`prompt`: the decoder's prompt)."""
    compact = re.sub(r"\s+", "", seg.text).lower()
    if not compact or _PUNCT_ONLY.match(compact):
        return "empty"
    if any(p in compact for p in HALLUCINATED_PHRASES):
        return "known hallucinated phrase"
    if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOW_LOGPROB:
        return "text over silence"
    if prompt and _echoes_prompt(compact, prompt):
        return "prompt echoed"
    if seg.end_s - seg.start_s <= 0:
        return "zero duration"
    return None


def _echoes_prompt(compact: str, prompt: str) -> bool:
    """Whisper repeats its initial prompt over silence: most characters come from the prompt."""
    chars = [c for c in compact if c.isalnum()]
    return len(chars) >= 2 and sum(c in prompt for c in chars) / len(chars) >= 0.75


def clean_segments(raw: list[RawSegment], prompt: str | None = None) -> list[RawSegment]:
    """Simplify, de-loop and filter a channel's segments (in time order)."""
    kept: list[RawSegment] = []
    for seg in raw:
        text = collapse_repetitions(to_simplified(seg.text.replace("\ufffd", "").strip()))
        seg = RawSegment(
            seg.start_s, seg.end_s, text, seg.avg_logprob, seg.no_speech_prob, seg.compression_ratio
        )
        if is_hallucination(seg, prompt):
            continue
        if kept and kept[-1].text == text:  # a segment loop repeats the previous line verbatim
            continue
        kept.append(seg)
    return kept
