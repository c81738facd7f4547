"""The one query layer: the calls and rule hits a viewer may see, filtered, sorted, paged and
aggregated in SQL. The workbench pages, the REST API, the CLI and the exports all ask it; none of
them loads calls into Python to filter or count them.

Every function takes the viewer (a `User`, or None for the local operator, who sees everything) and
applies `callqa.store.visibility.visible_calls` itself, so no caller can forget it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, contains_eager, joinedload, selectinload
from sqlalchemy.sql import operators

from callqa.errors import InvalidInput, NotFound
from callqa.names import DECISIONS, ORIGINS, PROMISE_STATUS_NAMES, STATUS_NAMES, listed
from callqa.names import QUEUE_SORTS as QUEUE_SORT_NAMES
from callqa.names import REVIEW_STATES as NAMES_OF_REVIEW_STATES
from callqa.proportion import wilson_interval
from callqa.rules.model import SEVERITIES
from callqa.store.models import (
    ACTIVE_CASE_STATES,
    CALL_STATUSES,
    CASE_ORIGINS,
    CASE_STATES,
    PROMISE_STATUSES,
    Appeal,
    Call,
    CallTallyAgent,
    CallTallyCategory,
    CallTallyDay,
    PaymentPromise,
    ReviewCase,
    User,
    Violation,
    ViolationDecision,
)
from callqa.store.visibility import NO_SUCH_CALL, call_by_ref, sees_all, visible_calls

T = TypeVar("T")

NO_CASE = "none"  # review_state filter value: calls without a review case
REVIEW_STATES = (NO_CASE, *CASE_STATES)
CALL_SORTS = {
    "started_at": Call.started_at_utc,
    "score": Call.score,
    "call_id": Call.call_id,
    "agent": Call.agent_id,
    "duration": Call.duration_s,
}
SORT_NAMES = {"started_at": "开始时间", "score": "得分", "call_id": "通话编号", "agent": "坐席",
              "duration": "时长"}  # fmt: skip
DEFAULT_SORT = "-started_at"
UNGROUPED = "（未分组）"
TOP_AGENTS = 15
DECISION_FILTERS = ("confirmed", "false_positive", "undecided")


def _having(call_pk: InstrumentedAttribute[int], *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """Calls with a row in call_pk's table matching `where`: an IN over an index on (column, call_pk),
    which SQLite and PostgreSQL run from the index instead of probing once per call."""
    return Call.id.in_(select(call_pk).where(*where))


@dataclass(frozen=True)
class CallFilters:
    """Restrictions on calls; None means 'any'. Dates are inclusive days of the call's own calendar."""

    status: str | None = None
    agent: str | None = None
    team: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None
    min_score: int | None = None
    max_score: int | None = None
    review_state: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in CALL_STATUSES:
            raise InvalidInput(f"未知的处理状态“{self.status}”，可选：{listed(STATUS_NAMES, CALL_STATUSES)}")
        if self.review_state is not None and self.review_state not in REVIEW_STATES:
            states = listed(NAMES_OF_REVIEW_STATES, REVIEW_STATES)
            raise InvalidInput(f"未知的复核状态“{self.review_state}”，可选：{states}")

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        equal = ((Call.status, self.status), (Call.agent_id, self.agent), (Call.team, self.team))
        out.extend(column == value for column, value in equal if value)
        if self.category:
            out.append(_having(Violation.call_pk, Violation.category == self.category))
        if self.since:
            out.append(Call.local_date >= self.since.isoformat())
        if self.until:
            out.append(Call.local_date <= self.until.isoformat())
        if self.min_score is not None:
            out.append(Call.score >= self.min_score)
        if self.max_score is not None:
            out.append(Call.score <= self.max_score)
        if self.review_state == NO_CASE:
            out.append(~_having(ReviewCase.call_pk))
        elif self.review_state:
            out.append(_having(ReviewCase.call_pk, ReviewCase.state == self.review_state))
        return out

    def as_query(self) -> dict[str, str]:
        """The filters as URL query parameters (only those set)."""
        return {f.name: str(v) for f in fields(self) if (v := getattr(self, f.name)) not in (None, "")}


