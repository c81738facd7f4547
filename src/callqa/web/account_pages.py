"""我的账号 (/account: one's sessions and API tokens) and the admin 用户 page (accounts, per-user buttons)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse

from callqa.errors import InvalidInput, NotFound
from callqa.review import accounts
from callqa.web.api.accounts import manage, session_info
from callqa.web.auth import require_csrf
from callqa.web.pages import page
from callqa.web.schemas import MAX_ID
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
CSRF = [Depends(require_csrf)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
NOTICES = {
    "disable": "已停用 {name}，其所有会话和 API 令牌已失效",
    "enable": "已启用 {name}",
    "unlock": "已解除 {name} 的登录限制",
    "signout-everywhere": "已让 {name} 在所有设备上退出，其 API 令牌已撤销",
}


def _account_page(request: Request, viewer: Viewer, status_code: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        sessions = [session_info(request, r) for r in accounts.list_sessions(session, actor, actor.username)]
        tokens = [accounts.token_dict(t) for t in accounts.list_tokens(session, actor, actor.username)]
    context = {"sessions": sessions, "tokens": tokens, "new_token": None, "error": None} | extra
    return page(request, viewer, "account.html", status_code=status_code, **context)


@router.get("/account")
def account_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """我的账号: one's live sessions and API tokens, each with a 撤销 button."""
    return _account_page(request, viewer)


@router.post("/account/tokens", dependencies=CSRF)
def account_new_token(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, name: Annotated[str, Form(max_length=200)] = ""
):
    try:
        with request.app.state.db.session() as session:
            _row, token = accounts.create_api_token(
                session, viewer.actor(session), viewer.user.username, name
            )
    except InvalidInput as exc:
        return _account_page(request, viewer, status_code=422, error=exc.reason)
    return _account_page(request, viewer, new_token={"name": name.strip(), "token": token})


@router.post("/account/tokens/{token_id}/revoke", dependencies=CSRF)
def account_revoke_token(request: Request, viewer: CurrentViewer, token_id: RowId):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        accounts.revoke_api_token(session, viewer.actor(session), token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/sessions/{session_id}/revoke", dependencies=CSRF)
def account_revoke_session(request: Request, viewer: CurrentViewer, session_id: RowId):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        accounts.revoke_session(session, viewer.actor(session), session_id)
    if session_id == request.state.web_session_id:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/signout-everywhere", dependencies=CSRF)
def account_signout_everywhere(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        accounts.sign_out_everywhere(session, viewer.actor(session), viewer.user.username)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# The new-user form lists roles from the least privileged up and starts on the first: a slip leaves a
# team lead (one team's calls, numbers masked), never an administrator.
FORM_ROLES = ("team_lead", "inspector", "supervisor", "admin")
BLANK_FORM = {"username": "", "role": FORM_ROLES[0], "team": ""}


def _users_page(request: Request, viewer: Viewer, status_code: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        users = [accounts.user_dict(u) for u in accounts.list_users(session)]
    context = {"form": BLANK_FORM, "form_roles": FORM_ROLES, "created": None} | extra
    return page(request, viewer, "users.html", status_code=status_code, users=users, **context)


@router.get("/users")
def users_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    viewer.require("admin")
    return _users_page(request, viewer)


@router.post("/users", dependencies=CSRF)
def users_add(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    username: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    team: Annotated[str, Form(max_length=100)] = "",
):
    viewer.require("admin")
    try:
        with request.app.state.db.session() as session:
            actor = viewer.actor(session)
            _, password = accounts.create_user(session, actor, username, role, team or None)
    except InvalidInput as exc:  # the form comes back as filled in, with the reason
        form = {"username": username, "role": role, "team": team}
        return _users_page(request, viewer, 422, form=form, error=exc.reason)
    return _users_page(request, viewer, created={"username": username.strip(), "password": password})


@router.post("/users/manage", dependencies=CSRF)
def users_manage(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    action: Annotated[Literal["disable", "enable", "unlock", "signout-everywhere", "reset"], Form()],
):
    """The admin 用户 page's per-user buttons: 停用/启用, 重置密码, 解除锁定, 全部退出."""
    viewer.require("admin")
    notice, reset, error, status = None, None, None, 200
    try:
        with request.app.state.db.session() as session:
            actor = viewer.actor(session)
            if action == "reset":
                reset = {"username": username, "password": accounts.reset_password(session, actor, username)}
            else:
                manage(session, actor, username, action)
                notice = NOTICES[action].format(name=username)
    except (NotFound, InvalidInput) as exc:  # shown on the page, which stays usable
        error, status = exc.reason, 404 if isinstance(exc, NotFound) else 422
    return _users_page(request, viewer, status, notice=notice, reset=reset, error=error)
