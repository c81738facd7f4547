"""Appeals name the confirmed violations they contest; the 终审 decides each one: an overturned one
becomes a false positive (audited), the score after review is recomputed, the case is final."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from callqa.errors import InvalidInput
from callqa.review import audit, workflow
from callqa.review.cases import case_dict
from callqa.store.database import Database
from callqa.store.models import Call, ReviewCase, ViolationDecision

from .conftest import AddCall, People, violation_ids


def state(db: Database, call_id: str) -> dict:
    with db.session() as s:
        call = s.scalar(select(Call).where(Call.call_id == call_id))
        return case_dict(s.scalar(select(ReviewCase).where(ReviewCase.call_pk == call.id)))


@pytest.fixture
def reviewed(people: People, add_call: AddCall, run, db: Database) -> list[int]:
    """c1 (team A, insp1's): R1, R2, R3 confirmed and R4 a false positive, submitted (score 70)."""
    add_call("c1", rules=("R1", "R2", "R3", "R4"))
    ids = violation_ids(db, "c1")
    for vid, decision in zip(ids, ("confirmed", "confirmed", "confirmed", "false_positive"), strict=True):
        run(workflow.decide_violation, people.insp1, vid, decision)
    run(workflow.submit_verdict, people.insp1, "c1")
    assert state(db, "c1")["reviewed_score"] == 70  # each of R1-R3 deducts 10
    return ids


def test_the_final_judgement_decides_each_contested_violation(
    people: People, reviewed: list[int], run, db: Database
) -> None:
    v1, v2, v3, _ = reviewed
    run(workflow.appeal, people.lead_a, "c1", "R1 和 R2 是客户说的", violation_ids=[v2, v1])
    appealed = state(db, "c1")
    assert appealed["state"] == "appealed"
    assert appealed["appeals"][0]["hits"] == {str(v1): None, str(v2): None}

    run(
        workflow.decide_appeal,
        people.sup,
        "c1",
        None,
        "R1 确是客户所说",
        per_hit={v1: "overturn", v2: "uphold"},
    )
    final = state(db, "c1")
    assert (final["state"], final["final_outcome"], final["verdict"]) == ("final", "partly", "confirmed")
    assert final["appeals"][0]["hits"] == {str(v1): "overturned", str(v2): "upheld"}
    assert final["appeals"][0]["decision"] == "partly"
    assert final["decisions"][str(v1)] == "false_positive"
    assert final["decisions"][str(v2)] == final["decisions"][str(v3)] == "confirmed"  # v3 was not contested
    assert final["reviewed_score"] == 80
    with db.session() as s:
        overturned = s.scalar(select(ViolationDecision).where(ViolationDecision.violation_id == v1))
        assert overturned.decided_by == people.sup.id and "R1 确是客户所说" in (overturned.comment or "")
        rows = audit.export_rows(s)
        assert audit.verify(s) == []
    entries = [(r["action"], r["entity_id"]) for r in rows][-2:]
    assert entries == [("violation.overturn", str(v1)), ("appeal.decide", "c1")]
    decided = rows[-1]
    assert (decided["before"]["reviewed_score"], decided["after"]["reviewed_score"]) == (70, 80)


def test_overturning_every_confirmed_violation_leaves_no_violation(
    people: People, reviewed: list[int], run, db: Database
) -> None:
    run(workflow.appeal, people.lead_a, "c1", "都不成立")  # a whole-case appeal: every confirmed one
    assert set(state(db, "c1")["appeals"][0]["hits"]) == {str(v) for v in reviewed[:3]}
    run(workflow.decide_appeal, people.sup, "c1", "overturn")
    final = state(db, "c1")
    assert (final["final_outcome"], final["verdict"], final["reviewed_score"]) == (
        "overturned",
        "all_false_positive",
        100,
    )
    assert set(final["appeals"][0]["hits"].values()) == {"overturned"}


def test_upholding_every_contested_violation(people: People, reviewed: list[int], run, db: Database) -> None:
    v1 = reviewed[0]
    run(workflow.appeal, people.lead_a, "c1", "不服", violation_ids=[v1])
    run(workflow.decide_appeal, people.sup, "c1", per_hit={v1: "uphold"})
    final = state(db, "c1")
    assert (final["final_outcome"], final["verdict"], final["reviewed_score"]) == ("upheld", "confirmed", 70)


def test_an_appeal_names_confirmed_violations_of_its_own_case(
    people: People, reviewed: list[int], add_call: AddCall, run, db: Database
) -> None:
    add_call("c2")
    other = violation_ids(db, "c2")[0]
    false_positive = reviewed[3]
    with pytest.raises(InvalidInput, match="至少选择一条"):
        run(workflow.appeal, people.lead_a, "c1", "why", violation_ids=[])
    for wrong in (false_positive, other, 999_999):
        with pytest.raises(InvalidInput, match="已确认的违规"):
            run(workflow.appeal, people.lead_a, "c1", "why", violation_ids=[reviewed[0], wrong])
    assert state(db, "c1")["state"] == "submitted" and state(db, "c1")["appeals"] == []


def test_the_final_judgement_must_decide_every_contested_violation(
    people: People, reviewed: list[int], run, db: Database
) -> None:
    v1, v2, v3, _ = reviewed
    run(workflow.appeal, people.lead_a, "c1", "why", violation_ids=[v1, v2])
    refused = (
        {"per_hit": {v1: "overturn"}},  # v2 left out
        {"per_hit": {v1: "overturn", v2: "uphold", v3: "overturn"}},  # v3 was not contested
        {},  # nothing decided
    )
    for kwargs in refused:
        with pytest.raises(InvalidInput, match="每一条违规"):
            run(workflow.decide_appeal, people.sup, "c1", **kwargs)
    with pytest.raises(InvalidInput, match="unknown outcome"):
        run(workflow.decide_appeal, people.sup, "c1", per_hit={v1: "maybe", v2: "uphold"})
    assert state(db, "c1")["state"] == "appealed"
    assert set(state(db, "c1")["decisions"].values()) == {"confirmed", "false_positive"}
