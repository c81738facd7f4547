"""Detect and drop Whisper's known failure modes; normalise text to Simplified Chinese."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from callqa.chinese import to_simplified
from callqa.transcript import Word

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
    words: tuple[Word, ...] = ()  # in call time; they spell `text` once cleaned (`clean_segments`)


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
        seg = replace(seg, text=text, words=align_words(seg.words, text))
        if is_hallucination(seg, prompt):
            continue
        if kept and kept[-1].text == text:  # a segment loop repeats the previous line verbatim
            continue
        kept.append(seg)
    return kept


def spread_text(pieces: Sequence[str], text: str) -> list[str]:
    """`text` cut into len(pieces) parts, each character going to the piece it aligns with (an
    inserted or replaced run to the piece where the change begins): the pieces' new texts, which
    join to `text` exactly."""
    joined = "".join(pieces)
    owner = [i for i, piece in enumerate(pieces) for _ in piece]
    out = [""] * len(pieces)
    if not owner:
        if pieces:
            out[0] = text
        return out
    matcher = difflib.SequenceMatcher(None, joined, text, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                out[owner[i1 + k]] += text[j1 + k]
        elif tag in ("replace", "insert"):
            out[owner[min(i1, len(owner) - 1)]] += text[j1:j2]
    return out


def align_words(words: Sequence[Word], text: str) -> tuple[Word, ...]:
    """Timed words re-spelt to spell a segment's cleaned `text` (simplified, de-looped, stripped);
    words left with no text are dropped."""
    if not words or "".join(w.text for w in words) == text:
        return tuple(words)
    spelt = spread_text([w.text for w in words], text)
    return tuple(replace(w, text=t) for w, t in zip(words, spelt, strict=True) if t)
