"""Server-side workbench sessions: the signed cookie carries only a random id, the table its sha256.

A session is live while its row is neither revoked nor past ``expires_at`` (set at sign-in from the
workspace's ``session_hours``) and its user is active. Revoking the row ends it for good: a copy of
the cookie replayed later finds a revoked row. Who may revoke what is decided in
``callqa.review.accounts``; this module only reads and writes rows.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from callqa.digest import secret_digest
from callqa.store.models import User, WebSession

SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is refreshed at most this often (one write a minute)
KEEP_ENDED = timedelta(days=30)  # ended rows are kept this long for the account page, then pruned


def start(
    session: Session, user: User, address: str, user_agent: str, hours: float, now: datetime
) -> tuple[WebSession, str]:
    """A new session row for `user`; returns it and the id for the cookie (never stored)."""
    session.execute(delete(WebSession).where(WebSession.expires_at < now - KEEP_ENDED))
    session_id = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id,
        session_hash=secret_digest(session_id),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        last_seen_at=now,
        address=address[:64],
        user_agent=user_agent[:200],
    )
    session.add(row)
    session.flush()
    return row, session_id


def live(session: Session, session_id: str, now: datetime) -> WebSession | None:
    """The live session with this cookie id (its user active), or None; notes when it was last used."""
    row = session.scalar(select(WebSession).where(WebSession.session_hash == secret_digest(session_id)))
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return row


def of_user(session: Session, user: User, now: datetime) -> list[WebSession]:
    """The user's live sessions, newest first."""
    return list(
        session.scalars(
            select(WebSession)
            .where(
                WebSession.user_id == user.id, WebSession.revoked_at.is_(None), WebSession.expires_at > now
            )
            .order_by(WebSession.created_at.desc(), WebSession.id.desc())
        )
    )


def revoke_all(session: Session, user: User, now: datetime) -> int:
    """End every live session of the user; returns how many were live."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None), WebSession.expires_at > now)
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def session_dict(row: WebSession) -> dict[str, object]:
    """A session as shown to its user and to admins (never the id or its hash)."""
    return {
        "id": row.id,
        "user": row.user.username,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "expires_at": row.expires_at.isoformat(timespec="seconds"),
        "last_seen_at": row.last_seen_at.isoformat(timespec="seconds"),
        "revoked": row.revoked_at is not None,
        "address": row.address,
        "user_agent": row.user_agent,
    }