@dataclass(frozen=True)
class Page(Generic[T]):
    total: int
    limit: int
    offset: int
    rows: list[T]


@dataclass(frozen=True)
class CallRow:
    """A call with its violations loaded and the state of its review case (None: no case)."""

    call: Call
    review_state: str | None


def _calls(viewer: User | None, filters: CallFilters) -> Select:
    return select(Call).where(visible_calls(viewer), *filters.clauses())


def _order(sort: str) -> list[ColumnElement]:
    key = sort.lstrip("-")
    if key not in CALL_SORTS:
        known = listed(SORT_NAMES, CALL_SORTS)
        raise InvalidInput(f"未知的排序方式“{sort}”：可按{known}排序（前加 - 为从高到低）")
    column = CALL_SORTS[key]
    if sort.startswith("-"):
        return [column.desc(), Call.id.desc()]
    return [column.asc(), Call.id.asc()]


def _with_state(query: Select) -> Select:
    return (
        query.add_columns(ReviewCase.state)
        .outerjoin(ReviewCase, ReviewCase.call_pk == Call.id)
        .options(selectinload(Call.violations), selectinload(Call.promise))
    )


def _tallied_count(viewer: User | None, f: CallFilters) -> Select | None:
    """The count of calls matching `f` summed from the tallies (a few thousand rows, not a million),
    or None when a filter is one they do not keep (score, review state; agent with days; category
    with anything but the team)."""
    if f.min_score is not None or f.max_score is not None or f.review_state:
        return None
    if f.category:
        if f.status or f.agent or f.since or f.until:
            return None
        c = CallTallyCategory
        where = [visible_calls(viewer, c.team), c.category == f.category]
        return select(func.sum(c.calls)).where(*where, *([c.team == f.team] if f.team else []))
    if f.agent and (f.since or f.until):
        return None
    t: type[CallTallyDay] | type[CallTallyAgent] = CallTallyAgent if f.agent else CallTallyDay
    where = [visible_calls(viewer, t.team)]
    where += [column == value for column, value in ((t.status, f.status), (t.team, f.team)) if value]
    if f.agent:
        where.append(CallTallyAgent.agent_id == f.agent)
    if f.since:
        where.append(CallTallyDay.local_date >= f.since.isoformat())
    if f.until:  # '' (no day) sorts first: keep it out, as NULL <= day keeps the call out
        where += [CallTallyDay.local_date <= f.until.isoformat(), CallTallyDay.local_date != ""]
    return select(func.sum(t.calls)).where(*where)


def count_calls(session: Session, viewer: User | None, filters: CallFilters = CallFilters()) -> int:
    """How many calls `viewer` may see match `filters`: from the tallies where they answer it. Calls
    without a review case are those matching the other filters less those with one (most calls have
    none: counting them one by one reads nearly every call)."""
    if filters.review_state == NO_CASE:
        others = replace(filters, review_state=None)
        cases = select(func.count(ReviewCase.id))
        if not sees_all(viewer) or others != CallFilters():
            cases = cases.join(Call, Call.id == ReviewCase.call_pk).where(
                visible_calls(viewer), *others.clauses()
            )
        return count_calls(session, viewer, others) - int(session.scalar(cases) or 0)
    tallied = _tallied_count(viewer, filters)
    query = (
        tallied
        if tallied is not None
        else select(func.count(Call.id)).where(visible_calls(viewer), *filters.clauses())
    )
    return int(session.scalar(query) or 0)


