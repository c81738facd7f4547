"""Re-check: stored transcripts re-evaluated with another pack; decisions kept, the README's policy.

The packs here are small keyword packs (no text model) so each test runs in a second; one test runs
the shipped pack with its text model to show that a recheck embeds nothing new."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from callqa.pipeline.recheck import RecheckSummary, Selection, recheck
from callqa.review import accounts, workflow
from callqa.rules import RulePack
from callqa.store.database import Database, open_database
from callqa.store.models import AuditEntry, Call, ReviewCase, User, Violation, ViolationDecision
from callqa.store.records import violation_record
from callqa.workspace import Workspace
from tests.fakes import add_scripted_call, keyword_pack

RUDE = ("agent", "你这个老赖。")
THREAT = ("agent", "明天就上门找你。")
POLITE = ("agent", "请您按时还款。")


def pack_of(tmp_path: Path, name: str, rules: dict[str, str]) -> RulePack:
    """A pack of keyword rules {rule id: keyword}, all in category abuse, deduction 20."""
    return keyword_pack(tmp_path / f"{name}.yaml", {rid: (word, 20, False) for rid, word in rules.items()})


@dataclass
class Env:
    ws: Workspace
    db: Database
    insp: User
    sup: User
    sup2: User
    lead: User
    old: RulePack  # finds 老赖
    new: RulePack  # finds 上门 and 按时, no longer 老赖
    both: RulePack  # finds 老赖 and 上门

    def add(self, call_id: str, *lines: tuple[str, str]) -> None:
        add_scripted_call(self.ws, self.db, call_id, list(lines), pack=self.old, team="A")

    def run(self, pack: RulePack, **kwargs: object) -> RecheckSummary:
        return recheck(self.db, pack, "cli:test", **kwargs)  # type: ignore[arg-type]

    def rows(self, call_id: str) -> list[Violation]:
        with self.db.session() as s:
            return list(
                s.scalars(select(Violation).join(Call).where(Call.call_id == call_id).order_by(Violation.id))
            )

    def call(self, call_id: str) -> Call:
        with self.db.session() as s:
            return s.scalars(select(Call).where(Call.call_id == call_id)).one()

    def case(self, call_id: str) -> ReviewCase | None:
        with self.db.session() as s:
            return s.scalar(select(ReviewCase).join(Call).where(Call.call_id == call_id))

    def act(self, fn, *args: object) -> object:  # type: ignore[no-untyped-def]
        with self.db.session() as s:
            return fn(s, *args)

    def decide_all(self, call_id: str, decision: str = "confirmed") -> None:
        for row in self.rows(call_id):
            self.act(lambda s, v=row.id: workflow.decide_violation(s, s.get(User, self.insp.id), v, decision))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    with db.session() as s:
        people = [
            accounts.create_user(s, "test", name, role, team, password=f"{name}-pw")[0]
            for name, role, team in (
                ("insp", "inspector", None),
                ("sup", "supervisor", None),
                ("sup2", "supervisor", None),
                ("lead", "team_lead", "A"),
            )
        ]
    yield Env(
        ws,
        db,
        *people,
        old=pack_of(tmp_path, "old", {"R-rude": "老赖"}),
        new=pack_of(tmp_path, "new", {"R-visit": "上门", "R-polite": "按时"}),
        both=pack_of(tmp_path, "both", {"R-rude": "老赖", "R-visit": "上门"}),
    )
    db.close()


def snapshot(env: Env) -> object:
    """Everything a recheck may change: calls, violations (every column), cases, decisions."""
    with env.db.session() as s:

        def rows(model):  # type: ignore[no-untyped-def]
            return [
                {c.name: getattr(r, c.name) for c in model.__table__.columns}
                for r in s.scalars(select(model).order_by(model.id))
            ]

        return [rows(m) for m in (Call, Violation, ReviewCase, ViolationDecision)]


def recheck_entries(env: Env) -> list[dict]:
    with env.db.session() as s:
        query = select(AuditEntry).where(AuditEntry.action == "rules.recheck").order_by(AuditEntry.id)
        return [json.loads(e.after or "null") | {"actor": e.actor} for e in s.scalars(query)]


# --- calls nobody has decided anything on ----------------------------------------------------------


def test_undecided_hits_are_replaced_and_status_and_case_follow(env: Env) -> None:
    env.add("rude", RUDE)
    env.add("polite", POLITE)
    assert env.call("rude").status == "flagged" and env.case("rude") is not None
    assert env.call("polite").status == "clean" and env.case("polite") is None

    summary = env.run(env.new)

    assert (env.call("rude").status, env.call("rude").score) == ("clean", 100)
    assert env.rows("rude") == []  # undecided: deleted
    assert env.case("rude") is None  # the untouched case is withdrawn ...
    with env.db.session() as s:
        withdrawn = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.withdraw")).one()
        assert withdrawn.entity_id == "rude" and json.loads(withdrawn.before)["state"] == "open"
    assert (env.call("polite").status, env.call("polite").score) == ("flagged", 80)
    [hit] = env.rows("polite")
    assert (hit.rule_id, hit.pack_version, hit.vanished_at) == ("R-polite", env.new.version, None)
    case = env.case("polite")
    assert case is not None and case.state == "open" and case.owner_id == env.insp.id  # ... a new one opened
    assert (summary.new, summary.removed, summary.now_clean, summary.now_flagged) == (1, 1, 1, 1)
    assert (summary.cases_opened, summary.cases_withdrawn) == (1, 1)


def test_the_same_hit_keeps_its_row_and_gets_the_new_versions(env: Env) -> None:
    env.add("c", RUDE)
    [before] = env.rows("c")
    assert before.pack_version == env.old.version
    summary = env.run(env.both)
    [after] = env.rows("c")
    assert after.id == before.id and after.pack_version == env.both.version != env.old.version
    assert (summary.unchanged, summary.new, summary.changed_calls) == (1, 0, 0)


def test_a_recheck_run_twice_changes_nothing_the_second_time(env: Env) -> None:
    env.add("rude", RUDE, THREAT)
    env.add("polite", POLITE)
    env.add("threat", THREAT)
    env.decide_all("threat")  # not found by `old`: no case, nothing to decide yet
    env.decide_all("rude")
    first = env.run(env.new)
    assert first.changed_calls == 3
    state = snapshot(env)
    second = env.run(env.new)
    assert snapshot(env) == state
    assert (second.new, second.vanished, second.removed, second.returned, second.changed_calls) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert second.unchanged == first.new + first.unchanged


# --- decisions already given ---------------------------------------------------------------------


def test_a_decided_hit_no_longer_found_is_kept_marked_and_cleared_when_found_again(env: Env) -> None:
    env.add("c", RUDE)
    env.decide_all("c", "confirmed")
    [row] = env.rows("c")

    gone = env.run(env.new)
    [kept] = env.rows("c")
    assert kept.id == row.id and kept.vanished_at is not None and kept.pack_version == env.old.version
    with env.db.session() as s:
        assert s.scalars(select(ViolationDecision.decision)).all() == ["confirmed"]
        record = violation_record(s.get_one(Violation, row.id), decision="confirmed")
    assert record["vanished"] is True and record["decision"] == "confirmed"
    assert env.call("c").status == "flagged"  # a reviewed call does not turn clean under a recheck
    assert env.case("c") is not None
    assert (gone.vanished, gone.removed) == (1, 0)

    back = env.run(env.old)
    [again] = env.rows("c")
    assert again.id == row.id and again.vanished_at is None and back.returned == 1


def test_a_new_hit_reopens_a_submitted_case_to_its_owner(env: Env) -> None:
    env.add("c", RUDE, THREAT)
    env.decide_all("c")
    env.act(lambda s: workflow.submit_verdict(s, s.get(User, env.insp.id), "c"))
    assert env.case("c").state == "submitted"  # type: ignore[union-attr]

    summary = env.run(env.both)

    case = env.case("c")
    assert case is not None and (case.state, case.owner_id, case.verdict) == ("open", env.insp.id, None)
    rude, visit = env.rows("c")
    assert rude.rule_id == "R-rude" and visit.rule_id == "R-visit"
    with env.db.session() as s:
        decided = {d.violation_id: d.decision for d in s.scalars(select(ViolationDecision))}
    assert decided == {rude.id: "confirmed"}  # the old decision stands, the new hit awaits one
    assert summary.cases_reopened == 1
    with env.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.reopen")).one()
        assert entry.actor == "cli:test" and json.loads(entry.before)["state"] == "submitted"
    with pytest.raises(Exception, match="请先判定全部违规"):  # the verdict must now cover the new hit
        env.act(lambda s: workflow.submit_verdict(s, s.get(User, env.insp.id), "c"))


def test_escalated_and_decided_cases_reopen_too(env: Env) -> None:
    env.add("c", RUDE, THREAT)
    env.decide_all("c")
    insp = env.insp.id
    env.act(lambda s: workflow.submit_verdict(s, s.get(User, insp), "c"))
    env.act(lambda s: workflow.escalate(s, s.get(User, insp), "c", "警告"))
    env.act(
        lambda s: workflow.decide_escalation(s, s.get(User, env.sup.id), "c", False)
    )  # approving closes it
    env.run(env.both)
    case = env.case("c")
    assert case is not None and case.state == "open"
    assert (case.proposed_action, case.escalation_decision, case.submitted_at) == (None, None, None)


@pytest.mark.parametrize("until", ["final", "appealed"])
def test_a_new_hit_leaves_a_final_or_appealed_case_alone_but_shows(env: Env, until: str) -> None:
    env.add("c", RUDE, POLITE)
    env.decide_all("c")
    env.act(lambda s: workflow.submit_verdict(s, s.get(User, env.insp.id), "c"))
    if until == "final":
        env.act(lambda s: workflow.final_judgement(s, s.get(User, env.sup.id), "c"))
    else:
        env.act(lambda s: workflow.appeal(s, s.get(User, env.lead.id), "c", "理由"))
    before = env.case("c")

    summary = env.run(env.new)

    case = env.case("c")
    assert case is not None and case.state == until and case.verdict == before.verdict  # type: ignore[union-attr]
    assert [(r.rule_id, r.vanished_at is None) for r in env.rows("c")] == [
        ("R-rude", False),
        ("R-polite", True),
    ]
    assert summary.cases_reopened == 0 and summary.new == 1 and summary.vanished == 1


def test_an_inspector_added_violation_is_never_touched(env: Env) -> None:
    env.add("c", RUDE)
    with env.db.session() as s:
        call = s.scalars(select(Call).where(Call.call_id == "c")).one()
        s.add(Violation(call_pk=call.id, rule_id="manual", rule_name="人工", category="abuse", severity="high",
                        deduction=0, speaker="agent", start_s=0.0, end_s=1.0, text="x", explanation="质检员补充",
                        source="inspector"))  # fmt: skip
    env.run(env.new)
    env.run(env.new)
    [row] = env.rows("c")
    assert (row.source, row.rule_id, row.vanished_at, row.pack_version) == ("inspector", "manual", None, None)


# --- runs ----------------------------------------------------------------------------------------


def test_each_run_writes_one_audit_entry_with_versions_and_counts(env: Env) -> None:
    env.add("rude", RUDE)
    env.add("polite", POLITE)
    env.run(env.new)
    env.run(env.new)
    first, second = recheck_entries(env)
    assert first["actor"] == "cli:test" and first["pack_version"] == env.new.version
    assert first["model_version"]  # the text model the pack would use
    assert (first["calls"], first["new"], first["removed"], first["unchanged"]) == (2, 1, 1, 0)
    assert (second["new"], second["removed"], second["vanished"], second["unchanged"]) == (0, 0, 0, 1)


def test_dry_run_reports_and_changes_nothing(env: Env) -> None:
    env.add("rude", RUDE)
    env.add("polite", POLITE)
    state = snapshot(env)
    summary = env.run(env.new, dry_run=True)
    assert snapshot(env) == state and recheck_entries(env) == []
    assert [(cid, ch.new, ch.removed, ch.status_after) for cid, ch in summary.changes] == [
        ("rude", 0, 1, "clean"),
        ("polite", 1, 0, "flagged"),
    ]


def test_selection_by_call_and_by_date(env: Env) -> None:
    add_scripted_call(env.ws, env.db, "early", [RUDE], pack=env.old, started_at="2026-11-01T10:00:00+08:00")
    add_scripted_call(env.ws, env.db, "late", [RUDE], pack=env.old, started_at="2026-11-20T23:30:00+08:00")
    summary = env.run(env.new, selection=Selection(call_ids=("late", "nope")))
    assert (summary.calls, summary.missing) == (1, ["nope"])
    assert env.rows("early") and not env.rows("late")
    # the call's own local date: 23:30 +08:00 on the 20th is the 20th (15:30 UTC)
    assert env.run(env.old, selection=Selection(since=date(2026, 11, 20))).calls == 1
    assert env.rows("late") and env.run(env.new, selection=Selection(since=date(2026, 11, 21))).calls == 0


def test_shipped_pack_recheck_reuses_stored_vectors(env: Env) -> None:
    """The first processing embeds the call's sentences once; a recheck with the model embeds none."""
    from callqa.rules.active import workspace_pack

    pack = workspace_pack(env.ws)
    add_scripted_call(env.ws, env.db, "m", [("agent", "你不还钱我就让你全家都不好过。")], pack=pack)
    summary = env.run(pack)
    assert (summary.calls, summary.embedded, summary.changed_calls) == (1, 0, 0)
    rows = env.rows("m")
    assert rows and all(r.pack_version == pack.version for r in rows)
    assert any(r.model_version == pack.detector.version for r in rows)  # type: ignore[attr-defined]


