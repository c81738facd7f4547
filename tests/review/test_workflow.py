"""The review workflow: assignment, review, escalation, appeal, final judgement, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from callqa.errors import InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.review import accounts, audit, workflow
from callqa.review.accounts import set_active
from callqa.review.cases import case_dict, get_case
from callqa.store.database import Database
from callqa.store.models import Appeal, Call, ReviewCase
from callqa.store.queries import list_cases

from .conftest import AddCall, People, violation_ids

pytestmark = pytest.mark.both_databases  # runs on SQLite and PostgreSQL


def state(db: Database, call_id: str) -> dict:
    with db.session() as s:
        call = s.scalar(select(Call).where(Call.call_id == call_id))
        return case_dict(s.scalar(select(ReviewCase).where(ReviewCase.call_pk == call.id)))


def decide_all(run, db: Database, owner, call_id: str, *decisions: str) -> None:  # type: ignore[no-untyped-def]
    for vid, decision in zip(violation_ids(db, call_id), decisions, strict=True):
        run(workflow.decide_violation, owner, vid, decision)


def submitted(run, db: Database, people: People, call_id: str, *decisions: str) -> None:  # type: ignore[no-untyped-def]
    owner = people.insp1 if state(db, call_id)["owner"] == "insp1" else people.insp2
    decide_all(run, db, owner, call_id, *(decisions or ("confirmed", "false_positive")))
    run(workflow.submit_verdict, owner, call_id)


# --- the whole flow ---------------------------------------------------------------------------------


def test_whole_flow(people: People, add_call: AddCall, run, db: Database) -> None:
    for call_id in ("c1", "c2", "c3", "c4"):
        add_call(call_id)
    owners = [state(db, c)["owner"] for c in ("c1", "c2", "c3", "c4")]
    assert owners == ["insp1", "insp2", "insp1", "insp2"]  # round robin across the two inspectors
    assert state(db, "c1")["state"] == "open"

    v1, v2 = violation_ids(db, "c1")
    run(workflow.decide_violation, people.insp1, v1, "confirmed", "threat, clearly")
    run(workflow.decide_violation, people.insp1, v2, "false_positive")
    run(workflow.decide_violation, people.insp1, v2, "false_positive", "changed my mind twice")
    run(workflow.submit_verdict, people.insp1, "c1")
    after_submit = state(db, "c1")
    assert after_submit["state"] == "submitted"
    assert after_submit["verdict"] == "confirmed"
    assert after_submit["decisions"] == {str(v1): "confirmed", str(v2): "false_positive"}

    appeal = run(workflow.appeal, people.lead_a, "c1", "the customer threatened first")
    assert isinstance(appeal, Appeal)
    assert state(db, "c1")["state"] == "appealed"

    run(workflow.decide_appeal, people.sup, "c1", "uphold", "recording is unambiguous")
    final = state(db, "c1")
    assert final["state"] == "final"
    assert final["final_outcome"] == "upheld"
    assert final["verdict"] == "confirmed"
    assert final["appeals"][0]["decision"] == "upheld"

    with pytest.raises(TransitionError, match="终审"):
        run(workflow.appeal, people.lead_a, "c1", "once more")

    with db.session() as s:
        assert audit.verify(s) == []
        actions = [r["action"] for r in audit.export_rows(s)]
    assert actions.count("case.auto_assign") == 4
    assert actions[-6:] == ["violation.decide"] * 3 + ["case.submit", "appeal.file", "appeal.decide"]


def test_overturn_turns_confirmations_into_false_positives(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("c1")
    submitted(run, db, people, "c1", "confirmed", "confirmed")
    run(workflow.appeal, people.lead_a, "c1", "wrong speaker")
    run(workflow.decide_appeal, people.sup, "c1", "overturn", "it was the customer")
    final = state(db, "c1")
    assert final["state"] == "final"
    assert final["final_outcome"] == "overturned"
    assert final["verdict"] == "all_false_positive"
    assert set(final["decisions"].values()) == {"false_positive"}


def test_final_judgement_without_appeal_closes_the_case(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("c1")
    submitted(run, db, people, "c1")
    run(workflow.final_judgement, people.sup, "c1", "reviewed, no appeal expected")
    assert state(db, "c1")["final_outcome"] == "closed"
    with pytest.raises(TransitionError, match="终审"):
        run(workflow.appeal, people.lead_a, "c1", "late thoughts")


def test_escalation_needs_a_proposed_action(people: People, add_call: AddCall, run, db: Database) -> None:
    add_call("c1")
    submitted(run, db, people, "c1")
    for empty in ("", "   "):
        with pytest.raises(TransitionError, match="建议处理措施"):
            run(workflow.escalate, people.insp1, "c1", empty)
    assert state(db, "c1")["state"] == "submitted"
    run(workflow.escalate, people.insp1, "c1", "written warning, retraining on 合规话术")
    assert state(db, "c1")["state"] == "escalated"
    with pytest.raises(TransitionError):
        run(workflow.appeal, people.lead_a, "c1", "wait")  # the escalation is pending
    run(workflow.decide_escalation, people.sup, "c1", False, "too harsh")
    decided = state(db, "c1")
    assert (decided["state"], decided["escalation_decision"]) == ("decided", "rejected")
    run(workflow.appeal, people.lead_a, "c1", "disproportionate")  # a rejection leaves the verdict open
    assert state(db, "c1")["state"] == "appealed"


def test_an_approved_escalation_closes_the_case(people: People, add_call: AddCall, run, db: Database) -> None:
    add_call("c1")
    submitted(run, db, people, "c1")
    run(workflow.escalate, people.insp1, "c1", "written warning")
    run(workflow.decide_escalation, people.sup, "c1", True, "agreed")
    closed = state(db, "c1")
    assert (closed["state"], closed["final_outcome"], closed["escalation_decision"]) == (
        "final",
        "approved",
        "approved",
    )
    assert closed["final_comment"] == closed["escalation_comment"] == "agreed"
    with pytest.raises(TransitionError, match="终审"):
        run(workflow.appeal, people.lead_a, "c1", "too late")
    with pytest.raises(TransitionError, match="已结案"):
        run(workflow.final_judgement, people.sup, "c1")  # no separate 终审结案
    with db.session() as s:
        after = [r["after"] for r in audit.export_rows(s) if r["action"] == "case.decide_escalation"]
    assert after[-1]["state"] == "final"


# --- appeal window ----------------------------------------------------------------------------------


def _submitted_at(db: Database, call_id: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        call = s.scalar(select(Call).where(Call.call_id == call_id))
        return s.scalar(select(ReviewCase.submitted_at).where(ReviewCase.call_pk == call.id))


def test_appeal_after_the_window_is_rejected(people: People, add_call: AddCall, run, db: Database) -> None:
    add_call("c1")
    submitted(run, db, people, "c1")
    at = _submitted_at(db, "c1")
    with pytest.raises(TransitionError, match="申诉期已过：须在复核结论后 3 天内申诉"):
        run(workflow.appeal, people.lead_a, "c1", "late", now=at + timedelta(days=3, seconds=1))
    with pytest.raises(TransitionError, match="申诉期已过"):
        run(workflow.appeal, people.lead_a, "c1", "late", window_days=1, now=at + timedelta(days=2))
    run(workflow.appeal, people.lead_a, "c1", "in time", now=at + timedelta(days=2, hours=23))
    assert state(db, "c1")["state"] == "appealed"


def test_appeal_window_counts_from_the_escalation_decision(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("c1")
    submitted(run, db, people, "c1")
    run(workflow.escalate, people.insp1, "c1", "warning")
    run(workflow.decide_escalation, people.sup, "c1", False, "too harsh")
    with db.session() as s:
        case = get_case(s, people.sup, "c1")
        case.escalation_decided_at = case.submitted_at + timedelta(days=5)
        decided_at = case.escalation_decided_at
    run(workflow.appeal, people.lead_a, "c1", "fine", now=decided_at + timedelta(days=2))


# --- single ownership ---------------------------------------------------------------------------------


def test_single_ownership(people: People, add_call: AddCall, run, db: Database) -> None:
    add_call("c1")
    assert state(db, "c1")["owner"] == "insp1"  # assigned at once: nobody needs to claim it
    with pytest.raises(TransitionError, match="已由 insp1 负责"):
        run(workflow.claim, people.insp2, "c1")
    with pytest.raises(TransitionError, match="你已是这件复核任务的负责人"):
        run(workflow.claim, people.insp1, "c1")
    assert state(db, "c1")["owner"] == "insp1"

    with pytest.raises(PermissionDenied):
        run(workflow.reassign, people.insp1, "c1", "insp2")
    with pytest.raises(PermissionDenied, match="由 insp1 负责"):
        run(workflow.decide_violation, people.insp2, violation_ids(db, "c1")[0], "confirmed")
    run(workflow.reassign, people.sup, "c1", "insp2")
    assert state(db, "c1")["owner"] == "insp2"
    with pytest.raises(PermissionDenied, match="由 insp2 负责"):
        run(workflow.submit_verdict, people.insp1, "c1")
    with pytest.raises(InvalidInput):
        run(workflow.reassign, people.sup, "c1", "lead_a")  # a team lead cannot own a case
    with pytest.raises(NotFound):
        run(workflow.reassign, people.sup, "c1", "nobody")


def test_an_unassigned_case_is_claimed_by_one_inspector(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("c1")
    with db.session() as s:  # e.g. new hits reopened it after its owner was disabled
        s.execute(update(ReviewCase).values(state="unassigned", owner_id=None))
    run(workflow.claim, people.insp2, "c1")
    assert (state(db, "c1")["state"], state(db, "c1")["owner"]) == ("open", "insp2")
    with pytest.raises(TransitionError, match="已由 insp2 负责"):
        run(workflow.claim, people.insp1, "c1")


def test_the_database_allows_one_case_and_one_owner_per_call(
    people: People, add_call: AddCall, db: Database
) -> None:
    add_call("c1")
    with pytest.raises(IntegrityError), db.session() as s:
        call = s.scalar(select(Call).where(Call.call_id == "c1"))
        s.add(
            ReviewCase(call_pk=call.id, state="open", owner_id=people.insp2.id, created_at=call.ingested_at)
        )
    with pytest.raises(IntegrityError), db.session() as s:
        case = s.scalar(select(ReviewCase))
        case.owner_id = None  # an open case without owner


def test_claiming_a_flagged_call_without_a_case_opens_one(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("c1")
    with db.session() as s:  # flagged before the hook existed
        s.delete(s.scalar(select(ReviewCase)))
    case = run(workflow.claim, people.insp2, "c1")
    assert state(db, "c1")["owner"] == "insp2"
    assert isinstance(case, ReviewCase)


def test_hook_is_idempotent_and_ignores_clean_calls(people: People, add_call: AddCall, db: Database) -> None:
    add_call("c1")
    add_call("ok", rules=(), status="clean")
    with db.session() as s:
        c1 = s.scalar(select(Call).where(Call.call_id == "c1"))
        first = s.scalar(select(ReviewCase.id))
        assert workflow.on_call_processed(s, c1).id == first  # type: ignore[union-attr]
        ok = s.scalar(select(Call).where(Call.call_id == "ok"))
        assert workflow.on_call_processed(s, ok) is None
        assert len(s.scalars(select(ReviewCase)).all()) == 1
        with pytest.raises(TransitionError):
            workflow.assign_round_robin(s, c1)


def test_round_robin_skips_disabled_inspectors(people: People, add_call: AddCall, run, db: Database) -> None:
    run(set_active, "test", "insp2", False)
    add_call("c1")
    add_call("c2")
    assert [state(db, c)["owner"] for c in ("c1", "c2")] == ["insp1", "insp1"]
    run(set_active, "test", "insp2", True)
    add_call("c3")
    assert state(db, "c3")["owner"] == "insp2"


# --- every invalid transition -------------------------------------------------------------------------


def test_invalid_transitions_raise_with_a_reason(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("open")  # insp1
    add_call("fp")  # insp2
    add_call("clean", rules=(), status="clean")
    p = people

    def refused(fn, *args, match: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(TransitionError, match=match) as info:
            run(fn, *args, **kwargs)
        assert info.value.reason

    # open case
    refused(workflow.submit_verdict, p.insp1, "open", match="请先判定全部违规")
    refused(workflow.escalate, p.insp1, "open", "warn", match="当前为「复核中」")
    refused(workflow.decide_escalation, p.sup, "open", True, match="当前为「复核中」")
    refused(workflow.appeal, p.lead_a, "open", "why", match="当前为「复核中」")
    refused(workflow.decide_appeal, p.sup, "open", "uphold", match="没有待终审的申诉")
    refused(workflow.final_judgement, p.sup, "open", match="当前为「复核中」")
    refused(workflow.claim, p.insp2, "clean", match="只有疑似违规的通话需要复核")
    refused(workflow.submit_verdict, p.insp1, "clean", match="没有复核任务")
    with pytest.raises(InvalidInput):
        run(workflow.decide_violation, p.insp1, violation_ids(db, "open")[0], "maybe")

    # a verdict with no confirmed violation: nothing to escalate or appeal
    submitted(run, db, p, "fp", "false_positive", "false_positive")
    assert state(db, "fp")["verdict"] == "all_false_positive"
    refused(workflow.escalate, p.insp2, "fp", "warn", match="没有确认的违规")
    refused(workflow.appeal, p.lead_a, "fp", "why", match="只有确认违规的复核结论")

    # submitted case
    submitted(run, db, p, "open")
    refused(workflow.submit_verdict, p.insp1, "open", match="复核结论已提交")
    refused(
        workflow.decide_violation,
        p.insp1,
        violation_ids(db, "open")[0],
        "confirmed",
        match="当前为「已提交」",
    )
    refused(workflow.reassign, p.sup, "open", "insp2", match="复核结论已提交")
    refused(workflow.claim, p.insp2, "open", match="已由")
    refused(workflow.decide_escalation, p.sup, "open", True, match="当前为「已提交」")
    refused(workflow.appeal, p.lead_a, "open", "  ", match="申诉须填写理由")

    # escalated, then appealed
    run(workflow.escalate, p.insp1, "open", "warning")
    refused(workflow.escalate, p.insp1, "open", "again", match="当前为「已升级」")
    refused(workflow.final_judgement, p.sup, "open", match="当前为「已升级」")
    run(workflow.decide_escalation, p.sup, "open", False)
    refused(workflow.decide_escalation, p.sup, "open", True, match="当前为「主管已处理」")
    run(workflow.appeal, p.lead_a, "open", "reason")
    refused(workflow.appeal, p.lead_a, "open", "another", match="当前为「申诉中」")
    refused(workflow.final_judgement, p.sup, "open", match="待终审的申诉")
    with pytest.raises(InvalidInput):
        run(workflow.decide_appeal, p.sup, "open", "maybe")

    # final
    run(workflow.decide_appeal, p.sup, "open", "uphold")
    refused(workflow.decide_appeal, p.sup, "open", "overturn", match="已结案")
    refused(workflow.final_judgement, p.sup, "open", match="已结案")
    refused(workflow.escalate, p.insp1, "open", "x", match="已结案")
    refused(workflow.appeal, p.lead_a, "open", "x", match="终审")


# --- who may do what -------------------------------------------------------------------------------------


def test_permission_matrix(people: People, add_call: AddCall, run, db: Database) -> None:
    p = people
    add_call("a1")  # team A, insp1
    add_call("a2")  # team A, insp2
    add_call("b1", team="B")  # insp1
    v_a1 = violation_ids(db, "a1")[0]

    def denied(fn, *args) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(PermissionDenied):
            run(fn, *args)

    def hidden(fn, *args) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(NotFound):
            run(fn, *args)

    # claim: inspectors only
    for user in (p.admin, p.sup, p.lead_a):
        denied(workflow.claim, user, "a1")
    # reassign: supervisors only
    for user in (p.admin, p.insp1, p.insp2, p.lead_a):
        denied(workflow.reassign, user, "a1", "insp2")
    # deciding, submitting and escalating: the owner only
    for user in (p.admin, p.sup, p.insp2, p.lead_a):
        denied(workflow.decide_violation, user, v_a1, "confirmed")
        denied(workflow.submit_verdict, user, "a1")
    submitted(run, db, p, "a1")
    submitted(run, db, p, "a2")
    for user in (p.admin, p.sup, p.insp2, p.lead_a):
        denied(workflow.escalate, user, "a1", "warning")
    # appeals: team leads only
    for user in (p.admin, p.sup, p.insp1):
        denied(workflow.appeal, user, "a1", "reason")
    # supervisor decisions
    run(workflow.escalate, p.insp1, "a1", "warning")
    for user in (p.admin, p.insp1, p.lead_a):
        denied(workflow.decide_escalation, user, "a1", True)
    run(workflow.appeal, p.lead_a, "a2", "reason")
    for user in (p.admin, p.insp2, p.lead_a):
        denied(workflow.decide_appeal, user, "a2", "uphold")
    submitted(run, db, p, "b1")
    for user in (p.admin, p.insp1, p.lead_b):
        denied(workflow.final_judgement, user, "b1")

    # another team's call does not exist for a team lead
    hidden(workflow.appeal, p.lead_b, "a1", "reason")
    hidden(workflow.claim, p.lead_b, "a1")
    hidden(workflow.decide_violation, p.lead_b, v_a1, "confirmed")
    hidden(workflow.appeal, p.lead_a, "nope", "reason")
    hidden(workflow.decide_violation, p.insp1, 999_999, "confirmed")
    with db.session() as s, pytest.raises(NotFound):
        get_case(s, p.lead_b, "a1")

    # a disabled account can do nothing
    disabled = run(set_active, "test", "sup", False)  # the caller loads the actor afresh each request
    denied(workflow.final_judgement, disabled, "b1")


def test_team_leads_see_only_their_team(people: People, add_call: AddCall, db: Database) -> None:
    add_call("a1")
    add_call("b1", team="B")
    add_call("none", team=None)
    with db.session() as s:
        assert [r.case.call.call_id for r in list_cases(s, people.lead_a)] == ["a1"]
        assert [r.case.call.call_id for r in list_cases(s, people.lead_b)] == ["b1"]
        assert len(list_cases(s, people.sup)) == 3
        assert [r.case.call.call_id for r in list_cases(s, people.insp1, owner=people.insp1)] == [
            "a1",
            "none",
        ]
        assert get_case(s, people.lead_a, "a1").call.team == "A"


# --- four eyes ---------------------------------------------------------------------------------------


def test_a_supervisor_may_not_judge_a_case_they_decided(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    """Reassigned to themselves, the supervisor decides and submits: the escalation, the appeal and
    the 终审 are left to another supervisor."""
    p = people
    sup2 = run(accounts.create_user, "test", "sup2", "supervisor", None, password="sup2-pw")[0]
    for call_id in ("e1", "a1", "f1"):
        add_call(call_id)
        run(workflow.reassign, p.sup, call_id, "sup")
        decide_all(run, db, p.sup, call_id, "confirmed", "false_positive")
        run(workflow.submit_verdict, p.sup, call_id)

    run(workflow.escalate, p.sup, "e1", "written warning")
    with pytest.raises(PermissionDenied, match="须由另一位质检主管处理"):
        run(workflow.decide_escalation, p.sup, "e1", True)
    run(workflow.appeal, p.lead_a, "a1", "not a threat")
    with pytest.raises(PermissionDenied, match="你本人判定过这件复核任务"):
        run(workflow.decide_appeal, p.sup, "a1", "uphold")
    with pytest.raises(PermissionDenied, match="另一位质检主管"):
        run(workflow.final_judgement, p.sup, "f1")
    assert [state(db, c)["state"] for c in ("e1", "a1", "f1")] == ["escalated", "appealed", "submitted"]

    run(workflow.decide_escalation, sup2, "e1", True)
    run(workflow.decide_appeal, sup2, "a1", "uphold")
    run(workflow.final_judgement, sup2, "f1")
    assert [state(db, c)["state"] for c in ("e1", "a1", "f1")] == ["final", "final", "final"]


def test_deciding_one_violation_is_enough_to_be_excluded(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    """The supervisor decides one violation, hands the case back, and the inspector submits."""
    p = people
    add_call("c1")  # insp1's
    v1, v2 = violation_ids(db, "c1")
    run(workflow.reassign, p.sup, "c1", "sup")
    run(workflow.decide_violation, p.sup, v1, "confirmed")
    run(workflow.reassign, p.sup, "c1", "insp1")
    run(workflow.decide_violation, p.insp1, v2, "false_positive")
    run(workflow.submit_verdict, p.insp1, "c1")
    with pytest.raises(PermissionDenied, match="另一位质检主管"):
        run(workflow.final_judgement, p.sup, "c1")
    assert state(db, "c1")["state"] == "submitted"


# --- enumeration -------------------------------------------------------------------------------------


def test_another_teams_violation_answers_like_a_missing_one(
    people: People, add_call: AddCall, run, db: Database
) -> None:
    add_call("secret-b1", team="B")
    hidden = violation_ids(db, "secret-b1")[0]
    with pytest.raises(NotFound) as invisible:
        run(workflow.decide_violation, people.lead_a, hidden, "confirmed")
    with pytest.raises(NotFound) as missing:
        run(workflow.decide_violation, people.lead_a, 999_999, "confirmed")
    assert invisible.value.reason == missing.value.reason == "没有这条违规，或你无权查看"
    with pytest.raises(PermissionDenied):  # the team's own lead sees it, but may not decide it
        run(workflow.decide_violation, people.lead_b, hidden, "confirmed")