def page_calls(
    session: Session,
    viewer: User | None,
    filters: CallFilters = CallFilters(),
    sort: str = DEFAULT_SORT,
    limit: int = 50,
    offset: int = 0,
) -> Page[CallRow]:
    """One page of the calls `viewer` may see, with the total matching.

    The page's ids are found first, from the sort's index alone (it ends in the primary key), and
    only those 50 calls are read (a deferred join); a page past the middle is counted from the end
    in the reversed order, so no page walks more than half of the index."""
    total = count_calls(session, viewer, filters)
    ids = _page_ids(select(Call.id).where(visible_calls(viewer), *filters.clauses()), _order(sort), total,
                    limit, offset)  # fmt: skip
    query = _with_state(select(Call).where(Call.id.in_(ids)))
    rows = [CallRow(call, state) for call, state in session.execute(query.order_by(*_order(sort)))]
    return Page(total, limit, offset, rows)


def _page_ids(ids: Select, order: list[ColumnElement], total: int, limit: int, offset: int) -> Select:
    """The ids of one page of `total` rows in `order`; a page past the middle is taken from the end in
    the reversed order (the same rows), so no page walks more than half of the index."""
    if total // 2 < offset < total:
        return (
            ids.order_by(*(_reversed(c) for c in order))
            .limit(min(limit, total - offset))
            .offset(max(0, total - offset - limit))
        )
    return ids.order_by(*order).limit(limit).offset(offset)


def _reversed(ordering: ColumnElement) -> ColumnElement:
    """`x ASC` as `x DESC` and back: with each database's NULL placement, the exact reverse order."""
    column = ordering.element  # type: ignore[attr-defined]
    return column.asc() if ordering.modifier is operators.desc_op else column.desc()  # type: ignore[attr-defined]


def iter_calls(
    session: Session,
    viewer: User | None,
    filters: CallFilters = CallFilters(),
    sort: str = DEFAULT_SORT,
    batch: int = 500,
) -> Iterator[CallRow]:
    """Every matching call in order, fetched `batch` at a time (exports of any size)."""
    query = _with_state(_calls(viewer, filters)).order_by(*_order(sort))
    for call, state in session.execute(query.execution_options(yield_per=batch)):
        yield CallRow(call, state)


def get_call_row(session: Session, viewer: User | None, ref: str) -> CallRow:
    """One visible call by call_id or '~<pk>', with segments and violations loaded; NotFound when it
    does not exist or the viewer may not see it (indistinguishable)."""
    query = _with_state(select(Call).where(visible_calls(viewer), call_by_ref(ref))).options(
        selectinload(Call.segments)
    )
    found = session.execute(query).first()
    if found is None:
        raise NotFound(NO_SUCH_CALL)
    return CallRow(found[0], found[1])


@dataclass(frozen=True)
class CallStatus:
    """Where processing of one call stands (the upload form polls it)."""

    pk: int
    call_id: str
    status: str
    score: int | None
    error: str | None


def call_statuses(session: Session, viewer: User | None, refs: list[str]) -> list[CallStatus]:
    """The status of each visible call among `refs` (call_ids or '~<pk>'); the others are left out."""
    if not refs:
        return []
    query = select(Call.id, Call.call_id, Call.status, Call.score, Call.error).where(
        visible_calls(viewer), or_(*(call_by_ref(ref) for ref in refs))
    )
    return [CallStatus(*row) for row in session.execute(query.order_by(Call.id))]


# --- aggregates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissRate:
    """What 抽检 says about the calls the rules passed: of `reviewed` sampled clean calls whose review
    has a verdict, `missed` had a violation the system missed (an inspector recorded it, and it was
    not overturned). `rate` and its 95% Wilson interval estimate the share of clean calls that in
    truth violate; times `clean_calls`, how many such calls the clean ones hold."""

    reviewed: int
    missed: int
    clean_calls: int

    @property
    def rate(self) -> float | None:
        return self.missed / self.reviewed if self.reviewed else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.missed, self.reviewed) if self.reviewed else None

    @property
    def missed_calls(self) -> tuple[float, float, float] | None:
        """Estimated missed violating calls among the clean calls: (estimate, low, high)."""
        if self.rate is None or self.interval is None:
            return None
        low, high = self.interval
        return self.rate * self.clean_calls, low * self.clean_calls, high * self.clean_calls


