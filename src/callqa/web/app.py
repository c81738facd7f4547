"""The web workbench: FastAPI + Jinja2 + HTMX, everything served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from callqa.rules.active import workspace_pack
from callqa.store.database import Database
from callqa.web import (
    account_pages,
    api,
    audit_pages,
    docs,
    errors,
    pages,
    promise_pages,
    report_pages,
    review_pages,
)
from callqa.web.api import worker_files
from callqa.web.auth import router as auth_router
from callqa.web.learning import LearnJob
from callqa.web.middleware import SecurityHeaders
from callqa.web.security import session_secret
from callqa.workspace import Workspace, secret_file

WEB_DIR = Path(__file__).parent
MAX_BODY_BYTES = 1024 * 1024  # any request body but an upload (POST /api/calls has max_upload_mb)


class Workbench(FastAPI):
    """FastAPI with the security headers outermost, so that responses made outside the routes (the
    body limit's 413, a 500) carry them too; `add_middleware` would put them inside those."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), tls=getattr(self.state, "tls", False))


def create_app(ws: Workspace, db: Database, *, tls: bool = False) -> FastAPI:
    """The application for one workspace; `tls` marks the session cookie Secure and sends HSTS."""
    app = Workbench(
        title="callqa",
        version="0.1.0",
        docs_url=None,  # callqa.web.docs serves /docs from local files
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.ws, app.state.db, app.state.tls = ws, db, tls
    app.state.pack = workspace_pack(ws)
    app.state.learn_job = LearnJob()  # the 规则 page's retraining
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
    app.include_router(promise_pages.router)
    app.include_router(api.router)
    app.include_router(account_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(report_pages.router)
    app.include_router(docs.router)
    if ws.broker_url:  # `callqa worker`s on other machines fetch recordings with the worker token
        app.state.worker_token = secret_file(ws.worker_token_path)
        app.include_router(worker_files.router)
    errors.install(app)
    return app
