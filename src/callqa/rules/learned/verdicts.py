"""Labelled sentences from reviewers' verdicts, for `callqa learn`.

- a hit decided `confirmed` -> (its sentence, its category, violation);
- a hit decided `false_positive` -> (its sentence, its category, not a violation): a hard negative;
- a violation a person added (`source='inspector'`, 漏检) -> a violation, unless later marked false.

The sentence is the detector's unit (`units.split_units`) around the hit in the stored segment
text: a model hit's text already is one; a keyword hit's text is only the matched phrase. Rules:
- Every current decision counts, also on cases not yet submitted (a decision changed later is
  learnt by the next `learn`): one row per violation, so the latest decision of a hit is the one.
- The same sentence decided on several hits: per (sentence, category) the latest decision wins;
  a sentence that is a violation of some category drops its negatives (the positive row already
  trains it as no violation of every other category).
- Vanished hits (a recheck no longer finds them) are kept: the person heard the call, so the label
  stands, and a confirmed hit the model now misses is just what it has to learn.
- Confirmations the system recorded for `auto_confirm` rules are no person's verdict: left out
  (the model would learn from its own hits).
- Categories without an example bank (no model to train) and hits whose sentence cannot be found
  are skipped and counted.
The sentences are call transcripts: they are used in memory and cached (0600) inside the
workspace, never written to the model file or anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callqa.rules.learned.training import Labelled
from callqa.rules.learned.units import split_units
from callqa.store.models import TranscriptSegment, Violation, ViolationDecision

_EPS = 0.05  # seconds of slack between a hit's times and its segment's


@dataclass(frozen=True)
class VerdictSet:
    """The labelled sentences and how many verdicts went where."""

    examples: list[Labelled]
    positives: int
    negatives: int
    verdicts: int  # decided or inspector-added hits read
    skipped_category: int  # category without a bank
    skipped_unlocated: int  # sentence not found in the transcript
    superseded: int  # an older or contradicted label of the same sentence

    def to_json(self) -> dict[str, int]:
        return {
            "verdicts": self.verdicts,
            "positives": self.positives,
            "negatives": self.negatives,
            "skipped_category": self.skipped_category,
            "skipped_unlocated": self.skipped_unlocated,
            "superseded": self.superseded,
        }


def sentence_of(
    text: str, segments: Iterable[tuple[float, float, str]], start_s: float, end_s: float
) -> str | None:
    """The unit of the segment text around a hit's words `text` (between start_s and end_s); when the
    words span several units, those units together; None when they are not in an overlapping segment."""
    words = text.strip()
    if not words:
        return None
    for seg_start, seg_end, seg_text in segments:
        if seg_end + _EPS < start_s or end_s < seg_start - _EPS:
            continue
        at = seg_text.find(words)
        if at < 0:
            continue
        units = [(a, b) for a, b in split_units(seg_text) if a < at + len(words) and at < b]
        if units:
            return seg_text[units[0][0] : units[-1][1]]
    return None


def verdict_examples(session: Session, categories: Iterable[str]) -> VerdictSet:
    """Labelled sentences from every decided hit and every inspector-added violation (see module)."""
    cats = set(categories)
    rows = session.execute(
        select(Violation, ViolationDecision.decision, ViolationDecision.decided_at)
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .where(or_(ViolationDecision.decided_by.is_not(None), Violation.source == "inspector"))
        .order_by(Violation.id)
    ).all()
    call_pks = {v.call_pk for v, _, _ in rows if v.category in cats}
    segments: dict[int, list[tuple[float, float, str]]] = {}
    if call_pks:
        for pk, s, e, t in session.execute(
            select(TranscriptSegment.call_pk, TranscriptSegment.start_s, TranscriptSegment.end_s,
                   TranscriptSegment.text)
            .where(TranscriptSegment.call_pk.in_(call_pks))
            .order_by(TranscriptSegment.call_pk, TranscriptSegment.position)
        ):  # fmt: skip
            segments.setdefault(pk, []).append((s, e, t))
    latest: dict[tuple[str, str], tuple[datetime, int, Labelled]] = {}
    other = unlocated = 0
    for v, decision, decided_at in rows:
        if v.category not in cats:
            other += 1
            continue
        sentence = sentence_of(v.text, segments.get(v.call_pk, []), v.start_s, v.end_s)
        if sentence is None and (v.source == "inspector" or v.confidence is not None):
            sentence = v.text.strip()  # a person's own words, or a model hit: already a sentence
        if sentence is None or not split_units(sentence):  # too short to score
            unlocated += 1
            continue
        label = decision == "confirmed" if decision else v.source == "inspector"
        row = Labelled(sentence, v.category, label, v.speaker == "customer")
        key, when = (sentence, v.category), (decided_at or datetime.min, v.id)
        if key not in latest or latest[key][:2] < when:
            latest[key] = (*when, row)
    chosen = [row for _, _, row in latest.values()]
    violating = {x.text for x in chosen if x.violation}
    examples = [x for x in chosen if x.violation or x.text not in violating]
    used = other + unlocated
    return VerdictSet(
        examples,
        positives=sum(x.violation for x in examples),
        negatives=sum(not x.violation for x in examples),
        verdicts=len(rows),
        skipped_category=other,
        skipped_unlocated=unlocated,
        superseded=len(rows) - used - len(examples),
    )