def estimate_miss_rate(session: Session, viewer: User | None, clean_calls: int) -> MissRate:
    """The 抽检 figures over the sampled calls `viewer` may see (one aggregate query)."""
    reviewed = and_(ReviewCase.origin == "sample", ReviewCase.verdict.is_not(None))
    missed = func.coalesce(func.sum(case((ReviewCase.verdict == "confirmed", 1), else_=0)), 0)
    query = select(func.count(), missed).select_from(ReviewCase).where(reviewed)  # ix_review_cases_sampled
    if not sees_all(viewer):
        query = query.join(Call, Call.id == ReviewCase.call_pk).where(visible_calls(viewer))
    n, k = session.execute(query).one()
    return MissRate(reviewed=n, missed=k, clean_calls=clean_calls)


@dataclass(frozen=True)
class PromiseRate:
    """Promises to pay among a group's checked calls, beside the group's compliance score."""

    group: str  # team or agent id ('' for all calls)
    calls: int  # checked calls (clean or flagged)
    score: float | None  # their average compliance score
    promises: int  # calls with a promise
    kept: int
    broken: int

    @property
    def rate(self) -> float | None:
        """Share of the calls that ended with a promise."""
        return self.promises / self.calls if self.calls else None

    @property
    def kept_rate(self) -> float | None:
        """Share of the judged promises (kept or broken) that were kept."""
        judged = self.kept + self.broken
        return self.kept / judged if judged else None


TOP_PROMISE_GROUPS = 50


@dataclass(frozen=True)
class PromiseRates:
    overall: PromiseRate | None  # None: no checked calls
    by_team: list[PromiseRate]
    by_agent: list[PromiseRate]  # the TOP_PROMISE_GROUPS agents with the most calls


def promise_rates(session: Session, viewer: User | None) -> PromiseRates:
    """PTP rate and compliance score over the checked calls `viewer` may see: per team, per agent and
    over all, summed here from the per-agent tally the database keeps (migration 0012: a few hundred
    rows whatever the number of calls)."""
    t = CallTallyAgent
    rows = session.execute(
        select(t.team, t.agent_id, t.calls, t.score_sum, t.scored, t.promises, t.kept, t.broken).where(
            visible_calls(viewer, t.team), t.status.in_(("clean", "flagged")), t.calls > 0
        )
    )
    tally: dict[tuple[str, str], list[float]] = {}

    def add(team: str | None, agent: str | None, *figures: float | None) -> None:
        for key in (("team", team or UNGROUPED), ("agent", agent or "?"), ("all", "")):
            totals = tally.setdefault(key, [0.0] * 6)
            for k, value in enumerate(figures):
                totals[k] += value or 0

    for team, agent, *figures in rows:
        add(team, agent, *figures)
    rates = {
        key: PromiseRate(
            key[1], int(t[0]), round(t[1] / t[2], 1) if t[2] else None, int(t[3]), int(t[4]), int(t[5])
        )
        for key, t in tally.items()
    }

    def ranked(kind: str) -> list[PromiseRate]:
        return sorted((r for (k, _), r in rates.items() if k == kind), key=lambda r: (-r.calls, r.group))

    return PromiseRates(rates.get(("all", "")), ranked("team"), ranked("agent")[:TOP_PROMISE_GROUPS])


@dataclass(frozen=True)
class Dashboard:
    """The 总览 figures over the calls a viewer may see."""

    processed: int
    flagged: int
    failed: int
    pending: int
    by_category: list[tuple[str, int]]  # calls with a hit of the category
    by_team: list[tuple[str, int]]  # flagged calls
    by_agent: list[tuple[str, int]]  # flagged calls, the TOP_AGENTS most
    trend: list[tuple[str, int, int]]  # day, processed, flagged
    miss_rate: MissRate
    promises: PromiseRates

    @property
    def flagged_rate(self) -> float:
        return round(100 * self.flagged / self.processed, 1) if self.processed else 0.0


