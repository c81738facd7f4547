"""Sign-in, sign-out, the current user, and CSRF enforcement on state-changing requests.

The signed session cookie carries only a random session id and the CSRF token; whether the session
is live is decided by its row in the database (``callqa.review.signin``), so signing out, a password
reset, disabling the user or "sign out everywhere" end it on the server, whatever the cookie says.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from callqa.review import accounts, signin
from callqa.store.models import User
from callqa.web.render import templates
from callqa.web.security import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, client_address, csrf_token, csrf_valid

router = APIRouter()


class LoginRequired(Exception):
    """No signed-in user (or valid API token) on a request that needs one."""


def current_user(request: Request) -> User:
    """The user of the live session (cookie) or of the API token (Authorization: Bearer).

    Sets ``request.state.user``, ``request.state.via_token`` and ``request.state.web_session_id``
    (None for tokens)."""
    db = request.app.state.db
    header = request.headers.get("authorization", "")
    via_token = header.lower().startswith("bearer ")
    session_id = None
    with db.session() as session:
        if via_token:
            user = accounts.authenticate_token(session, header[7:].strip())
        else:
            sid = request.session.get("sid")
            row = signin.current(session, sid) if isinstance(sid, str) else None
            user, session_id = (row.user, row.id) if row else (None, None)
        if user is None or not user.active:
            raise LoginRequired
        session.expunge(user)
    request.state.via_token, request.state.web_session_id = via_token, session_id
    request.state.user = user
    return user


CSRF_REFUSAL = "页面已过期或表单来源无法核实，请刷新页面后重试"


async def require_csrf(request: Request) -> None:
    """Reject state-changing browser requests without the session's CSRF token (403)."""
    if request.method in SAFE_METHODS or request.headers.get("authorization", "").lower().startswith(
        "bearer "
    ):
        return
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        submitted = (await request.form()).get(CSRF_FIELD)  # type: ignore[assignment]
    if not csrf_valid(request.session, submitted if isinstance(submitted, str) else None):
        raise HTTPException(403, CSRF_REFUSAL)


CurrentUser = Annotated[User, Depends(current_user)]


@router.get("/login")
def login_page(request: Request, next: str = "/"):  # type: ignore[no-untyped-def]
    return templates.TemplateResponse(
        request, "login.html", {"csrf": csrf_token(request.session), "next": _safe_next(next), "error": None}
    )


def _safe_next(target: str) -> str:
    """Only same-site paths: never redirect to another host after login."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(  # type: ignore[no-untyped-def]
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
):
    address = client_address(request)
    with request.app.state.db.session() as session:
        attempt = signin.sign_in(session, username, password, address)
        if attempt.user is not None:
            _row, session_id = signin.open_session(
                session,
                attempt.user,
                address,
                request.headers.get("user-agent", ""),
                request.app.state.ws.settings.session_hours,
            )
    if attempt.user is None:
        context = {"csrf": csrf_token(request.session), "next": _safe_next(next), "error": "用户名或密码错误"}
        if attempt.retry_after is None:
            return templates.TemplateResponse(request, "login.html", context, status_code=401)
        seconds = max(1, math.ceil(attempt.retry_after.total_seconds()))
        context["error"] = f"登录尝试过于频繁，请 {seconds} 秒后再试"
        return templates.TemplateResponse(
            request, "login.html", context, status_code=429, headers={"Retry-After": str(seconds)}
        )
    request.session.clear()  # a fresh session (and CSRF token) on every sign-in
    request.session["sid"] = session_id
    csrf_token(request.session)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request):  # type: ignore[no-untyped-def]
    """End this session on the server too: a copy of the cookie no longer works."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        with request.app.state.db.session() as session:
            signin.sign_out(session, sid)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
