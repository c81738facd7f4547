"""The call tallies (migration 0014) stay equal to counting the calls themselves through every change
a workspace sees, and the query layer's counts and 总览 read from them give the figures counting would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from callqa.store.database import Database
from callqa.store.models import Call, PaymentPromise, ReviewCase, User, Violation, db_now
from callqa.store.queries import (
    CallFilters,
    PromiseFilters,
    count_calls,
    dashboard,
    page_calls,
    page_promises,
    promise_rates,
)
from tests.conftest import TEST_AUDIT_KEY, new_call

pytestmark = pytest.mark.both_databases  # the triggers are SQL of each dialect: run on both


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, audit_key=TEST_AUDIT_KEY)
    yield database
    database.close()


def counted(s: Session) -> tuple[dict, dict]:
    """The tallies as counting the calls and promises gives them (zero rows left out)."""
    days = s.execute(text(
        "SELECT COALESCE(local_date, ''), COALESCE(team, ''), status, count(*) FROM calls GROUP BY 1, 2, 3"
    )).all()  # fmt: skip
    agents = s.execute(text(
        "SELECT COALESCE(calls.team, ''), COALESCE(agent_id, ''), calls.status, count(*), COALESCE(sum(score), 0),"
        " count(score), count(promises.id), count(CASE WHEN promises.status = 'kept' THEN 1 END),"
        " count(CASE WHEN promises.status = 'broken' THEN 1 END)"
        " FROM calls LEFT JOIN promises ON promises.call_pk = calls.id GROUP BY 1, 2, 3"
    )).all()  # fmt: skip
    categories = s.execute(text(
        "SELECT COALESCE(team, ''), category, count(DISTINCT calls.id)"
        " FROM violations JOIN calls ON calls.id = violations.call_pk GROUP BY 1, 2"
    )).all()  # fmt: skip
    return (
        {tuple(r[:3]): r[3] for r in days},
        {tuple(r[:3]): tuple(r[3:]) for r in agents},
        {tuple(r[:2]): r[2] for r in categories},
    )


def tallied(s: Session) -> tuple[dict, dict]:
    days = s.execute(text("SELECT local_date, team, status, calls FROM call_tally_days WHERE calls != 0"))
    agents = s.execute(text(
        "SELECT team, agent_id, status, calls, score_sum, scored, promises, kept, broken"
        " FROM call_tally_agents WHERE calls != 0 OR promises != 0"
    ))  # fmt: skip
    categories = s.execute(text("SELECT team, category, calls FROM call_tally_categories WHERE calls != 0"))
    return (
        {tuple(r[:3]): r[3] for r in days},
        {tuple(r[:3]): tuple(r[3:]) for r in agents},
        {tuple(r[:2]): r[2] for r in categories},
    )


def hit(category: str) -> Violation:
    return Violation(rule_id=f"R-{category}", rule_name=category, category=category, severity="high",
                     deduction=10, speaker="agent", start_s=0.0, end_s=1.0, text="x", explanation="x")  # fmt: skip


def check(db: Database) -> None:
    with db.session() as s:
        assert tallied(s) == counted(s)


def promise(status: str = "pending") -> PaymentPromise:
    return PaymentPromise(due_on="2026-03-20", text="下周还", start_s=1.0, speaker="customer",
                          status=status, found_at=db_now())  # fmt: skip


def test_tallies_follow_every_change_of_calls_and_promises(db: Database) -> None:
    with db.session() as s:
        for k in range(12):
            call = new_call(f"c{k:02d}", status=("clean", "flagged", "pending")[k % 3],
                            team=None if k == 5 else f"T{k % 2}", agent_id=None if k == 7 else f"A{k % 4}",
                            local_date=None if k == 9 else f"2026-03-{10 + k % 3:02d}",
                            score=None if k % 3 == 2 else 100 - 10 * (k % 3))  # fmt: skip
            if k % 3 != 2 and k % 2 == 0:
                call.promise = promise("kept" if k % 4 == 0 else "pending")
            if k % 3 == 1:  # two hits of one category in one statement, and another category
                call.violations = [hit("threat"), hit("threat"), hit("abuse" if k % 2 else "fee")]
            s.add(call)
    check(db)
    with db.session() as s:  # a recheck drops hits: one of two of a category, then the other
        c4 = s.scalar(select(Call).where(Call.call_id == "c04"))
        assert c4 is not None
        c4.violations = c4.violations[1:]
        s.flush()
        assert tallied(s) == counted(s)
        c4.violations = [v for v in c4.violations if v.category != "threat"] + [hit("privacy")]
    check(db)
    with db.session() as s:  # processing: status and score change; a team is corrected
        s.execute(update(Call).where(Call.status == "pending").values(status="processing"))
        s.execute(update(Call).where(Call.call_id == "c02").values(status="flagged", score=70))
        s.execute(update(Call).where(Call.call_id == "c01").values(team="T9", agent_id=None))
        s.execute(update(Call).where(Call.call_id == "c07").values(team=None))
        s.execute(update(Call).where(Call.call_id == "c00").values(extra={"x": 1}))  # no key changes
    check(db)
    with db.session() as s:  # promises found, judged, replaced and dropped (as a recheck does)
        s.execute(update(PaymentPromise).where(PaymentPromise.status == "pending").values(status="broken"))
        c2 = s.scalar(select(Call).where(Call.call_id == "c02"))
        assert c2 is not None
        c2.promise = promise("kept")
        s.flush()
        c0 = s.scalar(select(Call).where(Call.call_id == "c00"))
        assert c0 is not None
        c0.promise = None
    check(db)
    with db.session() as s:  # a call with its promise deleted (the cascade), and one without
        s.execute(delete(Call).where(Call.call_id.in_(["c02", "c03", "c10"])))
    check(db)
    with db.session() as s:
        assert (
            s.scalar(text("SELECT count(*) FROM promises WHERE call_pk NOT IN (SELECT id FROM calls)")) == 0
        )


FILTERS = [
    CallFilters(),
    CallFilters(status="clean"),
    CallFilters(team="T1"),
    CallFilters(since=date(2026, 3, 11)),
    CallFilters(until=date(2026, 3, 11)),
    CallFilters(status="flagged", team="T0", since=date(2026, 3, 10), until=date(2026, 3, 11)),
    CallFilters(agent="A2"),
    CallFilters(agent="A2", status="clean", team="T0"),
    CallFilters(agent="A1", since=date(2026, 3, 11)),  # not tallied: counted
    CallFilters(min_score=95),  # not tallied: counted
    CallFilters(category="threat"),
    CallFilters(category="abuse", team="T1"),
    CallFilters(category="threat", status="flagged"),  # not tallied: counted
    CallFilters(review_state="none"),  # all calls less those with a case
    CallFilters(review_state="none", team="T0", status="flagged"),
]


def test_counts_and_dashboard_from_the_tallies_match_counting_the_calls(db: Database) -> None:
    with db.session() as s:
        for k in range(30):
            status = ("clean", "flagged", "failed", "clean", "pending")[k % 5]
            call = new_call(f"c{k:02d}", status=status, team=None if k == 4 else f"T{k % 3}",
                            agent_id=f"A{k % 5}", local_date=None if k == 8 else f"2026-03-{10 + k % 4:02d}",
                            score=None if status in ("failed", "pending") else 100 - 5 * (k % 4))  # fmt: skip
            if status in ("clean", "flagged") and k % 3 == 0:
                call.promise = promise(("kept", "broken", "pending")[k % 9 // 3])
            if status == "flagged":
                call.violations = [hit("threat"), hit("abuse" if k % 2 else "threat")]
            s.add(call)
            if status == "flagged" and k % 2:
                s.flush()
                s.add(ReviewCase(call_pk=call.id, state="unassigned", created_at=db_now()))
        s.add(User(username="lead", password_hash="x", role="team_lead", team="T1", active=True,
                   created_at=db_now(), failed_logins=0))  # fmt: skip
    with db.session() as s:
        lead = s.scalar(select(User).where(User.username == "lead"))
        for viewer in (None, lead):
            visible = select(Call).where(Call.team == "T1") if viewer else select(Call)
            calls = list(s.scalars(visible))
            for f in FILTERS:
                cased = set(s.scalars(select(ReviewCase.call_pk)))
                expected = [c for c in calls if all(f"{k}={v}" in _facts(c) for k, v in _equal(f))
                            and _in_days(c, f) and (f.min_score is None or (c.score or -1) >= f.min_score)
                            and (f.category is None or any(v.category == f.category for v in c.violations))
                            and (f.review_state is None or c.id not in cased)]  # fmt: skip
                assert count_calls(s, viewer, f) == len(expected), (f, viewer)
            figures = dashboard(s, viewer)
            checked = [c for c in calls if c.status in ("clean", "flagged")]
            assert figures.processed == len(checked)
            assert figures.pending == sum(c.status == "pending" for c in calls)
            assert sum(n for _, n in figures.by_team) == sum(c.status == "flagged" for c in calls)
            assert dict(figures.by_team).get("（未分组）", 0) == sum(c.team is None and c.status == "flagged"
                                                                    for c in calls)  # fmt: skip
            hits = {
                c: sum(any(v.category == c for v in call.violations) for call in calls)
                for c in ("threat", "abuse")
            }
            assert dict(figures.by_category) == {c: n for c, n in hits.items() if n}
            trend = {d: (n, f) for d, n, f in figures.trend}
            assert trend.get("?", (0, 0))[0] == sum(c.local_date is None for c in checked)
            rates = promise_rates(s, viewer).overall
            assert rates is not None
            with_promise = [c for c in checked if c.promise]
            assert (rates.calls, rates.promises) == (len(checked), len(with_promise))
            assert rates.kept == sum(c.promise.status == "kept" for c in with_promise if c.promise)
            scores = [c.score for c in checked if c.score is not None]
            assert rates.score == round(sum(scores) / len(scores), 1)


def _equal(f: CallFilters) -> list[tuple[str, str]]:
    return [(k, v) for k, v in (("status", f.status), ("team", f.team), ("agent", f.agent)) if v]


def _facts(c: Call) -> set[str]:
    return {f"status={c.status}", f"team={c.team}", f"agent={c.agent_id}"}


def _in_days(c: Call, f: CallFilters) -> bool:
    if f.since is None and f.until is None:
        return True
    day = c.local_date
    return (
        day is not None
        and (f.since is None or day >= f.since.isoformat())
        and (f.until is None or day <= f.until.isoformat())
    )


@pytest.mark.parametrize("sort", ["started_at", "-score", "agent", "-duration", "call_id"])
def test_every_page_of_every_sort_is_the_slice_of_the_whole_order(db: Database, sort: str) -> None:
    """Pages past the middle are read in the reversed order from the end: the same rows as slicing."""
    with db.session() as s:
        for k in range(23):
            s.add(new_call(f"c{k:02d}", agent_id=None if k % 7 == 0 else f"A{k % 3}", score=None if k % 5 == 0
                           else 60 + k % 4 * 10, duration_s=float(k % 6), local_date="2026-03-10"))  # fmt: skip
    with db.session() as s:
        whole = [r.call.call_id for r in page_calls(s, None, sort=sort, limit=100).rows]
        assert len(whole) == 23
        for offset in range(0, 26, 4):
            page = page_calls(s, None, sort=sort, limit=4, offset=offset)
            assert [r.call.call_id for r in page.rows] == whole[offset : offset + 4], offset
            assert page.total == 23


def test_every_page_of_promises_is_the_slice_of_the_whole_order(db: Database) -> None:
    with db.session() as s:
        for k in range(13):
            call = new_call(f"c{k:02d}", local_date="2026-03-10")
            call.promise = promise()
            call.promise.due_on = f"2026-03-{20 + k % 3}"
            s.add(call)
    with db.session() as s:
        whole = page_promises(s, None, limit=100).rows
        assert [(r.promise.due_on, r.promise.id) for r in whole] == sorted((r.promise.due_on, r.promise.id)
                                                                           for r in whole)  # fmt: skip
        for offset in range(0, 15, 3):
            page = page_promises(s, None, limit=3, offset=offset)
            assert [r.promise.id for r in page.rows] == [r.promise.id for r in whole[offset : offset + 3]]
            assert page.total == 13


def test_a_promise_keeps_its_calls_team_and_a_team_lead_sees_their_teams(db: Database) -> None:
    """Migration 0015's copy of the call's team on each promise: set when the promise is found,
    changed with the call's; the list, its count and its team filter read it."""
    with db.session() as s:
        for k, team in enumerate(("A", "A", "B", None)):
            call = new_call(f"t{k}", team=team)
            call.promise = promise("broken" if k == 1 else "pending")
            s.add(call)
        s.add(User(username="lead_a", password_hash="x", role="team_lead", team="A", active=True,
                   created_at=db_now(), failed_logins=0))  # fmt: skip
    with db.session() as s:
        assert {p.call.call_id: p.team for p in s.scalars(select(PaymentPromise))} == {
            "t0": "A", "t1": "A", "t2": "B", "t3": None
        }  # fmt: skip
        lead = s.scalars(select(User).where(User.username == "lead_a")).one()
        seen = page_promises(s, lead)
        assert sorted(r.call.call_id for r in seen.rows) == ["t0", "t1"] and seen.total == 2
        broken = page_promises(s, lead, PromiseFilters(status="broken"))
        assert [r.call.call_id for r in broken.rows] == ["t1"] and broken.total == 1
        s.execute(update(Call).where(Call.call_id == "t2").values(team="A"))
    with db.session() as s:
        lead = s.scalars(select(User).where(User.username == "lead_a")).one()
        assert page_promises(s, lead).total == 3
        assert page_promises(s, None, PromiseFilters(team="B")).total == 0