def dashboard(session: Session, viewer: User | None) -> Dashboard:
    """The 总览 figures, summed from the tallies the database keeps (migration 0012) and the sampled
    cases: no query reads every call or every hit."""
    per_day: dict[tuple[str, str], int] = {}  # (local day, status) → calls
    days = CallTallyDay
    for local_day, status, n in session.execute(
        select(days.local_date, days.status, func.sum(days.calls))
        .where(visible_calls(viewer, days.team))
        .group_by(days.local_date, days.status)
        .having(func.sum(days.calls) > 0)
    ):
        per_day[local_day or "?", status] = per_day.get((local_day or "?", status), 0) + int(n)
    by_status: dict[str, int] = {}
    trend: dict[str, list[int]] = {}
    for (local_day, status), n in per_day.items():
        by_status[status] = by_status.get(status, 0) + n
        if status in ("clean", "flagged"):
            figures = trend.setdefault(local_day, [0, 0])
            figures[0] += n
            figures[1] += n if status == "flagged" else 0
    categories, hit = CallTallyCategory, func.sum(CallTallyCategory.calls)
    by_category = session.execute(
        select(categories.category, hit)
        .where(visible_calls(viewer, categories.team))
        .group_by(categories.category)
        .having(hit > 0)
        .order_by(hit.desc(), categories.category)
    ).all()
    agents = CallTallyAgent
    flagged = and_(visible_calls(viewer, agents.team), agents.status == "flagged")
    tallied = func.sum(agents.calls)
    team = func.coalesce(func.nullif(agents.team, ""), UNGROUPED)
    by_team = session.execute(
        select(team, tallied).where(flagged).group_by(team).having(tallied > 0).order_by(tallied.desc(), team)
    ).all()
    agent = func.coalesce(func.nullif(agents.agent_id, ""), "?")
    by_agent = session.execute(
        select(agent, tallied)
        .where(flagged)
        .group_by(agent)
        .having(tallied > 0)
        .order_by(tallied.desc(), agent)
        .limit(TOP_AGENTS)
    ).all()
    return Dashboard(
        processed=by_status.get("clean", 0) + by_status.get("flagged", 0),
        flagged=by_status.get("flagged", 0),
        failed=by_status.get("failed", 0),
        pending=by_status.get("pending", 0) + by_status.get("processing", 0),
        by_category=[(c, int(k)) for c, k in by_category],
        by_team=[(t, int(k)) for t, k in by_team],
        by_agent=[(a, int(k)) for a, k in by_agent],
        trend=[(d, n, f) for d, (n, f) in sorted(trend.items())],
        miss_rate=estimate_miss_rate(session, viewer, by_status.get("clean", 0)),
        promises=promise_rates(session, viewer),
    )


# --- review cases --------------------------------------------------------------------------------


QUEUE_SORTS = ("priority", "severity", "score", "age")
DEFAULT_QUEUE_SORT = "priority"
SEVERITY_RANKS = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}  # low = 1 … critical = 4


