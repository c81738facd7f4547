"""抽检: which clean calls are drawn (deterministic, idempotent, monotone in the rate), their cases,
recording a missed violation, and what a sampled case goes through next."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select

from callqa.errors import InvalidInput, PermissionDenied, TransitionError
from callqa.review import audit, workflow
from callqa.review.cases import case_dict
from callqa.review.sampling import draw_point, is_drawn
from callqa.store.database import Database
from callqa.store.models import Call, ReviewCase, Violation, ViolationDecision
from tests.conftest import new_call

from .conftest import AddCall, People


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def add_clean(db: Database, call_id: str, *, team: str = "A", day: str = "2026-03-10", n: int = 0) -> Call:
    with db.session() as s:
        call = new_call(call_id, team=team, local_date=day, content_sha256=sha(n), duration_s=60.0)
        s.add(call)
        return call


def case_of(db: Database, call_id: str) -> dict | None:
    with db.session() as s:
        case = s.scalar(
            select(ReviewCase).join(Call, Call.id == ReviewCase.call_pk).where(Call.call_id == call_id)
        )
        return case_dict(case) if case else None


def drawn_numbers(rate: float, total: int) -> list[int]:
    return [n for n in range(total) if draw_point(sha(n)) < rate]


# --- the draw ------------------------------------------------------------------------------------------


def test_draw_is_fixed_per_recording_uniform_and_monotone_in_the_rate() -> None:
    points = [draw_point(sha(n)) for n in range(20_000)]
    assert points == [draw_point(sha(n)) for n in range(20_000)]  # the same every time
    assert all(0.0 <= p < 1.0 for p in points)
    share = sum(p < 0.02 for p in points) / len(points)
    assert 0.017 < share < 0.023  # about the rate
    assert set(drawn_numbers(0.02, 2000)) <= set(drawn_numbers(0.05, 2000))  # raising the rate only adds
    call = new_call("x", content_sha256=sha(1))
    assert not is_drawn(call, 0.0) and is_drawn(call, 1.0)


def test_the_hook_opens_one_sample_case_for_a_drawn_clean_call(people: People, db: Database) -> None:
    n_in = drawn_numbers(0.3, 50)[0]
    n_out = next(n for n in range(50) if n not in drawn_numbers(0.3, 50))
    add_clean(db, "in", n=n_in)
    add_clean(db, "out", n=n_out)
    with db.session() as s:
        first = workflow.on_call_processed(s, s.scalar(select(Call).where(Call.call_id == "in")), 0.3)
        assert first is not None and first.origin == "sample" and first.state == "open"
        again = workflow.on_call_processed(s, s.scalar(select(Call).where(Call.call_id == "in")), 0.3)
        assert again is not None and again.id == first.id  # re-processing never draws twice
        assert workflow.on_call_processed(s, s.scalar(select(Call).where(Call.call_id == "out")), 0.3) is None
        assert (
            workflow.on_call_processed(s, s.scalar(select(Call).where(Call.call_id == "in")), 0.0) is not None
        )
    case = case_of(db, "in")
    assert case is not None and case["owner"] == "insp1" and case["origin"] == "sample"
    with db.session() as s:
        assert [r["action"] for r in audit.export_rows(s)][-1] == "case.sample"
        assert len(s.scalars(select(ReviewCase)).all()) == 1


def test_sampling_the_backlog_is_idempotent_and_respects_since(
    people: People, add_call: AddCall, db: Database
) -> None:
    for n in range(300):
        add_clean(db, f"k{n}", n=n, day="2026-03-01" if n % 2 else "2026-03-20")
    add_call("flagged1")  # a flagged call is never sampled (it has its own case)
    expected_late = [n for n in drawn_numbers(0.1, 300) if n % 2 == 0]
    with db.session() as s:
        assert workflow.sample_clean_calls(s, 0.1, since=date(2026, 3, 15)) == len(expected_late) > 0
    with db.session() as s:
        assert workflow.sample_clean_calls(s, 0.1) == len(drawn_numbers(0.1, 300)) - len(expected_late)
    with db.session() as s:
        assert workflow.sample_clean_calls(s, 0.1) == 0  # nothing drawn twice
        assert workflow.sample_clean_calls(s, 0.05) == 0  # a lower rate draws a subset: nothing new
        more = workflow.sample_clean_calls(s, 0.2)
    assert more == len(drawn_numbers(0.2, 300)) - len(drawn_numbers(0.1, 300))
    with db.session() as s:
        samples = s.scalars(select(ReviewCase).where(ReviewCase.origin == "sample")).all()
        assert len(samples) == len(drawn_numbers(0.2, 300))
        owners = {c.owner_id for c in samples}
        assert owners == {people.insp1.id, people.insp2.id} and all(c.state == "open" for c in samples)
        drawn_ids = {s.get_one(Call, c.call_pk).call_id for c in samples}
    assert drawn_ids == {f"k{n}" for n in drawn_numbers(0.2, 300)}


# --- reviewing a sampled call ----------------------------------------------------------------------------


@pytest.fixture
def sampled(people: People, db: Database) -> str:
    """A clean call of team A drawn for 抽检, owned by insp1."""
    add_clean(db, "s1")
    with db.session() as s:
        workflow.assign_round_robin(s, s.scalar(select(Call).where(Call.call_id == "s1")), "sample")
    assert case_of(db, "s1")["owner"] == "insp1"  # type: ignore[index]
    return "s1"


def missed(run, actor, call_id: str = "s1", **overrides):  # type: ignore[no-untyped-def]
    fields = {"category": "threat", "speaker": "agent", "text": "不还钱就让你好看", "start_s": 12.0,
              "end_s": 15.5, "explanation": "规则未覆盖的威胁说法"} | overrides  # fmt: skip
    return run(workflow.record_missed_violation, actor, call_id, **fields)


def test_nothing_found_gives_verdict_clean(people: People, sampled: str, run, db: Database) -> None:
    run(workflow.submit_verdict, people.insp1, sampled)
    case = case_of(db, sampled)
    assert case is not None and (case["state"], case["verdict"]) == ("submitted", "clean")
    with pytest.raises(TransitionError, match="only a verdict with a confirmed violation"):
        run(workflow.appeal, people.lead_a, sampled, "nothing to appeal")
    with pytest.raises(TransitionError, match="nothing to escalate"):
        run(workflow.escalate, people.insp1, sampled, "warn")
    run(workflow.final_judgement, people.sup, sampled, "ok")
    assert case_of(db, sampled)["state"] == "final"  # type: ignore[index]


def test_a_missed_violation_is_stored_confirmed_and_audited(
    people: People, sampled: str, run, db: Database
) -> None:
    row = missed(run, people.insp1)
    with db.session() as s:
        v = s.get_one(Violation, row.violation_id)
        call = s.get_one(Call, v.call_pk)
        decision = s.scalar(select(ViolationDecision).where(ViolationDecision.violation_id == v.id))
        stored = (v.source, v.rule_id, v.category, v.speaker, v.start_s, v.end_s, v.text, v.confidence)
        assert stored == ("inspector", "manual", "threat", "agent", 12.0, 15.5, "不还钱就让你好看", None)
        assert v.explanation == "质检员补录：规则未覆盖的威胁说法"
        assert (decision.decision, decision.decided_by) == ("confirmed", people.insp1.id)
        assert (call.status, call.score) == ("clean", None)  # what the system found stays measurable
        last = audit.export_rows(s)[-1]
        assert (last["action"], last["entity_id"]) == ("violation.add_missed", str(v.id))
        assert audit.verify(s) == []
    run(workflow.submit_verdict, people.insp1, sampled)
    assert case_of(db, sampled)["verdict"] == "confirmed"  # type: ignore[index]


def test_a_sampled_case_with_a_miss_goes_on_like_a_confirmed_flagged_one(
    people: People, sampled: str, run, db: Database
) -> None:
    missed(run, people.insp1)
    run(workflow.submit_verdict, people.insp1, sampled)
    run(workflow.escalate, people.insp1, sampled, "警告坐席并复训")
    run(workflow.decide_escalation, people.sup, sampled, False)  # rejected: the verdict stays open to appeal
    run(workflow.appeal, people.lead_a, sampled, "客户先威胁")
    run(workflow.decide_appeal, people.sup, sampled, "overturn", "语境不同")
    case = case_of(db, sampled)
    assert case is not None
    assert (case["state"], case["final_outcome"], case["verdict"]) == ("final", "overturned", "clean")
    assert set(case["decisions"].values()) == {"false_positive"}


def test_owner_may_retract_a_recorded_miss_before_submitting(
    people: People, sampled: str, run, db: Database
) -> None:
    row = missed(run, people.insp1, start_s=None, end_s=None)
    run(workflow.decide_violation, people.insp1, row.violation_id, "false_positive", "听错了")
    run(workflow.submit_verdict, people.insp1, sampled)
    assert case_of(db, sampled)["verdict"] == "clean"  # type: ignore[index]
    with db.session() as s:
        v = s.get_one(Violation, row.violation_id)
        assert (v.start_s, v.end_s, v.explanation) == (0.0, 0.0, "质检员补录：规则未覆盖的威胁说法")


def test_who_may_record_a_miss_and_when(
    people: People, sampled: str, add_call: AddCall, run, db: Database
) -> None:
    for outsider in (people.insp2, people.sup):  # not the owner (a supervisor reassigns to take it)
        with pytest.raises(PermissionDenied, match="owned by insp1"):
            missed(run, outsider)
    for role in (people.lead_a, people.admin):
        with pytest.raises(PermissionDenied):
            missed(run, role)
    run(workflow.reassign, people.sup, sampled, "sup")
    missed(run, people.sup)  # the supervisor now owns it
    with pytest.raises(PermissionDenied, match="another supervisor"):
        run(workflow.final_judgement, people.sup, sampled)  # four eyes still hold after submitting
    add_call("f1")  # a flagged case: misses are recorded on sampled cases only
    owner = people.insp1 if case_of(db, "f1")["owner"] == "insp1" else people.insp2  # type: ignore[index]
    with pytest.raises(TransitionError, match="抽检"):
        missed(run, owner, "f1")
    run(workflow.submit_verdict, people.sup, sampled)
    with pytest.raises(TransitionError, match="before the verdict"):
        missed(run, people.sup)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "off_hours"}, "unknown category"),  # metadata categories cannot be heard missing
        ({"speaker": "call"}, "unknown speaker"),
        ({"text": "   "}, "the words"),
        ({"start_s": 20.0, "end_s": 10.0}, "time out of range"),
        ({"start_s": 100.0, "end_s": 120.0}, "60 s"),  # past the call's end
        ({"severity": "fatal"}, "unknown severity"),
    ],
)
def test_bad_missed_violations_are_refused(
    people: People, sampled: str, run, db: Database, fields, message
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=message):
        missed(run, people.insp1, **fields)
    with db.session() as s:
        assert s.scalars(select(Violation)).all() == []
