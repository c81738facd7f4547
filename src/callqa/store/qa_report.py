"""The QA report's data, from the query layer: every visible call matching the call list's filters
with its review case and each of its hits with the reviewer's decision (a row per hit, one row for a
call without hits), and per-agent / per-team figures aggregated in SQL.

Presentation (Chinese headers, mm:ss, masking) is `callqa.web.qa_report`; this module only asks
the database, through `visible_calls`, so a team lead's report holds their team's calls only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from callqa.rules import score
from callqa.store.models import Call, ReviewCase, User, Violation, ViolationDecision
from callqa.store.queries import DEFAULT_SORT, UNGROUPED, CallFilters, _order
from callqa.store.visibility import visible_calls

GroupBy = Literal["agent", "team"]
NO_AGENT = "（未知坐席）"
EVERY_CALL = CallFilters()


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: a call, its case (None: never reviewed), the case owner's name, and
    one of its hits with its decision and who made it (hit None: a call without hits)."""

    call: Call
    case: ReviewCase | None
    owner: str | None
    hit: Violation | None
    decision: ViolationDecision | None
    decided_by: str | None


def iter_report(
    session: Session,
    viewer: User | None,
    filters: CallFilters = EVERY_CALL,
    sort: str = DEFAULT_SORT,
    batch: int = 500,
) -> Iterator[ReportRow]:
    """The report's rows in the call list's order, then by the time of each hit (streamed)."""
    owner, decider = aliased(User), aliased(User)
    query = (
        select(Call, ReviewCase, owner.username, Violation, ViolationDecision, decider.username)
        .outerjoin(ReviewCase, ReviewCase.call_pk == Call.id)
        .outerjoin(owner, owner.id == ReviewCase.owner_id)
        .outerjoin(Violation, Violation.call_pk == Call.id)
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .outerjoin(decider, decider.id == ViolationDecision.decided_by)
        .where(visible_calls(viewer), *filters.clauses())
        .options(selectinload(ReviewCase.appeals))
        .order_by(*_order(sort), Violation.start_s, Violation.id)
    )
    for row in session.execute(query.execution_options(yield_per=batch)):
        yield ReportRow(*row)


def reviewed_score(hits: list[tuple[Violation, str | None]]) -> int:
    """The call's score as the review leaves it: `rules.score` over the hits a person confirmed and
    those still found and not yet decided; false positives deduct nothing."""
    kept = [
        v for v, decision in hits if decision == "confirmed" or (decision is None and v.vanished_at is None)
    ]
    return score(kept)


@dataclass(frozen=True)
class Figures:
    """One agent's or team's figures over the report's calls."""

    key: str
    calls: int = 0
    flagged: int = 0
    score_sum: int = 0
    scored: int = 0
    reviewed: int = 0
    confirmed: int = 0
    all_false_positive: int = 0
    hits: int = 0
    hits_confirmed: int = 0
    hits_false_positive: int = 0
    hits_undecided: int = 0

    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.scored, 1) if self.scored else None

    @property
    def precision(self) -> float | None:
        """Share of decided hits that were confirmed (how often the rules were right)."""
        decided = self.hits_confirmed + self.hits_false_positive
        return round(self.hits_confirmed / decided, 3) if decided else None

    def __add__(self, other: Figures) -> Figures:
        counts = {f: getattr(self, f) + getattr(other, f) for f in COUNTS}
        return Figures(self.key, **counts)


HIT_COUNTS = ("hits", "hits_confirmed", "hits_false_positive", "hits_undecided")
COUNTS = ("calls", "flagged", "score_sum", "scored", "reviewed", "confirmed", "all_false_positive",
          *HIT_COUNTS)  # fmt: skip


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def summary(
    session: Session, viewer: User | None, group_by: GroupBy, filters: CallFilters = EVERY_CALL
) -> list[Figures]:
    """Per agent or team: calls, flagged calls, mean score, reviewed calls and their verdicts, hits
    and their decisions; two grouped queries (calls with their case; hits with their decision), most
    calls first."""
    key = (
        func.coalesce(Call.agent_id, NO_AGENT) if group_by == "agent" else func.coalesce(Call.team, UNGROUPED)
    )
    where = and_(visible_calls(viewer), *filters.clauses())
    calls = (
        select(
            key,
            func.count(Call.id),
            _count(Call.status == "flagged"),
            func.coalesce(func.sum(Call.score), 0),
            func.count(Call.score),
            _count(ReviewCase.verdict.is_not(None)),
            _count(ReviewCase.verdict == "confirmed"),
            _count(ReviewCase.verdict == "all_false_positive"),
        )
        .outerjoin(ReviewCase, ReviewCase.call_pk == Call.id)
        .where(where)
        .group_by(key)
    )
    figures = {row[0]: Figures(row[0], *(int(n or 0) for n in row[1:])) for row in session.execute(calls)}
    hits = (
        select(
            key,
            func.count(Violation.id),
            _count(ViolationDecision.decision == "confirmed"),
            _count(ViolationDecision.decision == "false_positive"),
            _count(ViolationDecision.id.is_(None)),
        )
        .select_from(Violation)
        .join(Call, Call.id == Violation.call_pk)
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .where(where)
        .group_by(key)
    )
    for k, *counts in session.execute(hits):
        found = Figures(k, **dict(zip(HIT_COUNTS, (int(n or 0) for n in counts), strict=True)))
        figures[k] = figures.get(k, Figures(k)) + found
    return sorted(figures.values(), key=lambda f: (-f.calls, f.key))


def total(rows: list[Figures]) -> Figures:
    """The figures of every group together (the 合计 line)."""
    out = Figures("合计")
    for row in rows:
        out = out + row
    return out
