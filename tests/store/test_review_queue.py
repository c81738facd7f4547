"""The review queue's order and the 抽检 miss-rate estimate, in SQL, against plain-Python references
over a random workspace, for a viewer who sees everything and for a team lead."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from callqa.errors import InvalidInput
from callqa.proportion import wilson_interval
from callqa.store.database import Database
from callqa.store.models import CASE_STATES, Call, ReviewCase, User, Violation
from callqa.store.queries import dashboard, list_cases
from callqa.store.records import dashboard_record, miss_rate_record
from tests.conftest import new_call

T0 = datetime(2026, 1, 1)


def _user(name: str, role: str, team: str | None = None) -> User:
    return User(username=name, password_hash="x", role=role, team=team, active=True, created_at=T0,
                failed_logins=0)  # fmt: skip


def _hit(confidence: float | None, vanished: bool = False) -> Violation:
    return Violation(rule_id="R", rule_name="R", category="threat", severity="high", deduction=10,
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
                f"q{k:02d}", team=rnd.choice(("A", "B")), status="flagged" if flagged else "clean"
            )
            if flagged:
                scores = [rnd.choice((None, 0.2, 0.55, 0.93, 0.93)) for _ in range(rnd.choice((1, 2, 3)))]
                call.violations = [_hit(c, vanished=rnd.random() < 0.15) for c in scores]
            s.add(call)
            s.flush()
            if rnd.random() < 0.6:
                state = rnd.choice(CASE_STATES)
                verdict = None
                if not flagged and state not in ("unassigned", "open"):
                    verdict = rnd.choice(("clean", "clean", "clean", "confirmed"))
                s.add(ReviewCase(call_pk=call.id, state=state, origin="flagged" if flagged else "sample",
                                 owner_id=None if state == "unassigned" else insp.id, created_at=T0,
                                 verdict=verdict))  # fmt: skip
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


def test_queue_refuses_unknown_state_and_origin(world) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = world
    with db.session() as s:
        with pytest.raises(InvalidInput, match="origin"):
            list_cases(s, None, origin="random")
        with pytest.raises(InvalidInput, match="state"):
            list_cases(s, None, state="closed")


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
