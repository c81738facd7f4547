"""How often each rule is right: precision = confirmed / (confirmed + false_positive) over reviewed hits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callqa.store.models import Call, User, Violation, ViolationDecision
from callqa.store.visibility import restrict


@dataclass(frozen=True)
class RuleFigures:
    """One rule's hits by review decision."""

    confirmed: int = 0
    false_positive: int = 0
    undecided: int = 0

    @property
    def hits(self) -> int:
        return self.confirmed + self.false_positive + self.undecided

    @property
    def precision(self) -> float | None:
        """None while no hit of the rule is decided."""
        decided = self.confirmed + self.false_positive
        return self.confirmed / decided if decided else None

    def to_json(self) -> dict[str, object]:
        return {"confirmed": self.confirmed, "false_positive": self.false_positive,
                "undecided": self.undecided, "precision": self.precision}  # fmt: skip


def rule_precision(session: Session, viewer: User | None = None) -> dict[str, RuleFigures]:
    """Per rule_id that has hits on the calls `viewer` may see (None: all calls), by decision."""
    query = restrict(
        select(Violation.rule_id, ViolationDecision.decision, func.count())
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .join(Call, Call.id == Violation.call_pk)
        .group_by(Violation.rule_id, ViolationDecision.decision),
        viewer,
    )
    counts: dict[str, dict[str, int]] = {}
    for rule_id, decision, n in session.execute(query):
        counts.setdefault(rule_id, {})[decision or "undecided"] = n
    return {rule_id: RuleFigures(**c) for rule_id, c in sorted(counts.items())}
