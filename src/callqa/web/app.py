"""The web workbench: FastAPI + Jinja2 + HTMX, everything served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from callqa.rules import load_default_pack, load_pack
from callqa.store.database import Database
from callqa.web import account_pages, api, errors, pages, review_pages
from callqa.web.auth import router as auth_router
from callqa.web.security import session_secret
from callqa.workspace import Workspace

WEB_DIR = Path(__file__).parent


def create_app(ws: Workspace, db: Database, *, tls: bool = False) -> FastAPI:
    """The application for one workspace; `tls` marks the session cookie Secure."""
    app = FastAPI(title="callqa", version="0.1.0", docs_url="/docs", redoc_url=None)
    app.state.ws, app.state.db = ws, db
    chosen = ws.rule_pack_path
    app.state.pack = load_pack(chosen) if chosen else load_default_pack()
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(ws.root),
        session_cookie="callqa_session",
        max_age=round(ws.settings.session_hours * 3600),  # the server-side row expires with it
        same_site="lax",
        https_only=tls,
    )
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(auth_router)
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    app.include_router(api.router)
    app.include_router(account_pages.router)
    errors.install(app)
    return app