@dataclass(frozen=True)
class CaseFilters:
    """Restrictions on review cases; None (or empty) means 'any'. `finished` False hides cases whose
    review is over (a verdict given: every state after open) unless `states` names states itself."""

    states: tuple[str, ...] = ()
    owner_id: int | None = None
    origin: str | None = None
    verdict: str | None = None
    appealed: bool | None = None  # True: cases with an appeal; False: cases without
    verdict_since: datetime | None = None  # the verdict (or the escalation decision after it) since then
    finished: bool = True

    def __post_init__(self) -> None:
        for state in self.states:
            if state not in CASE_STATES:
                raise InvalidInput(
                    f"未知的复核状态“{state}”，可选：{listed(NAMES_OF_REVIEW_STATES, CASE_STATES)}"
                )
        if self.origin is not None and self.origin not in CASE_ORIGINS:
            raise InvalidInput(f"未知的复核来源“{self.origin}”，可选：{listed(ORIGINS, CASE_ORIGINS)}")

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.states:
            out.append(ReviewCase.state.in_(self.states))
        elif not self.finished:
            out.append(ReviewCase.state.in_(ACTIVE_CASE_STATES))
        if self.owner_id is not None:
            out.append(ReviewCase.owner_id == self.owner_id)
        if self.origin:
            out.append(ReviewCase.origin == self.origin)
        if self.verdict:
            out.append(ReviewCase.verdict == self.verdict)
        if self.appealed is not None:
            has_appeal = ReviewCase.id.in_(select(Appeal.case_id))
            out.append(has_appeal if self.appealed else ~has_appeal)
        if self.verdict_since is not None:
            given = func.coalesce(ReviewCase.escalation_decided_at, ReviewCase.submitted_at)
            out.append(given >= self.verdict_since)
        return out


@dataclass(frozen=True)
class CaseRow:
    """A review case with figures of its call's current hits (those a recheck still finds): how
    many, the highest severity and the highest text-model confidence (None: no hit was scored)."""

    case: ReviewCase
    confidence: float | None
    hits: int = 0
    severity: str | None = None

    @property
    def score(self) -> int | None:
        """The score after review once there is a verdict, else the system's."""
        return self.case.score if self.case.score is not None else self.case.call.score


def _queue_order(sort: str) -> list:
    """The queue's order by `sort` (the figures kept on each case by migration 0015's triggers; its
    indexes serve priority and severity). Flagged cases before 抽检 ones: CASE_ORIGINS sort that way."""
    if sort not in QUEUE_SORTS:
        raise InvalidInput(f"未知的排序方式“{sort}”，可选：{listed(QUEUE_SORT_NAMES, QUEUE_SORTS)}")
    by_priority = [ReviewCase.origin.asc(), ReviewCase.top_confidence.desc().nulls_last()]
    orders: dict[str, list[Any]] = {
        "priority": [],
        "severity": [ReviewCase.top_severity.desc().nulls_last(), ReviewCase.hit_count.desc()],
        "score": [func.coalesce(ReviewCase.score, Call.score).asc().nulls_last()],
        "age": [ReviewCase.created_at.asc()],
    }
    return [*orders[sort], *by_priority, ReviewCase.id]


def _cases(viewer: User | None, filters: CaseFilters, sort: str) -> Select:
    return (
        select(ReviewCase)
        .join(Call, ReviewCase.call_pk == Call.id)
        .where(visible_calls(viewer, ReviewCase.team), *filters.clauses())
        .options(
            contains_eager(ReviewCase.call),
            joinedload(ReviewCase.owner),
            selectinload(ReviewCase.decisions),
            selectinload(ReviewCase.appeals).selectinload(Appeal.hits),
        )
        .order_by(*_queue_order(sort))
    )


def _case_rows(session: Session, query: Select) -> list[CaseRow]:
    names = {r: name for name, r in SEVERITY_RANKS.items()}
    return [
        CaseRow(c, c.top_confidence, c.hit_count, names.get(c.top_severity or 0))
        for c in session.scalars(query).unique()
    ]


def list_cases(
    session: Session,
    viewer: User | None,
    state: str | None = None,
    owner: User | None = None,
    origin: str | None = None,
    sort: str = DEFAULT_QUEUE_SORT,
) -> list[CaseRow]:
    """Every review case `viewer` may see, optionally of one state, owner or origin, finished ones
    included, in queue order (see `page_cases`)."""
    filters = CaseFilters(
        states=(state,) if state else (), owner_id=owner.id if owner else None, origin=origin
    )
    return _case_rows(session, _cases(viewer, filters, sort))


