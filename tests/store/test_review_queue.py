"""The review queue's order and the 抽检 miss-rate estimate, in SQL, against plain-Python references
over a random workspace, for a viewer who sees everything and for a team lead."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from callqa.errors import InvalidInput
from callqa.proportion import wilson_interval
from callqa.rules.model import SEVERITIES
from callqa.store.database import Database
from callqa.store.models import CASE_ORIGINS, CASE_STATES, Appeal, Call, ReviewCase, User, Violation
from callqa.store.queries import QUEUE_SORTS, CaseFilters, dashboard, list_cases, page_cases
from callqa.store.records import dashboard_record, miss_rate_record
from tests.conftest import new_call

pytestmark = pytest.mark.both_databases  # runs on SQLite and PostgreSQL

T0 = datetime(2026, 1, 1)


def _user(name: str, role: str, team: str | None = None) -> User:
    return User(username=name, password_hash="x", role=role, team=team, active=True, created_at=T0,
                failed_logins=0)  # fmt: skip


def _hit(confidence: float | None, vanished: bool = False, severity: str = "high") -> Violation:
    return Violation(rule_id="R", rule_name="R", category="threat", severity=severity, deduction=10,
                     speaker="agent", start_s=1.0, end_s=2.0, text="x", explanation="x",
                     confidence=confidence, vanished_at=T0 if vanished else None)  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """80 calls: flagged ones with scored, unscored and vanished hits, clean ones, about half of each
    with a case (sampled clean calls with verdicts clean/confirmed or none yet)."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('queue') / 'db.sqlite'}", audit_key=b"k")
    rnd = random.Random(7)
    with db.session() as s:
        lead, insp = _user("lead", "team_lead", "A"), _user("insp", "inspector")
        s.add_all([lead, insp])
        s.flush()
        for k in range(80):
            flagged = rnd.random() < 0.5
            call = new_call(
                f"q{k:02d}",
                team=rnd.choice(("A", "B")),
                status="flagged" if flagged else "clean",
                score=rnd.choice((None, 40, 60, 60, 80, 100)),
            )
            if flagged:
                scores = [rnd.choice((None, 0.2, 0.55, 0.93, 0.93)) for _ in range(rnd.choice((1, 2, 3)))]
                call.violations = [_hit(c, rnd.random() < 0.15, rnd.choice(SEVERITIES)) for c in scores]
            s.add(call)
            s.flush()
            if rnd.random() < 0.6:
                state = rnd.choice(CASE_STATES)
                verdict, given = None, None
                if state not in ("unassigned", "open"):
                    verdict = rnd.choice(("clean", "clean", "clean", "confirmed") if not flagged
                                         else ("confirmed", "all_false_positive"))  # fmt: skip
                    given = T0 + timedelta(days=rnd.randint(0, 6))
                case = ReviewCase(call_pk=call.id, state=state, origin="flagged" if flagged else "sample",
                                  owner_id=None if state == "unassigned" else insp.id,
                                  created_at=T0 + timedelta(minutes=rnd.randint(0, 30)), verdict=verdict,
                                  submitted_at=given, score=rnd.choice((None, 70, 90)) if verdict else None)  # fmt: skip
                s.add(case)
                if state in ("appealed", "final") and rnd.random() < 0.6:
                    s.flush()
                    s.add(Appeal(case_id=case.id, reason="r", filed_by=insp.id, filed_at=T0))
        s.expunge(lead)
        s.expunge(insp)
    yield db, lead, insp
    db.close()


def reference_queue(db: Database, viewer: User | None, **only: object) -> list[tuple[str, float | None]]:
    with db.session() as s:
        rows = []
        for case in s.query(ReviewCase):
            call = s.get_one(Call, case.call_pk)
            if viewer is not None and call.team != viewer.team:
                continue
            if any(getattr(case, k) != v for k, v in only.items()):
                continue
            scores = [v.confidence for v in call.violations if v.confidence is not None and not v.vanished_at]
            rows.append((case, call.call_id, max(scores) if scores else None))
    rows.sort(key=lambda r: (r[0].origin == "sample", r[2] is None, -(r[2] or 0.0), r[0].id))
    return [(call_id, top) for _, call_id, top in rows]


