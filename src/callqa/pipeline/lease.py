"""A worker's claim on one call, as a lease in the database: what makes distributed processing
exactly-once, whatever the broker does.

A broker may deliver a task twice (a redelivery after a lost worker, a task sent again by the reaper)
or lose it (a broker restart). So the task itself decides nothing: a worker *claims* the call in one
UPDATE (pending, or processing under a lease that has run out) and keeps the lease alive with a
heartbeat while it transcribes; it stores the result in one transaction that first checks it still
holds the claim (`callqa.pipeline.process.save_claimed_result`). A duplicate task finds the call
done or held, and a worker that died leaves a lease that runs out, after which the reaper puts the
call back to pending to be sent again (`callqa.workers.dispatch`). Times are the machines' UTC
clocks: keep them in step (NTP); a lease of a minute tolerates seconds of skew.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from callqa.store.database import Database
from callqa.store.models import Call, db_now

log = logging.getLogger("callqa.lease")
BACK_TO_PENDING: dict[str, object] = {
    "status": "pending", "claimed_by": None, "lease_expires_at": None, "enqueued_at": None
}  # fmt: skip


@dataclass(frozen=True)
class ClaimedCall:
    """What a worker needs to process a call it holds."""

    pk: int
    stored_path: str  # relative to the workspace
    channels: str
    sha256: str


def new_owner() -> str:
    """host:pid:random, written into `claimed_by` (the same shape as an in-process run's claim)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def update_calls(session: Session, *where: ColumnElement[bool], **values: object) -> int:
    """UPDATE calls SET values WHERE where; returns the number of rows it changed. A plain UPDATE
    (no ORM synchronisation, no RETURNING) so that its row count is exact on every database: the
    count is how a claim knows it won."""
    done = session.execute(
        update(Call).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def claim(db: Database, call_pk: int, owner: str, lease_s: float) -> ClaimedCall | None:
    """Take the call for `owner` until now + `lease_s`, if it is pending or its holder's lease ran
    out; None if it is done, failed, gone or held by a live lease (a duplicate task)."""
    now = db_now()
    runs_out = now + timedelta(seconds=lease_s)
    with db.session() as session:
        free = or_(Call.status == "pending", and_(Call.status == "processing", Call.lease_expires_at < now))
        taken = {"status": "processing", "claimed_by": owner, "lease_expires_at": runs_out, "error": None}
        if not update_calls(session, Call.id == call_pk, free, **taken):
            return None
        pk, path, channels, sha = session.execute(
            select(Call.id, Call.stored_path, Call.channels, Call.content_sha256).where(Call.id == call_pk)
        ).one()
        return ClaimedCall(pk, path, channels, sha)


def lease_left_s(db: Database, call_pk: int) -> float | None:
    """Seconds until the lease on a call held by someone runs out (None: not held under a lease)."""
    with db.session() as session:
        row = session.execute(
            select(Call.status, Call.lease_expires_at).where(Call.id == call_pk)
        ).one_or_none()
    if row is None or row[0] != "processing" or row[1] is None:
        return None
    return max(0.0, (row[1] - db_now()).total_seconds())


def _held_by(call_pk: int, owner: str) -> tuple[ColumnElement[bool], ...]:
    return (Call.id == call_pk, Call.status == "processing", Call.claimed_by == owner)


def renew(db: Database, call_pk: int, owner: str, lease_s: float) -> bool:
    """Extend `owner`'s lease; False if it no longer holds the call."""
    with db.session() as session:
        return bool(update_calls(session, *_held_by(call_pk, owner),
                                 lease_expires_at=db_now() + timedelta(seconds=lease_s)))  # fmt: skip


def release(db: Database, call_pk: int, owner: str) -> bool:
    """Give a held call back (pending, to be sent again), e.g. when its recording could not be fetched."""
    with db.session() as session:
        return bool(update_calls(session, *_held_by(call_pk, owner), **BACK_TO_PENDING))


def reap_expired(db: Database) -> int:
    """Put calls whose worker's lease ran out back to pending, not yet sent; returns how many."""
    with db.session() as session:
        return update_calls(session, Call.status == "processing", Call.lease_expires_at < db_now(),
                            **BACK_TO_PENDING)  # fmt: skip


class Heartbeat:
    """Renews a lease every third of its length from a thread, while the call is being processed.
    A renewal that fails (the database restarting) is tried again at the next beat; the lease only
    runs out if the database stays away for two thirds of it."""

    def __init__(self, db: Database, call_pk: int, owner: str, lease_s: float):
        self.db, self.call_pk, self.owner, self.lease_s = db, call_pk, owner, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{call_pk}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                if not renew(self.db, self.call_pk, self.owner, self.lease_s):
                    return  # stored meanwhile, or taken over after the lease ran out
            except Exception as exc:  # the database restarting: try at the next beat
                log.warning("call %d: lease not renewed: %s", self.call_pk, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