def page_cases(
    session: Session,
    viewer: User | None,
    filters: CaseFilters = CaseFilters(),
    sort: str = DEFAULT_QUEUE_SORT,
    limit: int = 50,
    offset: int = 0,
) -> Page[CaseRow]:
    """One page of the review queue (我的复核, `GET /api/cases`): the cases of the calls `viewer` may
    see that match `filters`, with the total matching. Orders (`sort`):
    - priority: flagged cases before 抽检 ones; within each, the call the text model is surest
      violates first (unscored calls after scored ones); then oldest first;
    - severity: the highest severity among the call's current hits first, then more hits first;
    - score: the lowest score first (after review: the reviewed score, else the system's);
    - age: the case waiting longest first.
    Ties fall back to the priority order, then the oldest case."""
    rows = _case_rows(session, _cases(viewer, filters, sort).limit(limit).offset(offset))
    count = select(func.count(ReviewCase.id)).where(
        visible_calls(viewer, ReviewCase.team), *filters.clauses()
    )
    return Page(session.scalar(count) or 0, limit, offset, rows)


def hits_of(session: Session, viewer: User | None, call_pks: Sequence[int]) -> dict[int, list[Violation]]:
    """The hits of these calls, those `viewer` may see, by call in time order (one query: for the
    queue pages that show a few cases' hits)."""
    query = (
        select(Violation)
        .join(Call, Call.id == Violation.call_pk)
        .where(visible_calls(viewer), Violation.call_pk.in_(call_pks))
        .order_by(Violation.call_pk, Violation.start_s, Violation.id)
    )
    out: dict[int, list[Violation]] = {pk: [] for pk in call_pks}
    for violation in session.scalars(query):
        out[violation.call_pk].append(violation)
    return out


# --- rule hits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViolationFilters:
    call: str | None = None  # call_id or '~<pk>'
    category: str | None = None
    rule_id: str | None = None
    severity: str | None = None
    agent: str | None = None
    team: str | None = None
    since: date | None = None
    until: date | None = None
    decision: str | None = None  # confirmed | false_positive | undecided

    def __post_init__(self) -> None:
        if self.decision is not None and self.decision not in DECISION_FILTERS:
            choices = listed(DECISIONS | {"undecided": "待判定"}, DECISION_FILTERS)
            raise InvalidInput(f"未知的判定“{self.decision}”，可选：{choices}")

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.call:
            out.append(call_by_ref(self.call))
        pairs = (
            (Violation.category, self.category),
            (Violation.rule_id, self.rule_id),
            (Violation.severity, self.severity),
            (Call.agent_id, self.agent),
            (Call.team, self.team),
        )
        out.extend(column == value for column, value in pairs if value)
        if self.since:
            out.append(Call.local_date >= self.since.isoformat())
        if self.until:
            out.append(Call.local_date <= self.until.isoformat())
        if self.decision == "undecided":
            out.append(ViolationDecision.id.is_(None))
        elif self.decision:
            out.append(ViolationDecision.decision == self.decision)
        return out


@dataclass(frozen=True)
class ViolationRow:
    violation: Violation
    call: Call
    decision: str | None


def _violations(viewer: User | None, filters: ViolationFilters) -> Select:
    return (
        select(Violation, Call, ViolationDecision.decision)
        .join(Call, Call.id == Violation.call_pk)
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id)
        .where(visible_calls(viewer), *filters.clauses())
    )


def page_violations(
    session: Session,
    viewer: User | None,
    filters: ViolationFilters = ViolationFilters(),
    limit: int = 100,
    offset: int = 0,
) -> Page[ViolationRow]:
    """Rule hits on visible calls, newest call first, each with its review decision."""
    query = _violations(viewer, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Call.started_at_utc.desc(), Call.id.desc(), Violation.start_s, Violation.id)
    rows = [ViolationRow(v, c, d) for v, c, d in session.execute(ordered.limit(limit).offset(offset))]
    return Page(total, limit, offset, rows)