def test_queue_is_flagged_first_then_surest_first_unscored_last(world) -> None:  # type: ignore[no-untyped-def]
    db, lead, insp = world
    with db.session() as s:
        for viewer in (None, lead):
            got = [(r.case.call.call_id, r.confidence) for r in list_cases(s, viewer)]
            assert got == reference_queue(db, viewer)
        got = [(r.case.call.call_id, r.confidence) for r in list_cases(s, None, state="open", owner=insp)]
        assert got == reference_queue(db, None, state="open", owner_id=insp.id)
        samples = [(r.case.call.call_id, r.confidence) for r in list_cases(s, lead, origin="sample")]
        assert samples == reference_queue(db, lead, origin="sample") and samples
    # the order is not vacuous: scored and unscored flagged cases, and sample cases, are all there
    everything = reference_queue(db, None)
    assert {top is None for _, top in everything} == {True, False}


RANK = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}


def reference_page(db: Database, viewer: User | None, sort: str, filters: CaseFilters) -> list[tuple]:
    """The queue in plain Python: (call_id, current hits, top severity, shown score) in `sort` order."""
    with db.session() as s:
        rows = []
        for case in s.query(ReviewCase):
            call = s.get_one(Call, case.call_pk)
            if viewer is not None and call.team != viewer.team:
                continue
            if filters.states and case.state not in filters.states:
                continue
            if not filters.states and not filters.finished and case.state not in ("unassigned", "open"):
                continue
            if filters.origin and case.origin != filters.origin:
                continue
            if filters.verdict and case.verdict != filters.verdict:
                continue
            if filters.appealed is not None and bool(case.appeals) != filters.appealed:
                continue
            if filters.verdict_since and not (
                case.submitted_at and case.submitted_at >= filters.verdict_since
            ):
                continue
            current = [v for v in call.violations if v.vanished_at is None]
            scores = [v.confidence for v in current if v.confidence is not None]
            top = max(scores) if scores else None
            rank = max((RANK[v.severity] for v in current), default=None)
            shown = case.score if case.score is not None else call.score
            priority = (case.origin == "sample", top is None, -(top or 0.0))
            first = {
                "priority": (),
                "severity": (rank is None, -(rank or 0), -len(current)),
                "score": (shown is None, shown or 0),
                "age": (case.created_at,),
            }[sort]
            key = (*first, *priority, case.id)
            severity = SEVERITIES[rank - 1] if rank else None
            rows.append((key, (call.call_id, len(current), severity, shown)))
    return [row for _, row in sorted(rows)]


@pytest.mark.parametrize("sort", QUEUE_SORTS)
def test_every_queue_order_and_filter_matches_plain_python(world, sort: str) -> None:  # type: ignore[no-untyped-def]
    db, lead, _ = world
    cases = (
        CaseFilters(),
        CaseFilters(finished=False),
        CaseFilters(
            states=("submitted", "decided"), verdict="confirmed", verdict_since=T0 + timedelta(days=3)
        ),
        CaseFilters(appealed=True),
        CaseFilters(appealed=False, origin="flagged"),
    )
    with db.session() as s:
        for viewer in (None, lead):
            for filters in cases:
                want = reference_page(db, viewer, sort, filters)
                page = page_cases(s, viewer, filters, sort, limit=500)
                got = [(r.case.call.call_id, r.hits, r.severity, r.score) for r in page.rows]
                assert got == want and page.total == len(want), (viewer, filters)
    assert len(reference_page(db, None, sort, CaseFilters(appealed=True))) > 3  # the filters are not vacuous


def test_pages_split_the_queue_without_gaps(world) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = world
    with db.session() as s:
        whole = [r.case.id for r in page_cases(s, None, CaseFilters(), "severity", limit=500).rows]
        pages = [
            page_cases(s, None, CaseFilters(), "severity", limit=7, offset=k) for k in range(0, len(whole), 7)
        ]
    assert [r.case.id for p in pages for r in p.rows] == whole
    assert {p.total for p in pages} == {len(whole)} and len(whole) > 20


