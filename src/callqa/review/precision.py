"""How often each rule is right: precision = confirmed / (confirmed + false_positive) over reviewed hits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callqa.store.models import Call, User, Violation, ViolationDecision
from callqa.store.visibility import restrict


def rule_precision(session: Session, viewer: User | None = None) -> dict[str, dict[str, object]]:
    """Per rule_id that has hits: confirmed, false_positive and undecided counts, and precision
    (None while no hit of the rule is decided). With `viewer`, only calls that user may see."""
    query = (
        select(Violation.rule_id, ViolationDecision.decision, func.count())
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .join(Call, Call.id == Violation.call_pk)
        .group_by(Violation.rule_id, ViolationDecision.decision)
    )
    if viewer is not None:
        query = restrict(query, viewer)
    counts: dict[str, dict[str, int]] = {}
    for rule_id, decision, n in session.execute(query):
        counts.setdefault(rule_id, {"confirmed": 0, "false_positive": 0, "undecided": 0})[
            decision or "undecided"
        ] = n
    figures: dict[str, dict[str, object]] = {}
    for rule_id, c in sorted(counts.items()):
        decided = c["confirmed"] + c["false_positive"]
        figures[rule_id] = {**c, "precision": c["confirmed"] / decided if decided else None}
    return figures
