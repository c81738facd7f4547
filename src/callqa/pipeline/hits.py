"""Evaluate a call's stored transcript and store its hits: the one code path of processing and recheck.

A hit is the same across runs when its identity is: rule, speaker, start time (to 10 ms) and words.
The same hit keeps its row (its id, so review decisions stay linked) and gets the run's versions,
confidence and explanation. A stored hit that a run no longer finds is deleted when nobody decided
it, and kept with `vanished_at` set when somebody did (found again later: cleared). Rows a person
added (`source='inspector'`) are never touched. The review case follows through
`callqa.review.workflow.on_hits_stored`, which also records the system's confirmation of the hits of
rules marked `auto_confirm`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from callqa.audio.acoustics import Acoustics
from callqa.review import audit
from callqa.review.workflow import SYSTEM, on_hits_stored
from callqa.rules import CallContext, Hit, RulePack, evaluate, score
from callqa.store.models import Call, TranscriptSegment, Violation, ViolationDecision, db_now
from callqa.store.vectors import load_call_vectors, save_call_vectors
from callqa.transcript import CallInfo, Segment

HitKey = tuple[str, str, float, str]


def call_info(call: Call) -> CallInfo:
    started = datetime.fromisoformat(call.started_at) if call.started_at else None
    return CallInfo(call.call_id, call.agent_id, call.customer_phone, started, call.duration_s, call.team)


def call_context(session: Session, call: Call, acoustics: Acoustics | None = None) -> CallContext:
    """What the rules know of `call` beyond its transcript; `acoustics` as just measured, else the
    stored ones."""
    if acoustics is None and call.acoustics:
        acoustics = Acoustics.from_json(call.acoustics)
    return CallContext(
        same_number_calls_that_day=same_number_ordinal(session, call),
        acoustics=acoustics,
        one_track=acoustics is not None and acoustics.one_track,
    )


def same_number_ordinal(session: Session, call: Call) -> int:
    """This call's position among calls to the same number on the same local day (1-based)."""
    if not call.customer_phone or not call.local_date:
        return 1
    earlier = or_(
        Call.started_at_utc < call.started_at_utc,
        (Call.started_at_utc == call.started_at_utc) & (Call.id <= call.id),
    )
    return (
        session.scalar(
            select(func.count(Call.id)).where(
                Call.customer_phone == call.customer_phone, Call.local_date == call.local_date, earlier
            )
        )
        or 1
    )


def stored_segments(rows: list[TranscriptSegment]) -> list[Segment]:
    """The transcript the rules check: the stored (corrected) text of each segment, in order."""
    return [Segment(s.speaker, s.start_s, s.end_s, s.text) for s in rows]  # type: ignore[arg-type]


def hit_key(rule_id: str, speaker: str, start_s: float, text: str) -> HitKey:
    return rule_id, speaker, round(start_s, 2), text


@dataclass
class HitChanges:
    """What storing one run's hits changed on a call."""

    new: int = 0  # found now, not stored before
    unchanged: int = 0  # found again (row kept; versions, confidence and explanation refreshed)
    returned: int = 0  # found again after having vanished
    vanished: int = 0  # no longer found but decided: kept, marked vanished
    removed: int = 0  # no longer found and undecided: deleted
    status_before: str = ""
    status_after: str = ""
    case_action: str | None = None  # opened | reopened | withdrawn
    embedded: int = 0  # sentences the text model had to embed (0 when the call's vectors are stored)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.returned or self.vanished or self.removed or self.case_action) or (
            self.status_before != self.status_after
        )


def _fill(row: Violation, hit: Hit, pack: RulePack) -> None:
    """Set a row's fields from a hit (what may differ between runs of the same hit included)."""
    fields = {
        "rule_id": hit.rule_id,
        "rule_name": hit.rule_name,
        "category": hit.category,
        "severity": hit.severity,
        "deduction": hit.deduction,
        "speaker": hit.speaker,
        "start_s": hit.start_s,
        "end_s": hit.end_s,
        "text": hit.text,
        "explanation": hit.explanation,
        "confidence": hit.confidence,
        "pack_version": pack.version,
        "model_version": hit.model_version,
    }
    for name, value in fields.items():
        if getattr(row, name) != value:  # unchanged columns stay out of the UPDATE
            setattr(row, name, value)


def store_hits(
    session: Session,
    pack: RulePack,
    call: Call,
    segments: list[Segment],
    actor: audit.Actor = SYSTEM,
    decided: set[int] | None = None,
    sample_rate: float = 0.0,
    vectors: dict[str, np.ndarray] | None = None,
) -> HitChanges:
    """Evaluate `pack` on the call's transcript `segments`, merge the hits into its stored violations,
    set score and status, store any new sentence embeddings, and let the review case follow (a clean
    call without a case is drawn for 抽检 at `sample_rate`: processing passes the workspace's).
    `decided`: ids of violations with a review decision, when the caller looked them up for many calls.
    `vectors`: the transcript's embeddings, already stored by the caller (processing computes them
    before its write transaction: callqa.pipeline.process.embed_ahead); else the stored ones."""
    changes = HitChanges(status_before=call.status)
    context = call_context(session, call)  # the acoustics as measured at processing
    vectors = load_call_vectors(session, call.id) if vectors is None else dict(vectors)
    known = len(vectors)
    hits = evaluate(pack, call_info(call), segments, context, vectors)
    changes.embedded = len(vectors) - known
    if changes.embedded:
        save_call_vectors(session, call.id, vectors)

    stored = [v for v in call.violations if v.source == "rule"]
    if decided is None:
        decided = decided_ids(session, [call.id])
    pool: dict[HitKey, list[Violation]] = defaultdict(list)
    for row in sorted(stored, key=lambda v: v.id or 0):
        pool[hit_key(row.rule_id, row.speaker, row.start_s, row.text)].append(row)
    for hit in hits:
        matches = pool.get(hit_key(hit.rule_id, hit.speaker, hit.start_s, hit.text))
        if matches:
            row = matches.pop(0)
            if row.vanished_at is not None:
                row.vanished_at = None
                changes.returned += 1
            else:
                changes.unchanged += 1
        else:
            row = Violation(call_pk=call.id, source="rule")
            call.violations.append(row)
            changes.new += 1
        _fill(row, hit, pack)
    kept = False
    for row in (r for rows in pool.values() for r in rows):
        if row.id in decided:
            kept = True
            if row.vanished_at is None:
                row.vanished_at = db_now()
                changes.vanished += 1
        else:
            call.violations.remove(row)  # delete-orphan: the row goes
            changes.removed += 1

    call.score = score(hits)
    if hits or kept:
        call.status = "flagged"
    elif not any(v.source != "rule" for v in call.violations):  # what people found stays as they left it
        call.status = "clean"
    changes.status_after = call.status
    session.flush()
    changes.case_action = on_hits_stored(session, call, changes.new, actor, sample_rate, pack.auto_confirm)
    return changes


def decided_ids(session: Session, call_pks: list[int]) -> set[int]:
    """Ids of the violations of these calls that have a review decision."""
    query = (
        select(ViolationDecision.violation_id)
        .join(Violation, Violation.id == ViolationDecision.violation_id)
        .where(Violation.call_pk.in_(call_pks))
    )
    return set(session.scalars(query))
