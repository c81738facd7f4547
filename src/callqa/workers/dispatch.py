"""Sending calls to the workers, and the reaper that makes sure none is forgotten.

Every pass (`dispatch`): calls whose worker's lease ran out go back to pending; pending calls never
sent get a task; and, when the broker's queue is empty, pending calls sent more than a lease
(`worker_lease_s`) ago get one again: their task was lost (a broker restart without persistence).
A task sent twice is harmless (the lease makes the second a no-op), so the reaper errs on the side
of sending. `callqa process` runs a pass at the start and while it waits, `callqa serve` every few
seconds and after an upload, and each `callqa worker` every half lease; any one of them suffices.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from amqp.exceptions import ChannelError
from celery import Celery
from sqlalchemy import select, update

from callqa.pipeline.lease import reap_expired
from callqa.review.workflow import assign_backlog
from callqa.store.database import Database
from callqa.store.models import Call, db_now
from callqa.workers.app import QUEUE, TASK

log = logging.getLogger("callqa.dispatch")


@dataclass(frozen=True)
class Dispatched:
    sent: int
    reaped: int


def queue_length(app: Celery) -> int | None:
    """Tasks waiting in the broker's queue (None: the broker cannot say now)."""
    try:
        with app.connection_for_write() as conn:
            return int(conn.default_channel.queue_declare(queue=QUEUE, passive=True).message_count)
    except ChannelError:  # no such queue: nothing was ever sent, or Redis dropped the empty list
        return 0
    except Exception:  # the broker is unreachable
        return None


def dispatch(db: Database, app: Celery, resend_after_s: float) -> Dispatched:
    """One pass of sending and reaping (see the module's docstring); the review backlog is dealt after."""
    reaped = reap_expired(db)
    now = db_now()
    with db.session() as session:
        pending = session.execute(select(Call.id, Call.enqueued_at).where(Call.status == "pending")).all()
    due = [pk for pk, at in pending if at is None]
    stale = [pk for pk, at in pending if at is not None and at < now - timedelta(seconds=resend_after_s)]
    if stale and queue_length(app) == 0:
        log.info("re-sending %d pending call(s) whose task was lost", len(stale))
        due += stale
    sent = _send(db, app, sorted(due))
    with db.session() as session:
        assign_backlog(session)
    return Dispatched(sent, reaped)


def _send(db: Database, app: Celery, pks: list[int]) -> int:
    """Send one task per call; marks what was sent (what the broker refused is tried next pass)."""
    sent: list[int] = []
    try:
        for pk in pks:
            app.send_task(TASK, args=[pk], queue=QUEUE, retry=False)
            sent.append(pk)
    except Exception as exc:  # the broker is away: the rest go at a later pass
        log.warning("broker unavailable after %d of %d calls: %s", len(sent), len(pks), exc)
    for start in range(0, len(sent), 500):
        with db.session() as session:
            session.execute(
                update(Call)
                .where(Call.id.in_(sent[start : start + 500]), Call.status == "pending")
                .values(enqueued_at=db_now())
            )
    return len(sent)
