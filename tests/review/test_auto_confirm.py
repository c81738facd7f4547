"""Rules marked `auto_confirm` skip manual review: their hits are confirmed by the system when a call
is processed or rechecked, audited as such; a call whose every hit is theirs gets its verdict without
an inspector (and takes no inspector's turn). Through the real pipeline, with the fake speech engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.pipeline.recheck import recheck
from callqa.review import accounts, audit, workflow
from callqa.review.cases import case_dict
from callqa.review.precision import rule_precision
from callqa.rules import RulePack
from callqa.rules.learned.verdicts import verdict_examples
from callqa.store.database import Database, open_database
from callqa.store.models import Call, ReviewCase, User, Violation, ViolationDecision
from callqa.workspace import Workspace
from tests.fakes import add_scripted_call, keyword_pack

RUDE = ("agent", "你这个老赖。")  # R-rude: auto_confirm, deduction 30
VISIT = ("agent", "明天就上门找你。")  # R-visit: reviewed by a person, deduction 20
POLITE = ("agent", "请您按时还款。")


def pack(tmp_path: Path, auto: bool = True, rules: tuple[str, ...] = ("R-rude", "R-visit")) -> RulePack:
    """Keyword rules R-rude (老赖, deduction 30, auto_confirm when `auto`) and R-visit (上门, 20)."""
    known = {"R-rude": ("老赖", 30, auto), "R-visit": ("上门", 20, False)}
    return keyword_pack(tmp_path / f"pack-{auto}-{len(rules)}.yaml", {rid: known[rid] for rid in rules})


@dataclass
class Env:
    ws: Workspace
    db: Database
    pack: RulePack
    people: dict[str, User]

    def add(self, call_id: str, *lines: tuple[str, str], with_pack: RulePack | None = None) -> None:
        add_scripted_call(self.ws, self.db, call_id, list(lines), pack=with_pack or self.pack, team="A")

    def case(self, call_id: str) -> dict:
        with self.db.session() as s:
            case = s.scalar(select(ReviewCase).join(Call).where(Call.call_id == call_id))
            return case_dict(case)

    def hits(self, call_id: str) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.scalars(select(Violation).join(Call).where(Call.call_id == call_id))
            return {v.rule_id: v.id for v in rows}

    def act(self, fn, name: str, *args: object, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
        with self.db.session() as s:
            return fn(s, s.get_one(User, self.people[name].id), *args, **kwargs)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    with db.session() as s:
        people = {
            name: accounts.create_user(s, "test", name, role, team, password=f"{name}-pw")[0]
            for name, role, team in (
                ("insp1", "inspector", None),
                ("insp2", "inspector", None),
                ("sup", "supervisor", None),
                ("lead", "team_lead", "A"),
            )
        }
    yield Env(ws, db, pack(tmp_path), people)
    db.close()


def actions(db: Database, entity_id: str | None = None) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(r["actor"], r["action"]) for r in audit.export_rows(s)
                if entity_id is None or r["entity_id"] == entity_id]  # fmt: skip


def test_a_call_with_only_auto_confirmed_hits_gets_its_verdict_without_an_inspector(env: Env) -> None:
    env.add("auto", RUDE, POLITE)
    case = env.case("auto")
    assert (case["state"], case["verdict"], case["owner"]) == ("submitted", "confirmed", None)
    assert case["system_verdict"] is True and case["reviewed_score"] == 70
    assert case["auto_confirmed"] == [env.hits("auto")["R-rude"]]
    with env.db.session() as s:
        decision = s.scalars(select(ViolationDecision)).one()
        assert (decision.decision, decision.decided_by) == ("confirmed", None)
        assert audit.verify(s) == []
    assert actions(env.db, "auto") == [("system", "case.open"), ("system", "case.auto_verdict")]
    assert ("system", "violation.auto_confirm") in actions(env.db)
    # it took nobody's turn: the next two flagged calls go to the first and the second inspector
    env.add("m1", VISIT)
    env.add("m2", VISIT)
    assert [env.case(c)["owner"] for c in ("m1", "m2")] == ["insp1", "insp2"]


def test_auto_confirmed_hits_of_a_mixed_call_are_decided_and_the_rest_left_to_its_owner(env: Env) -> None:
    env.add("mixed", RUDE, VISIT)
    hits = env.hits("mixed")
    case = env.case("mixed")
    assert (case["state"], case["owner"]) == ("open", "insp1")
    assert case["decisions"] == {str(hits["R-rude"]): "confirmed"}
    env.act(workflow.decide_violation, "insp1", hits["R-visit"], "false_positive")
    env.act(workflow.submit_verdict, "insp1", "mixed")
    case = env.case("mixed")
    assert (case["state"], case["verdict"], case["reviewed_score"], case["system_verdict"]) == (
        "submitted",
        "confirmed",
        70,
        False,
    )
    with env.db.session() as s:  # the system's confirmations are not evidence of a rule's precision
        figures = rule_precision(s)
    assert (figures["R-rude"].auto, figures["R-rude"].confirmed, figures["R-rude"].precision) == (1, 0, None)
    assert figures["R-visit"].false_positive == 1


def test_a_system_verdict_may_be_appealed_and_overturned(env: Env) -> None:
    env.add("auto", RUDE)
    env.act(workflow.appeal, "lead", "auto", "坐席在复述客户的话")
    env.act(workflow.decide_appeal, "sup", "auto", "overturn", "复述不算辱骂")
    case = env.case("auto")
    assert (case["state"], case["verdict"], case["reviewed_score"]) == ("final", "all_false_positive", 100)
    with env.db.session() as s:
        decision = s.scalars(select(ViolationDecision)).one()
        assert (decision.decision, decision.decided_by) == ("false_positive", env.people["sup"].id)


def test_a_recheck_with_the_rule_now_auto_confirmed_decides_its_hits(env: Env, tmp_path: Path) -> None:
    manual = pack(tmp_path, auto=False)
    env.add("later", RUDE, with_pack=manual)
    assert (env.case("later")["state"], env.case("later")["decisions"]) == ("open", {})
    summary = recheck(env.db, env.pack, "cli:test")
    assert summary.calls == 1
    case = env.case("later")
    assert (case["state"], case["verdict"], case["owner"]) == ("submitted", "confirmed", "insp1")
    assert case["system_verdict"] is True


def test_new_auto_confirmed_hits_change_a_verdict_without_reopening_it(env: Env, tmp_path: Path) -> None:
    """What a recheck adds that the system confirms needs nobody: the verdict covers every hit again
    at once (all false positives before, confirmed now), and the case is not reopened."""
    env.add("c1", VISIT, RUDE, with_pack=pack(tmp_path, rules=("R-visit",)))
    env.act(workflow.decide_violation, "insp1", env.hits("c1")["R-visit"], "false_positive")
    env.act(workflow.submit_verdict, "insp1", "c1")
    assert (env.case("c1")["verdict"], env.case("c1")["reviewed_score"]) == ("all_false_positive", 100)
    summary = recheck(env.db, env.pack, "cli:test")
    assert (summary.new, summary.cases_reopened) == (1, 0)
    case = env.case("c1")
    assert (case["state"], case["verdict"], case["reviewed_score"]) == ("submitted", "confirmed", 70)
    assert actions(env.db, "c1")[-1] == ("system", "case.auto_verdict")


def test_the_model_does_not_learn_from_the_systems_confirmations(env: Env) -> None:
    env.add("auto", RUDE)
    with env.db.session() as s:
        assert verdict_examples(s, ["abuse"]).examples == []
    env.add("mixed", RUDE, VISIT)
    env.act(workflow.decide_violation, "insp1", env.hits("mixed")["R-visit"], "confirmed")
    with env.db.session() as s:
        assert [x.text for x in verdict_examples(s, ["abuse"]).examples] == ["明天就上门找你。"]
