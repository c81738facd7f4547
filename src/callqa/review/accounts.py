"""User accounts and API tokens: argon2id passwords, lockout after repeated failures, hashed tokens.

Functions that change accounts take the acting user (who must be an active admin) or, for the local
command line and the system, a plain name; each change writes an audit entry. The caller owns the
transaction — including after a failed `authenticate`, whose failure count must be committed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.errors import InvalidInput, NotFound, PermissionDenied
from callqa.review import audit
from callqa.review.audit import Actor
from callqa.store.models import USER_ROLES, ApiToken, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_PREFIX = "cqa_"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_dummy_hash: str | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def user_dict(user: User) -> dict[str, object]:
    """A user as shown to people and tools (never the password hash)."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "team": user.team,
        "active": user.active,
        "created_at": user.created_at.isoformat(timespec="seconds"),
        "failed_logins": user.failed_logins,
        "locked_until": user.locked_until.isoformat(timespec="seconds") if user.locked_until else None,
    }


def _require_admin(actor: Actor) -> None:
    if isinstance(actor, User) and (actor.role != "admin" or not actor.active):
        raise PermissionDenied("only an administrator manages accounts")


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    role: str,
    team: str | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Add an account; returns it and its password (generated unless given) to show once."""
    _require_admin(actor)
    username = username.strip()
    if not username or len(username) > 100:
        raise InvalidInput("a username is 1 to 100 characters")
    if role not in USER_ROLES:
        raise InvalidInput(f"unknown role {role!r}; one of {', '.join(USER_ROLES)}")
    team = (team or "").strip() or None
    if role == "team_lead" and team is None:
        raise InvalidInput("a team lead needs a team")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"user {username!r} already exists")
    password = password or generate_password()
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        team=team,
        active=True,
        created_at=_now(),
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.append(session, actor, "user.create", "user", user.username, None, user_dict(user))
    return user, password


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str, now: datetime | None = None) -> User | None:
    """The active, unlocked user with this password, or None (the same for every kind of failure).

    The fifth consecutive wrong password locks the account for 15 minutes; while locked even the
    right password fails.
    """
    global _dummy_hash
    now = now or _now()
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _dummy_hash = _dummy_hash or _hasher.hash("not a password")
        _password_matches(_dummy_hash, password)  # same work as a real check: no user enumeration by timing
        return None
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not _password_matches(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            before = user_dict(user)
            user.failed_logins, user.locked_until = 0, now + LOCKOUT
            audit.append(session, "system", "user.lock", "user", user.username, before, user_dict(user))
        return None
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def reset_password(session: Session, actor: Actor, username: str) -> str:
    """Give the user a new generated password (returned, to show once) and lift any lockout."""
    _require_admin(actor)
    user = get_user(session, username)
    before = user_dict(user)
    password = generate_password()
    user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until = 0, None
    audit.append(session, actor, "user.reset_password", "user", user.username, before, user_dict(user))
    return password


def set_active(session: Session, actor: Actor, username: str, active: bool) -> User:
    """Enable or disable an account (disabled users cannot sign in nor receive assignments)."""
    _require_admin(actor)
    user = get_user(session, username)
    before = user_dict(user)
    user.active = active
    action = "user.enable" if active else "user.disable"
    audit.append(session, actor, action, "user", user.username, before, user_dict(user))
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_dict(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.id,
        "user": token.user.username,
        "name": token.name,
        "created_at": token.created_at.isoformat(timespec="seconds"),
        "last_used_at": token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else None,
        "revoked": token.revoked,
    }


def create_api_token(session: Session, actor: Actor, username: str, name: str) -> tuple[ApiToken, str]:
    """A new token acting as `username`; returns the row and the token itself (shown once, never stored)."""
    user = get_user(session, username)
    if not (isinstance(actor, User) and actor.id == user.id and actor.active):
        _require_admin(actor)
    if not name.strip():
        raise InvalidInput("a token needs a name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user, name=name.strip(), token_hash=_token_hash(token), created_at=_now(), revoked=False
    )
    session.add(row)
    session.flush()
    audit.append(session, actor, "api_token.create", "api_token", row.id, None, token_dict(row))
    return row, token


def authenticate_token(session: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None; records when the token was last used."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked or not row.user.active:
        return None
    row.last_used_at = _now()
    return row.user


def revoke_api_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}")
    if not (isinstance(actor, User) and actor.id == row.user_id and actor.active):
        _require_admin(actor)
    before = token_dict(row)
    row.revoked = True
    audit.append(session, actor, "api_token.revoke", "api_token", row.id, before, token_dict(row))
    return row
