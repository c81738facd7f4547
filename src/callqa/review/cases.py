"""Reading review cases: one case as a plain dict (and as a row of the queue), one case by call id,
its score after review. (The queue of cases a user may see is `callqa.store.queries.page_cases`.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.errors import NotFound
from callqa.masking import UNMASKED, Masker
from callqa.rules import score
from callqa.store.models import Call, ReviewCase, User, db_now
from callqa.store.queries import CaseRow
from callqa.store.visibility import get_visible_call


def _iso(value) -> str | None:  # type: ignore[no-untyped-def]
    return value.isoformat(timespec="seconds") if value else None


def case_dict(case: ReviewCase, mask: Masker = UNMASKED) -> dict[str, object]:
    """The output contract of a case (masked for the viewer); unmasked, also the before/after
    snapshot in the audit log."""
    return {
        "id": case.id,
        "call_id": mask.text(case.call.call_id),
        "ref": mask.call_ref(case.call.call_id, case.call.id),
        "team": case.call.team,
        "agent": mask.text(case.call.agent_id),
        "state": case.state,
        "origin": case.origin,
        "owner": case.owner.username if case.owner else None,
        "verdict": case.verdict,
        "reviewed_score": case.score,
        "created_at": _iso(case.created_at),
        "submitted_at": _iso(case.submitted_at),
        "system_verdict": case.verdict is not None and case.submitted_by is None,
        "proposed_action": mask.text(case.proposed_action),
        "escalated_at": _iso(case.escalated_at),
        "escalation_decision": case.escalation_decision,
        "escalation_comment": mask.text(case.escalation_comment),
        "final_outcome": case.final_outcome,
        "final_at": _iso(case.final_at),
        "final_comment": mask.text(case.final_comment),
        "decisions": {str(d.violation_id): d.decision for d in case.decisions},
        "auto_confirmed": [d.violation_id for d in case.decisions if d.decided_by is None],
        "appeals": [
            {
                "id": a.id,
                "reason": mask.text(a.reason),
                "filed_at": _iso(a.filed_at),
                "hits": {str(h.violation_id): h.outcome for h in a.hits},
                "decision": a.decision,
                "comment": mask.text(a.comment),
            }
            for a in case.appeals
        ],
    }


def queue_record(row: CaseRow, mask: Masker = UNMASKED, now: datetime | None = None) -> dict[str, object]:
    """A case as the review queue lists it: the case, its call's current hits (how many, the highest
    severity and model confidence), the score shown (after review, else the system's) and how long
    the case has existed, in seconds."""
    waited = (now or db_now()) - row.case.created_at
    return case_dict(row.case, mask) | {
        "confidence": row.confidence,
        "hits": row.hits,
        "severity": row.severity,
        "score": row.score,
        "age_s": max(0, int(waited.total_seconds())),
    }


def reviewed_score(case: ReviewCase) -> int | None:
    """The call's score as its review left it: only confirmed hits deduct (each rule once, as in
    `callqa.rules.score`); None until a verdict is given."""
    if case.verdict is None:
        return None
    confirmed = {d.violation_id for d in case.decisions if d.decision == "confirmed"}
    return score(v for v in case.call.violations if v.id in confirmed)


def case_of(session: Session, call: Call) -> ReviewCase | None:
    return session.scalar(select(ReviewCase).where(ReviewCase.call_pk == call.id))


def get_case(session: Session, user: User, call_id: str) -> ReviewCase:
    """The case of a call the user may see; NotFound when invisible or never flagged."""
    case = case_of(session, get_visible_call(session, user, call_id))
    if case is None:
        raise NotFound("this call has no review case")
    return case
