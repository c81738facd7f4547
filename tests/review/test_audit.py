"""The hash-chained audit log: intact logs verify; edits, deletions and reorderings are caught."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from callqa.review import audit
from callqa.store.database import Database
from callqa.store.models import AuditEntry, User


@pytest.fixture
def logged(db: Database) -> list[int]:
    """Five entries; returns their ids."""
    with db.session() as s:
        ids = [
            audit.append(s, "tester", "thing.change", "thing", n, {"n": n}, {"n": n + 1, "名": "值"}).id
            for n in range(5)
        ]
    return ids


def problems(db: Database) -> list[audit.Problem]:
    with db.session() as s:
        return audit.verify(s)


def test_an_untouched_log_verifies(db: Database, logged: list[int]) -> None:
    assert problems(db) == []
    with db.session() as s:
        assert audit.count(s)[0] == 5
        rows = audit.export_rows(s)
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    assert rows[2]["after"] == {"n": 3, "名": "值"}
    assert rows[2]["actor"] == "tester"


def test_actor_is_recorded_by_id_and_name(db: Database) -> None:
    with db.session() as s:
        user = User(
            username="u",
            password_hash="x",
            role="admin",
            active=True,
            failed_logins=0,
            created_at=datetime(2026, 1, 1),
        )
        s.add(user)
        s.flush()
        entry = audit.append(s, user, "x.y", "x", 1)
        assert (entry.actor_id, entry.actor) == (user.id, "u")


def test_an_edited_entry_is_caught(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        s.execute(
            text("UPDATE audit_log SET after = :after WHERE id = :id"), {"after": '{"n":99}', "id": logged[2]}
        )
    found = problems(db)
    assert found[0].entry_id == logged[2]
    assert "edited" in found[0].reason


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        entry = s.get_one(AuditEntry, logged[1])
        entry.actor = "someone else"
        entry.hash = audit.entry_hash(entry)
    found = problems(db)
    assert found[0].entry_id == logged[2]
    assert "deleted or entries were reordered" in found[0].reason


def test_a_deleted_entry_is_caught(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": logged[1]})
    found = problems(db)
    assert found[0].entry_id == logged[2]
    assert f"does not follow entry {logged[0]}" in found[0].reason


def test_deleting_the_first_entry_is_caught(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": logged[0]})
    assert problems(db)[0].entry_id == logged[1]


def test_swapped_entries_are_caught(db: Database, logged: list[int]) -> None:
    a, b = logged[1], logged[2]
    with db.session() as s:
        s.execute(text("UPDATE audit_log SET id = -1 WHERE id = :a"), {"a": a})
        s.execute(text("UPDATE audit_log SET id = :a WHERE id = :b"), {"a": a, "b": b})
        s.execute(text("UPDATE audit_log SET id = :b WHERE id = -1"), {"b": b})
    found = problems(db)
    assert found[0].entry_id == a
    assert "reordered" in found[0].reason


def test_the_chain_cannot_fork(db: Database, logged: list[int]) -> None:
    with pytest.raises(IntegrityError), db.session() as s:
        last = s.get_one(AuditEntry, logged[-1])
        fork = AuditEntry(
            at=last.at,
            actor="x",
            action="y",
            entity="z",
            entity_id="1",
            prev_hash=last.prev_hash,  # a second successor of the same entry
        )
        fork.hash = audit.entry_hash(fork)
        s.add(fork)
