"""User accounts, their API tokens and sessions: argon2id passwords, hashed tokens, revocation.

Functions that change accounts take the acting user (who must be an active admin) or, for the local
command line and the system, a plain name; each change writes an audit entry. The caller owns the
transaction.

Revocation: signing out ends the current session (``callqa.review.signin``). Resetting a password,
disabling a user and "sign out everywhere" end *every* session and revoke *every* API token of the
user: a leaked password, cookie or token stops working at once. Users revoke their own sessions and
tokens; admins (and the local command line) anyone's. A non-admin asking about another user's tokens
is refused before the name is looked up, so the answer never tells whether that user exists.

There is no account lockout (anyone could trigger it against anyone): repeated failures are slowed
per (name, address) by ``callqa.review.throttle``; ``unlock`` and ``reset_password`` clear that.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callqa.digest import secret_digest
from callqa.errors import InvalidInput, NotFound, PermissionDenied
from callqa.review import audit, throttle, websessions, workflow
from callqa.review.audit import Actor
from callqa.store.models import USER_ROLES, ApiToken, User, WebSession, db_now

TOKEN_PREFIX = "cqa_"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_dummy: tuple[PasswordHasher, str] | None = None  # (hasher, a hash it made): same cost as real hashes


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def user_dict(user: User) -> dict[str, object]:
    """A user as shown to people and tools (never the password hash).

    ``failed_logins`` counts wrong passwords since the last sign-in or unlock and ``locked_until`` is
    until when sign-in from the address that failed is delayed (None once past): both informational,
    for admins (no lockout: see ``callqa.review.throttle``).
    """
    delayed = user.locked_until if user.locked_until and user.locked_until > db_now() else None
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "team": user.team,
        "active": user.active,
        "created_at": user.created_at.isoformat(timespec="seconds"),
        "failed_logins": user.failed_logins,
        "locked_until": delayed.isoformat(timespec="seconds") if delayed else None,
    }


def _is_admin(actor: Actor) -> bool:
    return not isinstance(actor, User) or (actor.role == "admin" and actor.active)


def _require_admin(actor: Actor) -> None:
    if not _is_admin(actor):
        raise PermissionDenied("只有管理员可以管理账号")


def _require_self_or_admin(actor: Actor, username: str) -> None:
    """Refuse before any lookup: the refusal must not depend on whether `username` exists."""
    if not (_is_admin(actor) or (isinstance(actor, User) and actor.active and actor.username == username)):
        raise PermissionDenied("只有管理员可以管理其他用户的登录会话和 API 令牌")


def _own_row_or_admin(actor: Actor, row: ApiToken | WebSession | None, what: str, row_id: int) -> None:
    """One's own token or session, or an admin: another user's is refused the same way whether or
    not it exists, and only then does a missing one say so."""
    if not _is_admin(actor) and (row is None or not (isinstance(actor, User) and actor.id == row.user_id)):
        raise PermissionDenied(f"只有管理员可以管理其他用户的{what}")
    if row is None:
        raise NotFound(f"{what} {row_id} 不存在")


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户“{username}”")
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
    """Add an account; returns it and its password (generated unless given) to show once. A new
    inspector gets a share of the unassigned cases at once (`workflow.assign_backlog`)."""
    _require_admin(actor)
    username = username.strip()
    if not username or len(username) > 100:
        raise InvalidInput("用户名须为 1 到 100 个字符")
    if role not in USER_ROLES:
        raise InvalidInput(f"未知角色“{role}”，可选：{'、'.join(USER_ROLES)}")
    team = (team or "").strip() or None
    if role == "team_lead" and team is None:
        raise InvalidInput("催收组长必须填写团队")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"用户“{username}”已存在")
    password = password or generate_password()
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        team=team,
        active=True,
        created_at=db_now(),
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.append(session, actor, "user.create", "user", user.username, None, user_dict(user))
    _take_backlog(session, user)
    return user, password


def _take_backlog(session: Session, user: User) -> None:
    """A new or re-enabled inspector joins the rotation at once: the unassigned cases are dealt out."""
    if user.active and user.role == "inspector":
        workflow.assign_backlog(session)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_password_check(password: str) -> None:
    """Do the work of one password check against nothing: every failure costs the same time."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    _password_matches(_dummy[1], password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None, after the same hashing work in every case.

    A wrong password for an existing account is counted in ``failed_logins`` (informational only).
    Callers that face the network go through ``callqa.review.signin``, which adds the throttle.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        burn_password_check(password)  # no user enumeration by timing
        return None
    if not _password_matches(user.password_hash, password):
        user.failed_logins += 1
        return None
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def end_everything(session: Session, user: User) -> dict[str, int]:
    """End every session and revoke every API token of the user (no audit entry: callers write it)."""
    now = db_now()
    ended = websessions.revoke_all(session, user, now)
    revoked = session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).values(revoked=True)
    ).rowcount  # type: ignore[attr-defined]
    return {"ended_sessions": ended, "revoked_tokens": int(revoked or 0)}


