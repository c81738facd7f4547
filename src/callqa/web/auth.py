"""Sign-in, sign-out, the current user, and CSRF enforcement on state-changing requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from callqa.review import accounts
from callqa.store.models import User
from callqa.web.render import templates
from callqa.web.security import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, csrf_token, csrf_valid

router = APIRouter()


class LoginRequired(Exception):
    """No signed-in user (or valid API token) on a request that needs one."""


def current_user(request: Request) -> User:
    """The signed-in user (session cookie) or the API token's user (Authorization: Bearer)."""
    db = request.app.state.db
    header = request.headers.get("authorization", "")
    with db.session() as session:
        if header.lower().startswith("bearer "):
            user = accounts.authenticate_token(session, header[7:].strip())
        else:
            user_id = request.session.get("user_id")
            user = session.get(User, user_id) if user_id else None
        if user is None or not user.active:
            raise LoginRequired
        session.expunge(user)
    request.state.via_token = header.lower().startswith("bearer ")
    return user


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
        raise HTTPException(403, "CSRF token missing or wrong")


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
    throttle = request.app.state.throttle
    client = request.client.host if request.client else "unknown"
    error = None
    if throttle.blocked(username, client):
        error = "登录失败次数过多，请稍后再试"
    else:
        with request.app.state.db.session() as session:
            user = accounts.authenticate(session, username, password)
            user_id = user.id if user else None
        if user_id is None:
            throttle.failed(username, client)
            error = "用户名或密码错误"
    if error:
        context = {"csrf": csrf_token(request.session), "next": _safe_next(next), "error": error}
        return templates.TemplateResponse(
            request, "login.html", context, status_code=401 if "错误" in error else 429
        )
    throttle.succeeded(username)
    request.session.clear()  # a fresh session (and CSRF token) on every sign-in
    request.session["user_id"] = user_id
    csrf_token(request.session)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request):  # type: ignore[no-untyped-def]
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
