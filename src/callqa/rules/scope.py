"""Where a condition looks: speaker role, opening window, and whether negated matches count."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from callqa.rules.callview import CallView
from callqa.rules.model import Role
from callqa.rules.negation import (
    SENTENCE_END,
    disavowed_across,
    excused_across,
    is_disavowed,
    is_negated,
    is_reported,
)
from callqa.text.matcher import Found

# Segments of one speaker this close may be one sentence the speech model cut (measured: 0.5 s between
# 「以后要是有人打电话说是我们公司的」 and 「让您把钱转到个人卡…」; raising it from 0.3 s changed no other
# call of devset18–36's audio)
SPLIT_GAP_S = 0.5
COMMA_GAP_S = 0.6  # ...or this close when the first ends in a comma (the speaker paused mid-sentence)
RUN_ON_SEGMENTS = 3  # segments before a match read back for the start of its sentence
CONTINUATIONS = ("比如", "例如", "譬如", "包括", "像是")  # a segment opening so continues the one before
# A segment opening with an addition (「也可能把您列入失信被执行人名单」) adds to the sentence before,
# even one the speech model closed with a period, when it follows within ADDITION_GAP_S.
ADDITIONS = ("也可能", "也会", "也可以", "还可能", "还会", "同时也", "并且", "甚至")
ADDITION_GAP_S = 1.0

# Mono recordings come back as 'unknown' (both parties mixed): treat unknown speech as possibly either.
ROLE_SPEAKERS: dict[str, frozenset[str]] = {
    "agent": frozenset({"agent", "unknown"}),
    "customer": frozenset({"customer", "unknown"}),
    "any": frozenset({"agent", "customer", "unknown"}),
}


@dataclass(frozen=True, slots=True)
class Scope:
    """The shared filter every text operator goes through."""

    role: Role = "any"
    first_seconds: float | None = None
    first_sentences: int | None = None
    allow_negated: bool = False

    def segments(self, view: CallView) -> list[int]:
        """Indices of the segments this scope looks at (memoised per call)."""
        key = ("segments", id(self))  # scopes live as long as their pack
        if key in view.memo:
            return view.memo[key]  # type: ignore[return-value]
        speakers = ROLE_SPEAKERS[self.role]
        picked = [i for i, s in enumerate(view.segments) if s.speaker in speakers]
        if self.first_sentences is not None:
            picked = picked[: self.first_sentences]
        if self.first_seconds is not None:
            picked = [i for i in picked if view.segments[i].start_s < self.first_seconds]
        view.memo[key] = picked
        return picked

    def keeps(self, view: CallView, seg: int, start: int) -> bool:
        """Whether a match starting at normalised `start` of segment `seg` counts."""
        text = view.text(seg)
        if self.first_seconds is not None:
            a, _ = text.original_span(start, start + 1)
            if view.time_at(seg, a) >= self.first_seconds:
                return False
        return self.allow_negated or not (
            is_negated(text, start)
            or is_disavowed(text, start)
            or is_reported(text, start)
            or continues_excused(view, seg, text.original_span(start, start + 1)[0])
            or disavowed_next(view, seg, text.original_span(start, start + 1)[0])
        )

    def occurrences(
        self, view: CallView, pids: Collection[int], check: bool = True, only: int | None = None
    ) -> list[tuple[int, Found]]:
        """(segment, occurrence) of phrases `pids` in scope (or in segment `only`); `check=False` skips
        the position/negation test."""
        out: list[tuple[int, Found]] = []
        for seg in self.segments(view) if only is None else (only,):
            table = view.found(seg)
            for pid, fs in table.items():
                if pid in pids:
                    out.extend((seg, f) for f in fs if not check or self.keeps(view, seg, f.start))
        return out

    def describe(self) -> str:
        """Human-readable summary, e.g. '坐席 前30秒'."""
        parts = [{"agent": "坐席", "customer": "客户", "any": ""}[self.role]]
        if self.first_seconds is not None:
            parts.append(f"前{self.first_seconds:g}秒")
        if self.first_sentences is not None:
            parts.append(f"前{self.first_sentences}句")
        return " ".join(p for p in parts if p)


def continues_excused(view: CallView, seg: int, at: int) -> bool:
    """Whether original offset `at` of segment `seg` continues a report or a lawful statement the same
    speaker began in the segments just before, cut off by the speech model (`negation.excused_across`):
    「判决生效后您仍不履行的」「银行可以申请强制执行」「比如冻结您名下的存款」. A segment that opens with an
    addition (`ADDITIONS`: 「也可能把您列入…」) within `ADDITION_GAP_S` continues the sentence before it even
    when the speech model closed that one with a period."""
    parts: list[str] = []
    k = seg - 1
    current = view.segments[seg].text
    # an addition (「也可能把您列入…」) continues even a sentence the speech model closed with a period
    if (
        current.lstrip().startswith(ADDITIONS)
        and not SENTENCE_END.search(current[:at])
        and _follows(view, k, ADDITION_GAP_S)
    ):
        text = view.segments[k].text.rstrip().rstrip("。.；;，,、")
        if not text:
            return False
        parts.append(text)
        if SENTENCE_END.search(text):  # the sentence began in this segment
            return excused_across(text, current, at)
        k -= 1
    while len(parts) < RUN_ON_SEGMENTS and _runs_on(view, k):
        text = view.segments[k].text.rstrip().rstrip("，,、")
        if not text or SENTENCE_END.match(text[-1]):
            break
        parts.insert(0, text)
        if SENTENCE_END.search(text):  # the sentence began in this segment
            break
        k -= 1
    return bool(parts) and excused_across("，".join(parts), view.segments[seg].text, at)


def disavowed_next(view: CallView, seg: int, at: int) -> bool:
    """Whether the sentence at original offset `at` of segment `seg` runs on into the same speaker's
    next segment, cut off by the speech model, and is disavowed there (`negation.disavowed_across`)."""
    if not _runs_on(view, seg):
        return False
    return disavowed_across(view.segments[seg].text, at, view.segments[seg + 1].text)


def _runs_on(view: CallView, seg: int) -> bool:
    """Whether segment `seg + 1` may continue segment `seg`'s sentence: the same speaker, the speech
    model's cut at most SPLIT_GAP_S apart, or COMMA_GAP_S where `seg` ends in a comma or `seg + 1`
    opens with an example or an addition to it (「还会限制高消费」「比如不能坐飞机」)."""
    if seg < 0 or seg + 1 >= len(view.segments):
        return False
    this, after = view.segments[seg], view.segments[seg + 1]
    paused = this.text.rstrip().endswith(("，", ",", "、")) or after.text.lstrip().startswith(CONTINUATIONS)
    return _follows(view, seg, COMMA_GAP_S if paused else SPLIT_GAP_S)


def _follows(view: CallView, seg: int, gap: float) -> bool:
    """Whether segment `seg + 1` is the same speaker's, at most `gap` seconds after segment `seg`."""
    if seg < 0 or seg + 1 >= len(view.segments):
        return False
    this, after = view.segments[seg], view.segments[seg + 1]
    return after.speaker == this.speaker and after.start_s - this.end_s <= gap
