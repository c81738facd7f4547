"""/api/me, /api/csrf, /api/users and /api/tokens: accounts and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from callqa.review import accounts
from callqa.web.api.deps import CSRF
from callqa.web.auth import CurrentUser
from callqa.web.schemas import CsrfOut, NewUserOut, PasswordOut, TokenIn, TokenOut, UserIn, UserOut
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
