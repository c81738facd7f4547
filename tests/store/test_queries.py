"""The query layer against a plain-Python reference: random workspaces, random filters, sorts and
pages, both for a viewer who sees everything and for a team lead."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callqa.errors import InvalidInput
from callqa.store.database import Database
from callqa.store.models import CASE_STATES, Call, ReviewCase, User, Violation
from callqa.store.queries import (
    CALL_SORTS,
    REVIEW_STATES,
    CallFilters,
    dashboard,
    iter_calls,
    page_calls,
)
from tests.conftest import new_call

pytestmark = pytest.mark.both_databases  # runs on SQLite and PostgreSQL

TEAMS, AGENTS, CATEGORIES = ("A", "B", None), ("a1", "a2", "a3", None), ("threat", "abuse", "contacts")
STATUSES = ("clean", "flagged", "failed", "pending")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """60 calls with random teams, agents, days, statuses, scores, hits and review cases."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('q') / 'db.sqlite'}", audit_key=b"k")
    rnd = random.Random(3)
    with db.session() as s:
        lead = User(username="lead", password_hash="x", role="team_lead", team="A", active=True,
                    created_at=datetime(2026, 1, 1), failed_logins=0)  # fmt: skip
        owner = User(username="insp", password_hash="x", role="inspector", active=True,
                     created_at=datetime(2026, 1, 1), failed_logins=0)  # fmt: skip
        s.add_all([lead, owner])
        s.flush()
        for k in range(60):
            day = date(2026, 3, 1) + timedelta(days=rnd.randrange(10))
            status = rnd.choice(STATUSES)
            call = new_call(
                f"c{k:02d}",
                team=rnd.choice(TEAMS),
                agent_id=rnd.choice(AGENTS),
                status=status,
                local_date=None if k % 13 == 0 else day.isoformat(),
                started_at_utc=None if k % 13 == 0 else datetime.combine(day, datetime.min.time()),
                score=None if status in ("failed", "pending") else rnd.choice((60, 80, 90, 100)),
                duration_s=rnd.choice((None, 30.0, 61.5, 120.0)),
            )
            if status == "flagged":
                call.violations = [
                    Violation(rule_id=f"R-{c}", rule_name=c, category=c, severity="major", deduction=10,
                              speaker="agent", start_s=1.0, end_s=2.0, text="x", explanation="x")
                    for c in rnd.sample(CATEGORIES, rnd.choice((1, 2)))
                ]  # fmt: skip
            s.add(call)
            s.flush()
            if status == "flagged" and rnd.random() < 0.7:
                state = rnd.choice(CASE_STATES)
                s.add(ReviewCase(call_pk=call.id, state=state, owner_id=None if state == "unassigned" else owner.id,
                                 created_at=datetime(2026, 3, 20)))  # fmt: skip
        s.expunge(lead)
    yield db, lead
    db.close()


def reference(db: Database, viewer: User | None, f: CallFilters) -> list[tuple[Call, str | None]]:
    """Every call with its case state, filtered in Python."""
    with db.session() as s:
        states = {c.call_pk: c.state for c in s.query(ReviewCase)}
        rows = [(c, states.get(c.id), {v.category for v in c.violations}) for c in s.query(Call)]
    out = []
    for c, state, cats in rows:
        if viewer is not None and c.team != viewer.team:
            continue
        day = c.local_date
        keep = (
            (f.status is None or c.status == f.status)
            and (f.agent is None or c.agent_id == f.agent)
            and (f.team is None or c.team == f.team)
            and (f.category is None or f.category in cats)
            and (f.since is None or (day is not None and day >= f.since.isoformat()))
            and (f.until is None or (day is not None and day <= f.until.isoformat()))
            and (f.min_score is None or (c.score is not None and c.score >= f.min_score))
            and (f.max_score is None or (c.score is not None and c.score <= f.max_score))
            and (f.review_state is None or (state or "none") == f.review_state)
        )
        if keep:
            out.append((c, state))
    return out


def _key(sort: str, call: Call) -> tuple:
    value = {"started_at": call.started_at_utc, "score": call.score, "call_id": call.call_id,
             "agent": call.agent_id, "duration": call.duration_s}[sort.lstrip("-")]  # fmt: skip
    return (value is not None, value if value is not None else 0, call.id)  # SQLite: NULL sorts first


filters = st.builds(
    CallFilters,
    status=st.none() | st.sampled_from(STATUSES),
    agent=st.none() | st.sampled_from([a for a in AGENTS if a]),
    team=st.none() | st.sampled_from(["A", "B"]),
    category=st.none() | st.sampled_from(CATEGORIES),
    since=st.none() | st.dates(date(2026, 2, 28), date(2026, 3, 11)),
    until=st.none() | st.dates(date(2026, 3, 1), date(2026, 3, 12)),
    min_score=st.none() | st.sampled_from((0, 70, 80, 95)),
    max_score=st.none() | st.sampled_from((60, 85, 100)),
    review_state=st.none() | st.sampled_from(REVIEW_STATES),
)
sorts = st.sampled_from([*CALL_SORTS, *(f"-{k}" for k in CALL_SORTS)])


@given(f=filters, sort=sorts, limit=st.integers(1, 25), offset=st.integers(0, 70), as_lead=st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_page_matches_reference(
    world, f: CallFilters, sort: str, limit: int, offset: int, as_lead: bool
) -> None:  # type: ignore[no-untyped-def]
    db, lead = world
    viewer = lead if as_lead else None
    expected = sorted(reference(db, viewer, f), key=lambda r: _key(sort, r[0]), reverse=sort.startswith("-"))
    with db.session() as s:
        page = page_calls(s, viewer, f, sort, limit, offset)
        streamed = [(r.call.call_id, r.review_state) for r in iter_calls(s, viewer, f, sort, batch=7)]
    assert page.total == len(expected)
    want = [(c.call_id, state) for c, state in expected]
    assert [(r.call.call_id, r.review_state) for r in page.rows] == want[offset : offset + limit]
    assert streamed == want


def test_dashboard_matches_reference(world) -> None:  # type: ignore[no-untyped-def]
    db, lead = world
    for viewer in (None, lead):
        rows = reference(db, viewer, CallFilters())
        calls = [c for c, _ in rows]
        with db.session() as s:
            figures = dashboard(s, viewer)
            categories = Counter(v.category for c in calls for v in s.get_one(Call, c.id).violations)
        statuses = Counter(c.status for c in calls)
        assert (figures.processed, figures.flagged, figures.failed, figures.pending) == (
            statuses["clean"] + statuses["flagged"],
            statuses["flagged"],
            statuses["failed"],
            statuses["pending"],
        )
        assert dict(figures.by_category) == dict(categories)  # each call has a category at most once
        assert dict(figures.by_team) == Counter(
            c.team or "（未分组）" for c in calls if c.status == "flagged"
        )
        trend = Counter((c.local_date or "?") for c in calls if c.status in ("clean", "flagged"))
        assert {d: n for d, n, _ in figures.trend} == trend
        assert figures.flagged_rate == (
            round(100 * figures.flagged / figures.processed, 1) if figures.processed else 0.0
        )


def test_bad_sort_and_filters_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    db, _ = world
    with db.session() as s, pytest.raises(InvalidInput, match="未知的排序方式“size”：可按开始时间、得分"):
        page_calls(s, None, CallFilters(), "size")
    with pytest.raises(InvalidInput, match="未知的处理状态“done”，可选：待处理、处理中"):
        CallFilters(status="done")
    with pytest.raises(InvalidInput, match="未知的复核状态“closed”，可选：无需复核、待认领"):
        CallFilters(review_state="closed")
