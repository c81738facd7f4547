"""Signing in and out of the workbench: throttle, password check, session row and audit entry.

Every refused attempt costs the same argon2 work and gets one of two answers: "wrong name or
password", or "wait" when the (name, address) pair or the address is throttled. Both depend only on
what was submitted and from where, never on whether the name exists. Counted failures are audited
with the submitted name as actor (capped at 100 characters); attempts refused by the throttle are not
(the throttle bounds the audit volume; a refused attempt is never counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.review import accounts, audit, throttle, websessions
from callqa.store.models import User, WebSession, db_now

MAX_NAME = 100


@dataclass(frozen=True)
class Attempt:
    """A sign-in's outcome: the user, or None with `retry_after` set when the throttle refused it."""

    user: User | None
    retry_after: timedelta | None = None


def sign_in(
    session: Session, username: str, password: str, address: str, now: datetime | None = None
) -> Attempt:
    """Check the password unless this name or address must wait; count and audit a failure.

    The caller commits even when the attempt fails (the failure count must persist)."""
    now = now or db_now()
    wait = throttle.retry_after(session, username, address, now)
    if wait is not None:
        accounts.burn_password_check(password)  # a throttled answer takes as long as any other
        return Attempt(None, wait)
    user = accounts.authenticate(session, username, password)
    if user is None:
        until = throttle.record_failure(session, username, address, now)
        known = session.scalar(select(User).where(User.username == username))
        if known is not None and until is not None:
            known.locked_until = max(until, known.locked_until or until)
        name = username[:MAX_NAME] or "?"
        after = {"address": address, "delayed_until": until.isoformat(timespec="seconds") if until else None}
        audit.append(session, name, "auth.login_failed", "user", name, None, after)
        return Attempt(None)
    throttle.succeeded(session, username, address)
    return Attempt(user)


def open_session(
    session: Session, user: User, address: str, user_agent: str, hours: float
) -> tuple[WebSession, str]:
    """A new server-side session for a signed-in user; returns the row and the id for the cookie."""
    row, session_id = websessions.start(session, user, address, user_agent, hours, db_now())
    audit.append(session, user, "auth.login", "web_session", row.id, None,
                 {"address": row.address, "user_agent": row.user_agent})  # fmt: skip
    return row, session_id


def current(session: Session, session_id: str) -> WebSession | None:
    """The live session with this cookie id, or None (revoked, expired, unknown, or user disabled)."""
    return websessions.live(session, session_id, db_now())


def sign_out(session: Session, session_id: str) -> WebSession | None:
    """End the session with this cookie id (a replayed copy of the cookie then fails); audited."""
    row = current(session, session_id)
    if row is None:
        return None
    row.revoked_at = db_now()
    audit.append(session, row.user, "auth.logout", "web_session", row.id, None, {"address": row.address})
    return row