def test_queue_refuses_unknown_state_and_origin(world) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = world
    with db.session() as s:
        with pytest.raises(InvalidInput, match="复核来源"):
            list_cases(s, None, origin="random")
        with pytest.raises(InvalidInput, match="复核状态"):
            list_cases(s, None, state="closed")
        with pytest.raises(InvalidInput, match="排序方式"):
            page_cases(s, None, CaseFilters(), "newest")


def test_miss_rate_counts_reviewed_sample_cases_the_viewer_may_see(world) -> None:  # type: ignore[no-untyped-def]
    db, lead, _ = world
    for viewer in (None, lead):
        with db.session() as s:
            cases = [(c, s.get_one(Call, c.call_pk)) for c in s.query(ReviewCase)]
            seen = [(c, call) for c, call in cases if viewer is None or call.team == viewer.team]
            reviewed = [c for c, _ in seen if c.origin == "sample" and c.verdict is not None]
            missed = sum(c.verdict == "confirmed" for c in reviewed)
            clean = sum(
                call.status == "clean" for call in s.query(Call) if viewer is None or call.team == "A"
            )
            m = dashboard(s, viewer).miss_rate
        assert (m.reviewed, m.missed, m.clean_calls) == (len(reviewed), missed, clean)
        assert m.reviewed > m.missed > 0
        assert m.rate == pytest.approx(missed / len(reviewed))
        low, high = wilson_interval(missed, len(reviewed))
        assert m.interval == (low, high)
        assert m.missed_calls == pytest.approx((m.rate * clean, low * clean, high * clean))


def test_miss_rate_is_explained_in_chinese_and_says_when_there_is_no_sample(world) -> None:  # type: ignore[no-untyped-def]
    db, lead, _ = world
    with db.session() as s:
        record = dashboard_record(dashboard(s, lead))["miss_rate"]
        nobody = _user("ghost", "team_lead", "nowhere")
        empty = miss_rate_record(dashboard(s, nobody).miss_rate)
    n, k = record["reviewed"], record["missed"]
    assert record["summary"].startswith(f"抽检 {n} 通，发现漏检 {k} 通，估计漏检率 ")
    assert f"{100 * record['low']:.1f}%–{100 * record['high']:.1f}%" in record["summary"]
    assert "95% 置信区间" in record["summary"]
    assert empty["reviewed"] == 0 and empty["rate"] is None and empty["summary"].startswith("样本不足")


def test_the_stored_case_figures_follow_every_change_of_the_hits(db_url: str) -> None:
    """Migration 0015's triggers: a hit written before or after its case, rescored, vanished, deleted,
    and the call's case figures (count, highest severity, highest confidence) stay its current hits'."""
    db = Database(db_url, audit_key=b"k")

    def figures() -> tuple[int, int | None, float | None]:
        with db.session() as s:
            case = s.query(ReviewCase).one()
            return case.hit_count, case.top_severity, case.top_confidence

    with db.session() as s:
        call = new_call("f01", status="flagged", team="A")
        call.violations = [_hit(0.4, severity="medium")]
        s.add(call)
        s.flush()
        s.add(ReviewCase(call_pk=call.id, state="unassigned", origin="flagged", created_at=T0))
    assert figures() == (1, RANK["medium"], 0.4)
    with db.session() as s:
        call = s.query(Call).one()
        call.violations.append(_hit(0.9, severity="critical"))
        call.violations.append(_hit(None, severity="low"))
    assert figures() == (3, RANK["critical"], 0.9)
    with db.session() as s:
        top = s.query(Violation).filter_by(severity="critical").one()
        top.vanished_at = T0  # a recheck no longer finds it
    assert figures() == (2, RANK["medium"], 0.4)
    with db.session() as s:
        s.query(Violation).filter_by(severity="medium").one().confidence = 0.7
    assert figures() == (2, RANK["medium"], 0.7)
    with db.session() as s:
        for hit in s.query(Violation).filter(Violation.vanished_at.is_(None)):
            s.delete(hit)
    assert figures() == (0, None, None)
    with db.session() as s:
        assert s.query(ReviewCase).one().team == "A"  # the call's team, copied when the case opened
        s.query(Call).one().team = "B"
    with db.session() as s:
        assert s.query(ReviewCase).one().team == "B"  # and when the call's team changes
    assert sorted(CASE_ORIGINS) == list(CASE_ORIGINS)  # the queue orders flagged before sample by name
    db.close()
