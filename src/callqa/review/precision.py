"""How often each rule is right: precision = confirmed / (confirmed + false_positive) over reviewed hits;
and what the model rules caught that the keyword rules missed (phrasing suggestions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from callqa.store.models import Call, User, Violation, ViolationDecision
from callqa.store.visibility import restrict


@dataclass(frozen=True)
class RuleFigures:
    """One rule's hits by review decision. Hits the system confirmed (`auto`: the rule skips manual
    review) are counted apart: they say nothing about how often the rule is right."""

    confirmed: int = 0
    false_positive: int = 0
    undecided: int = 0
    auto: int = 0

    @property
    def hits(self) -> int:
        return self.confirmed + self.false_positive + self.undecided + self.auto

    @property
    def precision(self) -> float | None:
        """None while no hit of the rule is decided."""
        decided = self.confirmed + self.false_positive
        return self.confirmed / decided if decided else None

    def to_json(self) -> dict[str, object]:
        return {"confirmed": self.confirmed, "false_positive": self.false_positive,
                "undecided": self.undecided, "auto": self.auto, "precision": self.precision}  # fmt: skip


def rule_precision(session: Session, viewer: User | None = None) -> dict[str, RuleFigures]:
    """Per rule_id that has hits on the calls `viewer` may see (None: all calls), by decision."""
    by_system = ViolationDecision.id.is_not(None) & ViolationDecision.decided_by.is_(None)
    query = restrict(
        select(Violation.rule_id, ViolationDecision.decision, by_system, func.count())
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .join(Call, Call.id == Violation.call_pk)
        .group_by(Violation.rule_id, ViolationDecision.decision, by_system),
        viewer,
    )
    counts: dict[str, dict[str, int]] = {}
    for rule_id, decision, auto, n in session.execute(query):
        kind = "auto" if auto else decision or "undecided"
        counts.setdefault(rule_id, {})[kind] = counts.get(rule_id, {}).get(kind, 0) + n
    return {rule_id: RuleFigures(**c) for rule_id, c in sorted(counts.items())}


@dataclass(frozen=True)
class Suggestion:
    """A confirmed hit of a model rule on a call where no keyword rule of its category fired: its
    sentence is a phrasing the keyword rules lack (措辞建议)."""

    rule_id: str
    call_id: str
    call_pk: int
    text: str
    confidence: float | None
    start_s: float


def phrasing_suggestions(
    session: Session, viewer: User | None, model_rules: Sequence[str], per_rule: int = 20
) -> dict[str, list[Suggestion]]:
    """Per model rule in `model_rules`, up to `per_rule` newest confirmed hits on calls `viewer` may see
    that no current (not vanished) keyword hit of the same category accompanies."""
    if not model_rules:
        return {}
    keyword = aliased(Violation)
    keyword_found = exists().where(
        keyword.call_pk == Violation.call_pk,
        keyword.category == Violation.category,
        keyword.rule_id.not_in(model_rules),
        keyword.source == "rule",
        keyword.vanished_at.is_(None),
    )
    query = restrict(
        select(
            Violation.rule_id, Call.call_id, Call.id, Violation.text, Violation.confidence, Violation.start_s
        )
        .join(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .join(Call, Call.id == Violation.call_pk)
        .where(ViolationDecision.decision == "confirmed", Violation.rule_id.in_(model_rules), ~keyword_found)
        .order_by(ViolationDecision.decided_at.desc(), Violation.id.desc()),
        viewer,
    )
    out: dict[str, list[Suggestion]] = {}
    for row in session.execute(query):
        found = out.setdefault(row[0], [])
        if len(found) < per_rule:
            found.append(Suggestion(*row))
    return out