def _lift_throttle(session: Session, user: User) -> None:
    throttle.clear(session, user.username)
    user.failed_logins, user.locked_until = 0, None


def reset_password(session: Session, actor: Actor, username: str) -> str:
    """Give the user a new generated password (returned, to show once), end every session and token
    of theirs (whoever knew the old password may hold one) and lift any sign-in delay."""
    _require_admin(actor)
    user = get_user(session, username)
    before = user_dict(user)
    password = generate_password()
    user.password_hash = _hasher.hash(password)
    _lift_throttle(session, user)
    ended = end_everything(session, user)
    audit.append(
        session, actor, "user.reset_password", "user", user.username, before, user_dict(user) | ended
    )
    return password


def set_active(session: Session, actor: Actor, username: str, active: bool) -> User:
    """Enable or disable an account. Disabling ends every session and token of the user (enabling
    again does not bring them back); an admin cannot disable themselves (the last admin would be lost).
    Enabling an inspector deals out the unassigned cases (`workflow.assign_backlog`)."""
    _require_admin(actor)
    user = get_user(session, username)
    if not active and isinstance(actor, User) and actor.id == user.id:
        raise InvalidInput("不能停用自己的账号")
    before = user_dict(user)
    user.active = active
    ended = {} if active else end_everything(session, user)
    action = "user.enable" if active else "user.disable"
    audit.append(session, actor, action, "user", user.username, before, user_dict(user) | ended)
    _take_backlog(session, user)
    return user


def unlock(session: Session, actor: Actor, username: str) -> User:
    """Forget the user's failed sign-ins from every address (解除锁定)."""
    _require_admin(actor)
    user = get_user(session, username)
    before = user_dict(user)
    _lift_throttle(session, user)
    audit.append(session, actor, "user.unlock", "user", user.username, before, user_dict(user))
    return user


def sign_out_everywhere(session: Session, actor: Actor, username: str) -> dict[str, int]:
    """End every session and revoke every token of `username` (themselves, or an admin for anyone)."""
    _require_self_or_admin(actor, username)
    user = get_user(session, username)
    ended = end_everything(session, user)
    audit.append(session, actor, "user.signout_everywhere", "user", user.username, None, ended)
    return ended


# --- sessions ---------------------------------------------------------------------------------------


def list_sessions(session: Session, actor: Actor, username: str) -> list[WebSession]:
    """The live sessions of `username` (one's own, or an admin's view of anyone's), newest first."""
    _require_self_or_admin(actor, username)
    return websessions.of_user(session, get_user(session, username), db_now())


def revoke_session(session: Session, actor: Actor, session_id: int) -> WebSession:
    """End one session: one's own, or anyone's for an admin. Another user's session is refused the
    same way whether or not it exists."""
    row = session.get(WebSession, session_id)
    _own_row_or_admin(actor, row, "登录会话", session_id)
    assert row is not None
    before = websessions.session_dict(row)
    if row.revoked_at is None:
        row.revoked_at = db_now()
    audit.append(session, actor, "session.revoke", "web_session", row.id, before,
                 websessions.session_dict(row))  # fmt: skip
    return row


# --- API tokens ---------------------------------------------------------------------------------------


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
    """A new token acting as `username`; returns the row and the token itself (shown once, never stored).

    Users make their own; admins anyone's. The permission check comes first, so a non-admin asking
    for someone else's token gets the same refusal whether or not that user exists."""
    _require_self_or_admin(actor, username)
    user = get_user(session, username)
    if not name.strip():
        raise InvalidInput("API 令牌须有名称")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user, name=name.strip(), token_hash=secret_digest(token), created_at=db_now(), revoked=False
    )
    session.add(row)
    session.flush()
    audit.append(session, actor, "api_token.create", "api_token", row.id, None, token_dict(row))
    return row, token


def list_tokens(session: Session, actor: Actor, username: str | None = None) -> list[ApiToken]:
    """API tokens (revoked ones included), newest first: `username`'s, or with None every user's
    (admins) or one's own (others)."""
    if username is None and isinstance(actor, User) and not _is_admin(actor):
        username = actor.username
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if username is not None:
        _require_self_or_admin(actor, username)
        query = query.where(ApiToken.user_id == get_user(session, username).id)
    return list(session.scalars(query))


def authenticate_token(session: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None; records when the token was last used."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == secret_digest(token)))
    if row is None or row.revoked or not row.user.active:
        return None
    row.last_used_at = db_now()
    return row.user


def revoke_api_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one token: one's own, or anyone's for an admin. Another user's token is refused the
    same way whether or not it exists."""
    row = session.get(ApiToken, token_id)
    _own_row_or_admin(actor, row, "API 令牌", token_id)
    assert row is not None
    before = token_dict(row)
    row.revoked = True
    audit.append(session, actor, "api_token.revoke", "api_token", row.id, before, token_dict(row))
    return row
