"""Read models for listings: calls and transcripts as plain dicts (the output contract)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from callqa.store.models import Call


def violation_dict(v) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "category": v.category,
        "rule_id": v.rule_id,
        "severity": v.severity,
        "speaker": v.speaker,
        "start_s": v.start_s,
        "end_s": v.end_s,
        "text": v.text,
    }


def call_dict(call: Call) -> dict[str, object]:
    """`callqa calls --format json` element."""
    return {
        "call_id": call.call_id,
        "file": call.file_name,
        "agent_id": call.agent_id,
        "customer_phone": call.customer_phone,
        "started_at": call.started_at,
        "duration_s": call.duration_s,
        "status": call.status,
        "score": call.score,
        "error": call.error,
        "violations": [violation_dict(v) for v in call.violations],
    }


def list_calls(
    session: Session, status: str | None = None, agent_id: str | None = None, category: str | None = None
) -> list[Call]:
    query = select(Call).options(selectinload(Call.violations)).order_by(Call.call_id)
    if status:
        query = query.where(Call.status == status)
    if agent_id:
        query = query.where(Call.agent_id == agent_id)
    calls = list(session.scalars(query))
    if category:
        calls = [c for c in calls if any(v.category == category for v in c.violations)]
    return calls


def get_call(session: Session, call_id: str) -> Call | None:
    return session.scalar(
        select(Call)
        .options(selectinload(Call.segments), selectinload(Call.violations))
        .where(Call.call_id == call_id)
    )


def transcript_dict(call: Call) -> dict[str, object]:
    """`callqa transcript --format json`."""
    return {
        "call_id": call.call_id,
        "segments": [
            {"speaker": s.speaker, "start_s": s.start_s, "end_s": s.end_s, "text": s.text}
            for s in call.segments
        ],
    }