# --- command line --------------------------------------------------------------------------------


def test_cli_recheck_dry_run_then_for_real(env: Env, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    env.add("rude", RUDE)
    env.add("polite", POLITE)
    (env.ws.root / "config.toml").write_text(f'rule_pack = "{env.new.path}"\n', encoding="utf-8")
    ws = str(env.ws.root)
    state = snapshot(env)

    code, stdout, stderr = run_cli("recheck", "--workspace", ws, "--dry-run")
    assert code == 0, stderr
    assert "rude: flagged → clean; 0 new, 0 vanished (kept: decided), 1 removed" in stdout
    assert "polite: clean → flagged; 1 new" in stdout and "case opened" in stdout
    assert "2 calls rechecked, 2 would change" in stderr and "calls/s" in stderr and "dry run" in stderr
    assert snapshot(env) == state and recheck_entries(env) == []

    code, stdout, stderr = run_cli("recheck", "--workspace", ws, "--call", "polite", "--call", "nope")
    assert code == 1 and "unknown or not yet processed call(s): nope" in stderr
    assert env.call("polite").status == "flagged" and env.call("rude").status == "flagged"
    [entry] = recheck_entries(env)
    assert (
        entry["actor"].startswith("cli") and entry["calls"] == 1 and entry["pack_version"] == env.new.version
    )

    code, _, stderr = run_cli("recheck", "--workspace", ws, "--since", "2026-11-21")
    assert code == 0 and "0 calls rechecked" in stderr
    code, _, stderr = run_cli("recheck", "--workspace", ws, "--since", "2026-13-01")
    assert code == 2 and "expected a date like 2026-11-20" in stderr


def test_a_case_reopened_without_its_disabled_owner_goes_to_another_inspector(env: Env) -> None:
    env.add("c", RUDE, THREAT)
    env.decide_all("c")
    env.act(lambda s: workflow.submit_verdict(s, s.get(User, env.insp.id), "c"))
    with env.db.session() as s:
        accounts.create_user(s, "test", "insp2", "inspector", None, password="insp2-pw")
        accounts.set_active(s, "test", "insp", False)
    summary = env.run(env.both)
    assert summary.cases_reopened == 1
    with env.db.session() as s:
        case = s.scalar(select(ReviewCase).join(Call).where(Call.call_id == "c"))
        assert case is not None and (case.state, case.owner.username) == ("open", "insp2")  # type: ignore[union-attr]
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity_id == "c"))]
    assert actions[-2:] == ["case.reopen", "case.auto_assign"]
