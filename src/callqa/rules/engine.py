"""Run a rule pack over one call and score the result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from callqa.names import SPEAKER_NAMES
from callqa.rules.answerer import agents_words, answerers_words
from callqa.rules.callview import CallView
from callqa.rules.merge import merge_overlapping
from callqa.rules.model import CallContext, Hit, Rule, RulePack, Span
from callqa.text.matcher import PhraseMatcher
from callqa.transcript import CallInfo, Segment

if TYPE_CHECKING:
    import numpy as np

    from callqa.rules.learned.detector import Detector


SOUND_ALIKE_FLOOR = 0.15  # model probability a sound-alike keyword match needs (see README)
CONTEXT_S, MAX_CONTEXT = 30.0, 3  # a hit's explanation names at most 3 context spans within 30 s of it


def evaluate(
    pack: RulePack,
    call: CallInfo,
    segments: list[Segment],
    context: CallContext | None = None,
    vectors: dict[str, np.ndarray] | None = None,
) -> list[Hit]:
    """Every distinct place each rule fires, in pack order then time order.

    A rule may return several hits (one per distinct evidence span; identical or overlapping spans
    are merged, see `callqa.rules.merge`);
    `score` counts each rule once per call. A rule with no word evidence (metadata, `not`,
    `required`) returns one hit covering its window (e.g. 0–30 s, or the whole call).

    When the pack has `learned` rules, every hit on words also gets the text model's confidence.
    `vectors` (unit text -> embedding) supplies embeddings computed before; new ones are added to it.
    """
    assert isinstance(pack.matcher, PhraseMatcher)
    detector: Detector | None = pack.detector  # type: ignore[assignment]
    view = CallView(call, segments, context or CallContext(), pack.matcher, detector, vectors)
    found: list[tuple[Hit, Span]] = []
    for rule in pack.rules:
        found.extend(_rule_hits(rule, view))
    roles = {r.id: r.role for r in pack.rules}
    scored = [(_with_confidence(h, s, view), s) for h, s in found]
    return merge_overlapping(
        [
            h
            for h, s in scored
            if not _doubted_sound_alike(h, s)
            and not (roles[h.rule_id] == "agent" and _customers_words(s, view))
        ]
    )


def _with_confidence(hit: Hit, span: Span, view: CallView) -> Hit:
    """`hit` with the model's probability for its category where it stands, once the model has
    scored the call (a keyword hit the model doubts sorts low in the review queue)."""
    if not view.scored:
        return hit
    confidence = span.confidence
    if confidence is None and span.segment is not None:
        confidence = view.scorer.confidence(hit.category, span.segment, span.start, span.end)
    if confidence is None:
        return hit
    return replace(hit, confidence=round(confidence, 4), model_version=view.scorer.detector.version)


def _doubted_sound_alike(hit: Hit, span: Span) -> bool:
    """Words matched only by sound (套现 in the name 涛先, 私了 in 死了) count when the text model sees
    the sentence as at least faintly like a violation of the hit's category: a sound-alike in talk the
    model reads as ordinary is dropped. Exact words and hits the model did not score always count."""
    return not span.exact and hit.confidence is not None and hit.confidence < SOUND_ALIKE_FLOOR


def _rule_hits(rule: Rule, view: CallView) -> list[tuple[Hit, Span]]:
    result = rule.condition.evaluate(view)
    if rule.required:
        if result.fired:
            return []
        speaker = "call" if rule.role == "any" else rule.role
        window = f"前{rule.first_seconds:g}秒" if rule.first_seconds else "整通电话"
        spans: tuple[Span, ...] = (
            view.window(speaker, 0.0, rule.first_seconds, f"{window}未出现：{rule.condition.describe()}"),
        )
    elif not result.fired:
        return []
    else:
        spans = result.spans or (view.window("call", 0.0, None, f"满足：{rule.condition.describe()}"),)
    unique = {(s.segment, s.start, s.end, s.start_s, s.end_s): s for s in spans}
    ordered = sorted(unique.values(), key=lambda s: (s.start_s, s.end_s))
    evidence = [s for s in ordered if _is_offender(rule, s)] or ordered
    context = [s for s in ordered if s not in evidence]
    return [
        (
            Hit(
                rule.id,
                rule.name,
                rule.category,
                rule.severity,
                rule.deduction,
                s.speaker,
                s.start_s,
                s.end_s,
                s.text,
                s.explanation + _context_note(s, context),
            ),
            s,
        )
        for s in evidence
    ]


def _context_note(span: Span, context: list[Span]) -> str:
    """The context that made `span` a violation, as said nearest to it (the customer's 「我是他同事」 just
    before): the context spans within CONTEXT_S of it, else the single nearest one, never lines from all
    over a long call."""
    by_distance = sorted(context, key=lambda c: abs(c.start_s - span.start_s))
    near = [c for c in by_distance if abs(c.start_s - span.start_s) <= CONTEXT_S][:MAX_CONTEXT]
    chosen = sorted(near or by_distance[:1], key=lambda c: c.start_s)
    names = SPEAKER_NAMES
    return "".join(f"；语境：{names.get(c.speaker, c.speaker)} {c.start_s:.1f}秒「{c.text}」" for c in chosen)


def _customers_words(span: Span, view: CallView) -> bool:
    """Words of mono ('unknown') speech, or of speech a one-track call's voices gave to the agent (the
    voices may be told apart wrongly), in a sentence only the answerer says (`answerer.py`) or that the
    speaker model gives to the customer unless only the agent says it: an agent rule does not hold
    them against the agent."""
    guessed = span.speaker == "agent" and view.context.one_track
    if (span.speaker != "unknown" and not guessed) or span.segment is None:
        return False
    text = view.segments[span.segment].text
    if answerers_words(text, span.start, span.end):
        return True
    if agents_words(text, span.start, span.end):
        return False
    return view.scored and view.scorer.said_by_customer(span.segment, span.start, span.end)


def _is_offender(rule: Rule, span: Span) -> bool:
    """Spans said by the rule's role are the violation; others (a customer saying "我是他同事")
    are context that made it one, reported in the explanation rather than as hits of their own."""
    return rule.role == "any" or span.speaker in (rule.role, "unknown", "call")


class Deduction(Protocol):
    """What scoring reads of a hit (a `Hit`, or a stored violation when a review re-scores a call)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def deduction(self) -> int: ...


def score(hits: Iterable[Deduction]) -> int:
    """100 minus the deduction of every rule that fired (once per rule), never below 0."""
    per_rule = {h.rule_id: h.deduction for h in hits}
    return max(0, 100 - sum(per_rule.values()))
