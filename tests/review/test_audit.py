"""The keyed hash-chained audit log: intact logs verify; edits, deletions and reorderings are caught,
also when the tamperer recomputes the hashes without the key; an anchor catches truncation."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from callqa.review import audit
from callqa.store.database import Database
from callqa.store.models import AuditEntry, User
from tests.conftest import TEST_AUDIT_KEY

pytestmark = pytest.mark.both_databases  # runs on SQLite and PostgreSQL


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
    assert "被改动" in found[0].reason


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        entry = s.get_one(AuditEntry, logged[1])
        entry.actor = "someone else"
        entry.hash = audit.entry_hash(entry, TEST_AUDIT_KEY)
    found = problems(db)
    assert found[0].entry_id == logged[2]
    assert "有记录被删除，或记录顺序被调换" in found[0].reason


def test_a_deleted_entry_is_caught(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": logged[1]})
    found = problems(db)
    assert found[0].entry_id == logged[2]
    assert f"未接续第 {logged[0]} 条" in found[0].reason


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
    assert "顺序被调换" in found[0].reason


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
        fork.hash = audit.entry_hash(fork, TEST_AUDIT_KEY)
        s.add(fork)


def rewrite_chain(db: Database, digest: Callable[[str], str]) -> None:
    """What a tamperer with write access to the database does after editing: recompute every
    entry's prev_hash and hash in order, with `digest` over the canonical JSON of the fields."""
    with db.session() as s:
        rows = s.execute(text("SELECT * FROM audit_log ORDER BY id")).mappings().all()
        previous = audit.GENESIS
        for row in rows:
            fields = {
                k: row[k] for k in ("actor_id", "actor", "action", "entity", "entity_id", "before", "after")
            }
            fields["at"] = datetime.fromisoformat(str(row["at"])).isoformat(timespec="microseconds")
            fields["prev_hash"] = previous
            new = digest(audit.canonical_json(fields))
            s.execute(
                text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": previous, "h": new, "id": row["id"]},
            )
            previous = new


def delete_and_edit(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": logged[1]})
        s.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = :id"), {"id": logged[3]})


def test_a_rewrite_with_recomputed_plain_hashes_is_caught(db: Database, logged: list[int]) -> None:
    delete_and_edit(db, logged)
    rewrite_chain(db, lambda data: hashlib.sha256(data.encode()).hexdigest())
    found = problems(db)
    assert [p.entry_id for p in found] == [logged[0], logged[2], logged[3], logged[4]]
    assert all("被改动" in p.reason for p in found)


def test_a_rewrite_under_another_key_is_caught(db: Database, logged: list[int]) -> None:
    delete_and_edit(db, logged)
    rewrite_chain(db, lambda data: hmac.new(b"guessed key", data.encode(), hashlib.sha256).hexdigest())
    assert len(problems(db)) == 4


def test_the_same_rewrite_with_the_real_key_verifies(db: Database, logged: list[int]) -> None:
    """The rewrite helper is faithful: only the key stops it (so the two tests above test the key)."""
    delete_and_edit(db, logged)
    rewrite_chain(db, lambda data: hmac.new(TEST_AUDIT_KEY, data.encode(), hashlib.sha256).hexdigest())
    assert problems(db) == []


def test_the_wrong_key_reports_every_entry(db: Database, logged: list[int]) -> None:
    other = Database(db.url, audit_key=b"another workspace's key")
    try:
        with other.session() as s:
            found = audit.verify(s)
    finally:
        other.close()
    assert [p.entry_id for p in found] == logged
    assert all("被改动" in p.reason for p in found)


def test_nothing_is_appended_or_verified_without_a_key(db: Database, logged: list[int]) -> None:
    keyless = Database(db.url)
    try:
        with pytest.raises(audit.AuditKeyMissing, match="without the audit key"), keyless.session() as s:
            audit.append(s, "tester", "thing.change", "thing", 9)
        with pytest.raises(audit.AuditKeyMissing), keyless.session() as s:
            audit.verify(s)
    finally:
        keyless.close()
    with db.session() as s:
        assert audit.count(s)[0] == len(logged)


def test_an_anchor_catches_deleted_newest_entries(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        anchored = audit.parse_anchor(json.dumps(audit.anchor(s)))
        assert audit.check_anchor(s, *anchored) is None
        audit.append(s, "tester", "thing.change", "thing", 5)
        assert audit.check_anchor(s, *anchored) is None  # later entries extend the anchored log
    with db.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": logged[3]})
    assert problems(db) == []  # what is left is a valid chain...
    with db.session() as s:
        reason = audit.check_anchor(s, *anchored)  # ...but shorter than the anchored one
    assert reason == "the log has 3 entries, fewer than the 5 anchored: entries were deleted"


def test_an_anchor_catches_a_rewritten_head(db: Database, logged: list[int]) -> None:
    with db.session() as s:
        entries, head = audit.count(s)
        s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": logged[-1]})
        audit.append(s, "tester", "other.change", "thing", 4)  # the same length again, validly chained
    assert problems(db) == []
    with db.session() as s:
        reason = audit.check_anchor(s, entries, head)
    assert reason is not None and "no longer has the anchored hash" in reason


@pytest.mark.parametrize(
    "bad",
    ["", "[]", '{"entries": 5}', '{"entries": "5", "head": "x"}', '{"entries": true, "head": "x"}'],
)
def test_a_malformed_anchor_is_refused(bad: str) -> None:
    with pytest.raises(audit.AnchorError, match="not an audit anchor"):
        audit.parse_anchor(bad)


def test_concurrent_writers_never_fork_the_chain(db: Database) -> None:
    """Workers on many machines append at once: the chain never forks. On PostgreSQL an advisory
    lock serializes the appends, so every one lands; on SQLite (one machine) the UNIQUE prev_hash
    refuses the loser of a race, whose transaction fails instead of forking the chain."""
    import threading

    barrier = threading.Barrier(4)
    failures: list[BaseException] = []
    landed: list[int] = []

    def writer(n: int) -> None:
        barrier.wait()
        for k in range(5):
            try:
                with db.session() as s:
                    audit.append(s, f"worker{n}", "thing.change", "thing", k)
                landed.append(k)
            except BaseException as exc:
                failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(exc, IntegrityError) for exc in failures)
    assert problems(db) == []
    with db.session() as s:
        assert audit.count(s)[0] == len(landed) == 20 - len(failures)
    if db.engine.dialect.name == "postgresql":
        assert failures == []
