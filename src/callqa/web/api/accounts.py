"""/api/me, /api/csrf, /api/users, /api/tokens and /api/sessions: accounts, API tokens, sign-ins.

Everyone lists and revokes their own sessions and tokens and may "sign out everywhere" (every session
and token at once); admins do the same for anyone, and disable, enable, reset or unlock (forget failed
sign-ins) an account. A non-admin asking about someone else's sessions or tokens gets 403 whether or
not they exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from callqa.errors import PermissionDenied
from callqa.review import accounts, websessions
from callqa.store.models import User
from callqa.web.api.deps import CSRF
from callqa.web.auth import CurrentUser
from callqa.web.schemas import (
    AdminAction,
    CsrfOut,
    EndedOut,
    Id,
    NewUserOut,
    PasswordOut,
    SessionInfo,
    TokenIn,
    TokenInfo,
    TokenOut,
    UserIn,
    Username,
    UserOut,
)
from callqa.web.security import csrf_token
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/me", response_model=UserOut)
def me(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        return accounts.user_dict(viewer.actor(session))


@router.get("/csrf", response_model=CsrfOut)
def csrf(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """The signed-in session's CSRF token (API-token callers do not need one)."""
    return {"csrf_token": csrf_token(request.session)}


@router.get("/users", response_model=list[UserOut])
def users(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    viewer.require("admin")
    with request.app.state.db.session() as session:
        return [accounts.user_dict(u) for u in accounts.list_users(session)]


@router.post("/users", response_model=NewUserOut, status_code=201, dependencies=CSRF)
def create_user(request: Request, viewer: CurrentViewer, body: UserIn):  # type: ignore[no-untyped-def]
    """Add an account (admins); the generated password is in the response, once."""
    viewer.require("admin")
    with request.app.state.db.session() as session:
        created, password = accounts.create_user(
            session, viewer.actor(session), body.username, body.role, body.team
        )
        return {"user": accounts.user_dict(created), "password": password}


@router.post("/users/{username}/reset", response_model=PasswordOut, dependencies=CSRF)
def reset_password(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, username: Annotated[str, Path(max_length=100)]
):
    """A new generated password for the user (admins), shown once."""
    viewer.require("admin")
    with request.app.state.db.session() as session:
        password = accounts.reset_password(session, viewer.actor(session), username)
        return {"username": username, "password": password}


@router.post("/tokens", response_model=TokenOut, status_code=201, dependencies=CSRF)
def create_token(request: Request, viewer: CurrentViewer, body: TokenIn):  # type: ignore[no-untyped-def]
    """An API token acting as `username` (admins: anyone; others: themselves), shown once."""
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        row, token = accounts.create_api_token(session, actor, body.username or actor.username, body.name)
        info = accounts.token_dict(row)
    return {
        "id": info["id"],
        "user": info["user"],
        "name": info["name"],
        "created_at": info["created_at"],
        "token": token,
    }


@router.get("/tokens", response_model=list[TokenInfo])
def tokens(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, username: Annotated[str | None, Query(max_length=100)] = None
):
    """API tokens, revoked ones included (never the tokens themselves): one's own; admins anyone's
    (everyone's when `username` is left out)."""
    with request.app.state.db.session() as session:
        return [
            accounts.token_dict(t) for t in accounts.list_tokens(session, viewer.actor(session), username)
        ]


@router.delete("/tokens/{token_id}", response_model=TokenInfo, dependencies=CSRF)
def revoke_token(request: Request, viewer: CurrentViewer, token_id: Id):  # type: ignore[no-untyped-def]
    """Revoke a token (one's own; admins anyone's): it stops working at once."""
    with request.app.state.db.session() as session:
        return accounts.token_dict(accounts.revoke_api_token(session, viewer.actor(session), token_id))


def session_info(request: Request, row) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return websessions.session_dict(row) | {"current": row.id == request.state.web_session_id}


@router.get("/sessions", response_model=list[SessionInfo])
def sessions(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, username: Annotated[str | None, Query(max_length=100)] = None
):
    """Live workbench sessions of `username` (default: yourself; admins: anyone), newest first."""
    with request.app.state.db.session() as session:
        rows = accounts.list_sessions(session, viewer.actor(session), username or viewer.user.username)
        return [session_info(request, r) for r in rows]


@router.delete("/sessions/{session_id}", response_model=SessionInfo, dependencies=CSRF)
def revoke_session(request: Request, viewer: CurrentViewer, session_id: Id):  # type: ignore[no-untyped-def]
    """End a session (one's own; admins anyone's); its cookie stops working at once."""
    with request.app.state.db.session() as session:
        return session_info(request, accounts.revoke_session(session, viewer.actor(session), session_id))


@router.post("/me/signout-everywhere", response_model=EndedOut, dependencies=CSRF)
def signout_everywhere(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """End every session and revoke every API token of yourself (this request's included)."""
    with request.app.state.db.session() as session:
        ended = accounts.sign_out_everywhere(session, viewer.actor(session), viewer.user.username)
    request.session.clear()
    return ended


@router.post("/users/{username}/{action}", response_model=UserOut, dependencies=CSRF)
def manage_user(request: Request, viewer: CurrentViewer, username: Username, action: AdminAction):  # type: ignore[no-untyped-def]
    """Admins: `disable` (also ends every session and token), `enable`, `unlock` (forget failed
    sign-ins from every address) or `signout-everywhere` (end every session and token)."""
    with request.app.state.db.session() as session:
        return accounts.user_dict(manage(session, viewer.actor(session), username, action))


def manage(session: Session, actor: User, username: str, action: str) -> User:
    """One admin action on an account (shared by the API and the 用户 page)."""
    if actor.role != "admin":
        raise PermissionDenied("只有管理员可以管理账号")
    if action in ("disable", "enable"):
        return accounts.set_active(session, actor, username, action == "enable")
    if action == "unlock":
        return accounts.unlock(session, actor, username)
    accounts.sign_out_everywhere(session, actor, username)
    return accounts.get_user(session, username)
