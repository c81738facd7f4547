"""Who owns a case: the backlog dealt out when an inspector joins, on processing runs and when the
workbench starts; bulk reassignment by a supervisor, with a reason, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select, update

from callqa.errors import InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.pipeline.process import process_pending
from callqa.review import accounts, audit, workflow
from callqa.review.accounts import set_active
from callqa.review.cases import case_dict
from callqa.rules import load_default_pack
from callqa.store.database import Database, open_database
from callqa.store.models import Call, ReviewCase, User, db_now
from callqa.workspace import Workspace
from tests.conftest import run_cli
from tests.fakes import ScriptedSpeech, add_scripted_call

from .conftest import AddCall, People


def owners(db: Database) -> dict[str, str | None]:
    with db.session() as s:
        return {c.call.call_id: c.owner.username if c.owner else None for c in s.scalars(select(ReviewCase))}


def auto_assigned(db: Database) -> list[tuple[str, str]]:
    """(actor, call id) of each audited automatic assignment that gave a case an owner."""
    with db.session() as s:
        rows = audit.export_rows(s)
    return [
        (r["actor"], r["entity_id"])
        for r in rows
        if r["action"] == "case.auto_assign" and r["after"]["owner"]
    ]


def unassign_all(db: Database) -> None:
    """Cases as they were flagged while no inspector was active."""
    with db.session() as s:
        s.execute(update(ReviewCase).values(state="unassigned", owner_id=None, rotation_owner_id=None))


# --- the backlog ------------------------------------------------------------------------------------


def test_a_new_inspector_takes_the_backlog_a_team_lead_does_not(db: Database, add_call: AddCall, run) -> None:
    run(accounts.create_user, "test", "sup", "supervisor", None, password="x")
    for call_id in ("c1", "c2", "c3"):
        add_call(call_id)  # flagged before any inspector existed
    assert set(owners(db).values()) == {None}
    run(accounts.create_user, "test", "lead", "team_lead", "A", password="x")
    assert set(owners(db).values()) == {None}
    run(accounts.create_user, "test", "insp1", "inspector", None, password="x")
    assert owners(db) == {"c1": "insp1", "c2": "insp1", "c3": "insp1"}
    assert auto_assigned(db) == [("system", "c1"), ("system", "c2"), ("system", "c3")]
    with db.session() as s:
        assert {c.state for c in s.scalars(select(ReviewCase))} == {"open"}
        assert audit.verify(s) == []


def test_the_backlog_is_dealt_round_robin(people: People, add_call: AddCall, db: Database, run) -> None:
    for call_id in ("c1", "c2", "c3", "c4"):
        add_call(call_id)
    unassign_all(db)
    assert run(workflow.assign_backlog) == 4
    assert owners(db) == {"c1": "insp1", "c2": "insp2", "c3": "insp1", "c4": "insp2"}
    assert run(workflow.assign_backlog) == 0  # nothing left: nothing audited twice
    assert len(auto_assigned(db)) == 8  # 4 when flagged, 4 now


def test_an_inspector_enabled_again_takes_the_backlog(
    people: People, add_call: AddCall, db: Database, run
) -> None:
    run(set_active, "test", "insp1", False)
    run(set_active, "test", "insp2", False)
    add_call("c1")
    assert owners(db) == {"c1": None}
    run(set_active, "test", "lead_a", True)  # not an inspector: nothing changes
    assert owners(db) == {"c1": None}
    run(set_active, "test", "insp2", True)
    assert owners(db) == {"c1": "insp2"}


def test_a_processing_run_and_the_workbench_start_deal_the_backlog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    add_scripted_call(ws, db, "p1", [("agent", "你这个老赖。")])
    add_scripted_call(ws, db, "p2", [("agent", "你这个老赖，不还钱是吧。")])
    assert owners(db) == {"p1": None, "p2": None}

    def add_inspector(name: str) -> None:  # straight into the table, as another machine sharing the db would
        with db.session() as s:
            s.add(User(username=name, password_hash="x", role="inspector", active=True, created_at=db_now(),
                       failed_logins=0))  # fmt: skip

    add_inspector("w1")
    summary = process_pending(ws, db, load_default_pack(), "", transcriber=ScriptedSpeech())
    assert summary.done == 0 and owners(db) == {"p1": "w1", "p2": "w1"}  # a run with nothing to do

    with db.session() as s:
        s.execute(update(ReviewCase).values(state="unassigned", owner_id=None))
    db.close()
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # start the workbench, serve nothing
    code, stdout, _ = run_cli("serve", "--no-worker", "--workspace", str(ws.root))
    assert code == 0 and "2 unassigned review case(s) assigned" in stdout
    db = open_database(ws)
    assert owners(db) == {"p1": "w1", "p2": "w1"}
    db.close()


# --- bulk reassignment ---------------------------------------------------------------------------------


def test_bulk_reassignment_audits_each_case_with_its_reason(
    people: People, add_call: AddCall, db: Database, run
) -> None:
    for call_id in ("c1", "c2", "c3"):
        add_call(call_id)
    assert owners(db) == {"c1": "insp1", "c2": "insp2", "c3": "insp1"}
    moved = run(workflow.reassign_many, people.sup, ["c1", "c2", "c3", "c1"], "insp2", "  insp1 请假一周 ")
    assert [c.call.call_id for c in moved] == ["c1", "c3"]  # c2 was insp2's already; c1 named twice
    assert owners(db) == {"c1": "insp2", "c2": "insp2", "c3": "insp2"}
    with db.session() as s:
        entries = [r for r in audit.export_rows(s) if r["action"] == "case.reassign"]
    assert [(e["actor"], e["entity_id"], e["after"]["reason"]) for e in entries] == [
        ("sup", "c1", "insp1 请假一周"),
        ("sup", "c3", "insp1 请假一周"),
    ]
    assert entries[0]["before"]["owner"] == "insp1" and entries[0]["after"]["owner"] == "insp2"


def test_bulk_reassignment_is_all_or_nothing(people: People, add_call: AddCall, db: Database, run) -> None:
    for call_id in ("c1", "c2", "b1"):
        add_call(call_id, team="B" if call_id == "b1" else "A")
    from tests.review.conftest import violation_ids

    for vid in violation_ids(db, "c2"):
        run(workflow.decide_violation, people.insp2, vid, "confirmed")
    run(workflow.submit_verdict, people.insp2, "c2")
    before = owners(db)
    with pytest.raises(TransitionError, match=r"通话 c2：.*本次未改派任何任务"):
        run(workflow.reassign_many, people.sup, ["c1", "c2"], "insp2", "rebalance")
    with pytest.raises(NotFound, match="通话 nope"):
        run(workflow.reassign_many, people.sup, ["c1", "nope"], "insp2", "rebalance")
    assert owners(db) == before
    for empty in ("", "   "):
        with pytest.raises(InvalidInput, match="改派原因"):
            run(workflow.reassign_many, people.sup, ["c1"], "insp2", empty)
    with pytest.raises(InvalidInput, match="至少选择"):
        run(workflow.reassign_many, people.sup, [], "insp2", "why")
    with pytest.raises(InvalidInput, match="cannot own a case"):
        run(workflow.reassign_many, people.sup, ["c1"], "lead_a", "why")
    for user in (people.insp1, people.admin, people.lead_a):
        with pytest.raises(PermissionDenied):
            run(workflow.reassign_many, user, ["c1"], "insp2", "why")
    assert owners(db) == before
    with db.session() as s:
        assert not [r for r in audit.export_rows(s) if r["action"] == "case.reassign"]


def test_owner_candidates_are_the_active_inspectors_and_supervisors(people: People, run) -> None:
    run(set_active, "test", "insp2", False)
    assert [u.username for u in run(workflow.owner_candidates)] == ["insp1", "sup"]


def test_a_reassignment_reason_is_audited_for_one_case_too(
    people: People, add_call: AddCall, db: Database, run
) -> None:
    add_call("c1")
    run(workflow.reassign, people.sup, "c1", "insp2", "熟悉该坐席")
    with db.session() as s:
        entry = [r for r in audit.export_rows(s) if r["action"] == "case.reassign"][-1]
        call = s.scalar(select(Call).where(Call.call_id == "c1"))
        assert (
            case_dict(s.scalar(select(ReviewCase).where(ReviewCase.call_pk == call.id)))["owner"] == "insp2"
        )
    assert entry["after"]["reason"] == "熟悉该坐席"