def iter_violations(
    session: Session, viewer: User | None, filters: ViolationFilters = ViolationFilters(), batch: int = 1000
) -> Iterator[ViolationRow]:
    ordered = _violations(viewer, filters).order_by(Call.call_id, Violation.start_s, Violation.id)
    for v, c, d in session.execute(ordered.execution_options(yield_per=batch)):
        yield ViolationRow(v, c, d)


# --- promises to pay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseFilters:
    """Restrictions on promises; days are inclusive and name the promised day (due)."""

    status: str | None = None
    agent: str | None = None
    team: str | None = None
    due_since: date | None = None
    due_until: date | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in PROMISE_STATUSES:
            statuses = listed(PROMISE_STATUS_NAMES, PROMISE_STATUSES)
            raise InvalidInput(f"未知的兑现情况“{self.status}”，可选：{statuses}")

    def clauses(self) -> list[ColumnElement[bool]]:
        pairs = (
            (PaymentPromise.status, self.status),
            (Call.agent_id, self.agent),
            (PaymentPromise.team, self.team),
        )
        out: list[ColumnElement[bool]] = [column == value for column, value in pairs if value]
        if self.due_since:
            out.append(PaymentPromise.due_on >= self.due_since.isoformat())
        if self.due_until:
            out.append(PaymentPromise.due_on <= self.due_until.isoformat())
        return out

    def as_query(self) -> dict[str, str]:
        return {f.name: str(v) for f in fields(self) if (v := getattr(self, f.name)) not in (None, "")}


@dataclass(frozen=True)
class PromiseRow:
    promise: PaymentPromise
    call: Call


# the promises list's order, read from ix_promises_due_on_id (0012)
PROMISE_ORDER: list[ColumnElement] = [PaymentPromise.due_on.asc(), PaymentPromise.id.asc()]


def _matching(query: Select, viewer: User | None, filters: PromiseFilters, joined: bool = False) -> Select:
    """`query` over promises restricted to those `viewer` may see (by the promise's copy of its call's
    team, 0015) that match `filters`; joined to calls (unless `joined` already) only when a filter
    needs them (the agent)."""
    if filters.agent and not joined:
        query = query.join(Call, Call.id == PaymentPromise.call_pk)
    return query.where(visible_calls(viewer, PaymentPromise.team), *filters.clauses())


def page_promises(
    session: Session,
    viewer: User | None,
    filters: PromiseFilters = PromiseFilters(),
    limit: int = 50,
    offset: int = 0,
) -> Page[PromiseRow]:
    """Promises on the calls `viewer` may see, the soonest promised day first (then as found), with
    the total. The page's ids come from an index on (due_on, id) first ((team, due_on, id) for a team),
    as the call list's do."""
    total = session.scalar(_matching(select(func.count(PaymentPromise.id)), viewer, filters)) or 0
    ids = _page_ids(
        _matching(select(PaymentPromise.id), viewer, filters), PROMISE_ORDER, total, limit, offset
    )
    query = select(PaymentPromise, Call).join(Call, Call.id == PaymentPromise.call_pk)
    ordered = query.where(PaymentPromise.id.in_(ids)).order_by(*PROMISE_ORDER)
    return Page(total, limit, offset, [PromiseRow(p, c) for p, c in session.execute(ordered)])


def iter_promises(
    session: Session, viewer: User | None, filters: PromiseFilters = PromiseFilters(), batch: int = 500
) -> Iterator[PromiseRow]:
    """Every matching promise in the list's order (exports of any size)."""
    query = select(PaymentPromise, Call).join(Call, Call.id == PaymentPromise.call_pk)
    ordered = _matching(query, viewer, filters, joined=True).order_by(*PROMISE_ORDER)
    for p, c in session.execute(ordered.execution_options(yield_per=batch)):
        yield PromiseRow(p, c)