def test_0014_backfills_the_tallies_from_existing_calls_and_downgrades(tmp_path: Path) -> None:
    from callqa.store.database import make_engine, migrate
    from tests.conftest import migrate_to

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0013_pg_search")
        for k, (status, team) in enumerate([("clean", "'T1'"), ("flagged", "NULL"), ("flagged", "'T1'")], 1):
            conn.execute(text(
                "INSERT INTO calls (id, call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
                " channels, extra, status, attempts, ingested_at, team, agent_id, local_date, score) VALUES"
                f" ({k}, 'c{k}', 'a.wav', 'a.wav', 'x{k}', 'a.wav', 1, '', '{{}}', '{status}', 1,"
                f" '2026-11-26 00:00:00', {team}, 'A1', '2026-11-26', {100 - 10 * k})"
            ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO promises (call_pk, due_on, text, start_s, speaker, status, found_at)"
            " VALUES (1, '2026-12-01', 'x', 1, 'customer', 'kept', '2026-11-26')"
        ))  # fmt: skip
        for call_pk, category in [(2, "threat"), (2, "threat"), (3, "threat"), (3, "abuse")]:
            conn.execute(text(
                "INSERT INTO violations (call_pk, rule_id, rule_name, category, severity, deduction, speaker,"
                f" start_s, end_s, text, explanation) VALUES ({call_pk}, 'r', 'r', '{category}', 'high', 10,"
                " 'agent', 0, 1, 't', 'e')"
            ))  # fmt: skip
    migrate(engine)
    with Session(engine) as s:
        assert tallied(s) == counted(s)
        assert tallied(s)[2] == {("", "threat"): 1, ("T1", "threat"): 1, ("T1", "abuse"): 1}
    with engine.begin() as conn:
        migrate_to(conn, "0013_pg_search", down=True)
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert not {n for n in names if "tally" in n} and "ix_calls_score" in names
    engine.dispose()
