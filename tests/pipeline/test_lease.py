"""Leases: a call is claimed by one worker at a time, re-claimed only after its lease ran out, and a
result is stored only by the worker that still holds the call (real database, fake speech engine)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from callqa.pipeline import lease
from callqa.pipeline.process import reclaim_abandoned, save_claimed_result
from callqa.rules import load_default_pack
from callqa.store.database import open_database
from callqa.store.models import AuditEntry, Call, ReviewCase, TranscriptSegment
from callqa.workspace import Workspace
from tests.conftest import EXAMPLES, run_cli
from tests.fakes import ScriptedSpeech


def _workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    """One example call (p02, with violations), ingested and pending."""
    manifest = (EXAMPLES / "manifest.csv").read_text().splitlines()
    row = next(line for line in manifest[1:] if line.split(",")[1] == "p02")
    (tmp_path / "m.csv").write_text(
        f"{manifest[0]}\n{row.replace('calls/', str(EXAMPLES / 'calls') + '/')}\n"
    )
    code, _, stderr = run_cli("ingest", "--manifest", str(tmp_path / "m.csv"), "-w", str(tmp_path / "ws"))
    assert code == 0, stderr
    ws = Workspace.open(tmp_path / "ws")
    return ws, open_database(ws)


def test_a_claimed_call_is_not_claimed_again_until_its_lease_runs_out(tmp_path: Path) -> None:
    _ws, db = _workspace(tmp_path)
    assert lease.claim(db, 1, "a", lease_s=0.5) is not None
    assert lease.claim(db, 1, "b", lease_s=60) is None  # a duplicate task: the lease is alive
    assert 0 < (lease.lease_left_s(db, 1) or 0) <= 0.5
    time.sleep(0.6)
    assert lease.renew(db, 1, "b", 60) is False  # b never held it
    taken = lease.claim(db, 1, "b", lease_s=60)  # a died: its lease ran out
    assert taken is not None and taken.stored_path.startswith("recordings/")
    assert lease.renew(db, 1, "a", 60) is False and lease.renew(db, 1, "b", 60) is True
    assert lease.release(db, 1, "b") is True
    with db.session() as session:
        assert session.scalar(select(Call.status)) == "pending"


def test_a_result_is_stored_only_by_the_holder_and_only_once(tmp_path: Path) -> None:
    ws, db = _workspace(tmp_path)
    pack, engine = load_default_pack(), ScriptedSpeech.for_examples()
    first = lease.claim(db, 1, "a", lease_s=0.2)
    assert first is not None
    result_a = engine(1, str(ws.root / first.stored_path), first.channels)
    time.sleep(0.3)  # a stalls past its lease; b takes the call over
    second = lease.claim(db, 1, "b", lease_s=60)
    assert second is not None
    assert save_claimed_result(db, pack, result_a, "m", 0.0, "a") is None  # a's late result is dropped
    saved = save_claimed_result(
        db, pack, engine(1, str(ws.root / second.stored_path), second.channels), "m", 0.0, "b"
    )
    assert saved is not None and saved.status == "flagged"
    assert save_claimed_result(db, pack, result_a, "m", 0.0, "b") is None  # a redelivered task: done
    assert lease.claim(db, 1, "c", lease_s=60) is None and lease.lease_left_s(db, 1) is None
    with db.session() as session:
        call = session.scalars(select(Call)).one()
        assert (call.attempts, call.claimed_by, call.lease_expires_at) == (1, None, None)
        segments = session.scalar(select(func.count(TranscriptSegment.id)))
        cases = session.scalar(select(func.count(ReviewCase.id)))
        opened = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "case.open"))
    assert segments == len(engine.scripts[call.content_sha256]) > 0 and cases == 1 and opened <= 1


def test_expired_leases_are_reaped_and_live_ones_are_left(tmp_path: Path) -> None:
    _ws, db = _workspace(tmp_path)
    assert lease.claim(db, 1, "other-host:1:x", lease_s=60)
    assert reclaim_abandoned(db) == 0 and lease.reap_expired(db) == 0  # a live worker elsewhere
    lease.release(db, 1, "other-host:1:x")
    assert lease.claim(db, 1, "other-host:1:x", lease_s=0.1)
    time.sleep(0.2)
    assert reclaim_abandoned(db) == 1  # `callqa process` takes a dead worker's call back too
    assert lease.claim(db, 1, "w", lease_s=0.1)
    time.sleep(0.2)
    assert lease.reap_expired(db) == 1
    with db.session() as session:
        assert session.execute(select(Call.status, Call.claimed_by, Call.enqueued_at)).one() == (
            "pending",
            None,
            None,
        )
