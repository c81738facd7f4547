"""One's own sessions and API tokens, and admin control of sign-ins: REST API and pages.

Everyone lists and revokes their own sessions and tokens and may "sign out everywhere" (every session
and token at once); admins do the same for anyone, and disable, enable, reset or unlock (解除锁定:
forget failed sign-ins) an account. A non-admin asking about someone else's sessions or tokens gets 403
whether or not they exist. Pages: 我的账号 (/account) and the buttons of the admin 用户 page (/users).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from callqa.review import accounts, websessions
from callqa.review.errors import InvalidInput, NotFound, PermissionDenied, ReviewError
from callqa.store.models import User
from callqa.web.auth import CurrentUser, current_user, require_csrf
from callqa.web.render import templates
from callqa.web.security import csrf_token

router = APIRouter()
CSRF = [Depends(current_user), Depends(require_csrf)]  # 401 before 403 for anonymous callers
Username = Annotated[str, Path(min_length=1, max_length=100)]
RowId = Annotated[int, Path(ge=1, le=2**53)]
STATUS = {NotFound: 404, PermissionDenied: 403, InvalidInput: 422}


class AccountOut(BaseModel):
    id: int
    username: str
    role: str
    team: str | None
    active: bool
    created_at: str
    failed_logins: int
    locked_until: str | None


class TokenInfo(BaseModel):
    id: int
    user: str
    name: str
    created_at: str
    last_used_at: str | None
    revoked: bool


class SessionInfo(BaseModel):
    id: int
    user: str
    created_at: str
    expires_at: str
    last_seen_at: str
    revoked: bool
    address: str
    user_agent: str
    current: bool


class EndedOut(BaseModel):
    ended_sessions: int
    revoked_tokens: int


@contextmanager
def _session(request: Request) -> Iterator[Session]:
    """A committed transaction whose refusals become HTTP errors (404/403/422 with the reason)."""
    try:
        with request.app.state.db.session() as session:
            yield session
    except ReviewError as exc:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        raise HTTPException(status, exc.reason) from None


def _actor(session: Session, user: User) -> User:
    return session.get_one(User, user.id)


def _session_info(request: Request, row) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return websessions.session_dict(row) | {"current": row.id == request.state.web_session_id}


# --- REST API ---------------------------------------------------------------------------------------


@router.get("/api/tokens", response_model=list[TokenInfo], tags=["api"])
def api_tokens(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, username: Annotated[str | None, Query(max_length=100)] = None
):
    """API tokens, revoked ones included (never the tokens themselves): one's own; admins anyone's
    (everyone's when `username` is left out)."""
    with _session(request) as session:
        return [
            accounts.token_dict(t) for t in accounts.list_tokens(session, _actor(session, user), username)
        ]


@router.delete("/api/tokens/{token_id}", response_model=TokenInfo, tags=["api"], dependencies=CSRF)
def api_revoke_token(request: Request, user: CurrentUser, token_id: RowId):  # type: ignore[no-untyped-def]
    """Revoke a token (one's own; admins anyone's): it stops working at once."""
    with _session(request) as session:
        return accounts.token_dict(accounts.revoke_api_token(session, _actor(session, user), token_id))


@router.get("/api/sessions", response_model=list[SessionInfo], tags=["api"])
def api_sessions(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, username: Annotated[str | None, Query(max_length=100)] = None
):
    """Live workbench sessions of `username` (default: yourself; admins: anyone), newest first."""
    with _session(request) as session:
        rows = accounts.list_sessions(session, _actor(session, user), username or user.username)
        return [_session_info(request, r) for r in rows]


@router.delete("/api/sessions/{session_id}", response_model=SessionInfo, tags=["api"], dependencies=CSRF)
def api_revoke_session(request: Request, user: CurrentUser, session_id: RowId):  # type: ignore[no-untyped-def]
    """End a session (one's own; admins anyone's); its cookie stops working at once."""
    with _session(request) as session:
        return _session_info(request, accounts.revoke_session(session, _actor(session, user), session_id))


@router.post("/api/me/signout-everywhere", response_model=EndedOut, tags=["api"], dependencies=CSRF)
def api_signout_everywhere(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """End every session and revoke every API token of yourself (this request's included)."""
    with _session(request) as session:
        ended = accounts.sign_out_everywhere(session, _actor(session, user), user.username)
    request.session.clear()
    return ended


AdminAction = Literal["disable", "enable", "unlock", "signout-everywhere"]


@router.post("/api/users/{username}/{action}", response_model=AccountOut, tags=["api"], dependencies=CSRF)
def api_manage_user(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, username: Username, action: AdminAction
):
    """Admins: `disable` (also ends every session and token), `enable`, `unlock` (forget failed
    sign-ins from every address) or `signout-everywhere` (end every session and token)."""
    with _session(request) as session:
        return accounts.user_dict(_manage(session, _actor(session, user), username, action))


def _manage(session: Session, actor: User, username: str, action: str) -> User:
    if actor.role != "admin":
        raise PermissionDenied("only an administrator manages accounts")
    if action in ("disable", "enable"):
        return accounts.set_active(session, actor, username, action == "enable")
    if action == "unlock":
        return accounts.unlock(session, actor, username)
    accounts.sign_out_everywhere(session, actor, username)
    return accounts.get_user(session, username)


# --- pages ------------------------------------------------------------------------------------------


def _account_page(request: Request, user: User, status_code: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = _actor(session, user)
        rows = accounts.list_sessions(session, actor, actor.username)
        sessions = [_session_info(request, r) for r in rows]
        tokens = [accounts.token_dict(t) for t in accounts.list_tokens(session, actor, actor.username)]
    context = {"user": user, "csrf": csrf_token(request.session), "sessions": sessions, "tokens": tokens,
               "new_token": None, "error": None, **extra}  # fmt: skip
    return templates.TemplateResponse(request, "account.html", context, status_code=status_code)


@router.get("/account")
def account_page(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """我的账号: one's live sessions and API tokens, each with a 撤销 button."""
    return _account_page(request, user)


@router.post("/account/tokens", dependencies=[Depends(require_csrf)])
def account_new_token(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, name: Annotated[str, Form(max_length=200)] = ""
):
    try:
        with request.app.state.db.session() as session:
            _row, token = accounts.create_api_token(session, _actor(session, user), user.username, name)
    except InvalidInput as exc:
        return _account_page(request, user, status_code=422, error=exc.reason)
    return _account_page(request, user, new_token={"name": name.strip(), "token": token})


@router.post("/account/tokens/{token_id}/revoke", dependencies=[Depends(require_csrf)])
def account_revoke_token(request: Request, user: CurrentUser, token_id: RowId):  # type: ignore[no-untyped-def]
    with _session(request) as session:
        accounts.revoke_api_token(session, _actor(session, user), token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/sessions/{session_id}/revoke", dependencies=[Depends(require_csrf)])
def account_revoke_session(request: Request, user: CurrentUser, session_id: RowId):  # type: ignore[no-untyped-def]
    with _session(request) as session:
        accounts.revoke_session(session, _actor(session, user), session_id)
    if session_id == request.state.web_session_id:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/signout-everywhere", dependencies=[Depends(require_csrf)])
def account_signout_everywhere(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    with _session(request) as session:
        accounts.sign_out_everywhere(session, _actor(session, user), user.username)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


NOTICES = {
    "disable": "已停用 {name}，其所有会话和 API 令牌已失效",
    "enable": "已启用 {name}",
    "unlock": "已解除 {name} 的登录限制",
    "signout-everywhere": "已让 {name} 在所有设备上退出，其 API 令牌已撤销",
}


@router.post("/users/manage", dependencies=[Depends(require_csrf)])
def users_manage(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    action: Annotated[Literal["disable", "enable", "unlock", "signout-everywhere", "reset"], Form()],
):
    """The admin 用户 page's per-user buttons: 停用/启用, 重置密码, 解除锁定, 全部退出."""
    if user.role != "admin":
        raise HTTPException(403, "not allowed for this role")
    notice, reset, error, status = None, None, None, 200
    try:
        with request.app.state.db.session() as session:
            actor = _actor(session, user)
            if action == "reset":
                reset = {"username": username, "password": accounts.reset_password(session, actor, username)}
            else:
                _manage(session, actor, username, action)
                notice = NOTICES[action].format(name=username)
    except (NotFound, InvalidInput) as exc:
        error, status = exc.reason, 404 if isinstance(exc, NotFound) else 422
    with request.app.state.db.session() as session:
        users = [accounts.user_dict(u) for u in accounts.list_users(session)]
    context = {"user": user, "csrf": csrf_token(request.session), "users": users, "created": None,
               "notice": notice, "reset": reset, "error": error}  # fmt: skip
    return templates.TemplateResponse(request, "users.html", context, status_code=status)
