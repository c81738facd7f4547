"""Per-rule precision from reviewers' decisions."""

from __future__ import annotations

import pytest

from callqa.review import workflow
from callqa.review.precision import rule_precision
from callqa.store.database import Database

from .conftest import AddCall, People, violation_ids


def test_rule_precision(people: People, add_call: AddCall, run, db: Database) -> None:
    add_call("c1", rules=("R1", "R2"))  # insp1
    add_call("c2", rules=("R1", "R1", "R3"))  # insp2
    add_call("b1", team="B", rules=("R1",))  # insp1, undecided
    r1, r2 = violation_ids(db, "c1")
    run(workflow.decide_violation, people.insp1, r1, "confirmed")
    run(workflow.decide_violation, people.insp1, r2, "false_positive")
    a, b, _r3 = violation_ids(db, "c2")
    run(workflow.decide_violation, people.insp2, a, "confirmed")
    run(workflow.decide_violation, people.insp2, b, "false_positive")

    with db.session() as s:
        figures = rule_precision(s)
        team_a = rule_precision(s, people.lead_a)
    assert figures["R1"].to_json() == {
        "confirmed": 2,
        "false_positive": 1,
        "undecided": 1,
        "auto": 0,
        "precision": pytest.approx(2 / 3),
    }
    assert figures["R2"].to_json() == {
        "confirmed": 0,
        "false_positive": 1,
        "undecided": 0,
        "auto": 0,
        "precision": 0.0,
    }
    assert figures["R3"].to_json() == {
        "confirmed": 0,
        "false_positive": 0,
        "undecided": 1,
        "auto": 0,
        "precision": None,
    }
    assert (
        team_a["R1"].undecided == 0 and team_a["R1"].hits == 3
    )  # team B's call is not counted for team A's lead
