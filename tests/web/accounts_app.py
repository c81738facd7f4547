"""A workbench over a fresh workspace with users built in the database (no recordings), and browser
helpers that sign in from a chosen client address."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from callqa.review import accounts
from callqa.store.database import open_database
from callqa.web.app import create_app
from callqa.workspace import Workspace

PEOPLE = (("root", "admin"), ("sup", "supervisor"), ("insp", "inspector"), ("insp2", "inspector"))
OFFICE, HOME, ATTACKER = "10.0.0.10", "192.0.2.7", "203.0.113.66"


def password(name: str) -> str:
    return f"{name}-pass-2026"


def make_env(folder: Path, config: str = "") -> SimpleNamespace:
    """A workspace in `folder` (with `config` as config.toml), its database, the people and the app."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(config, encoding="utf-8")
    ws = Workspace.open(folder)
    db = open_database(ws)
    with db.session() as session:
        for name, role in PEOPLE:
            accounts.create_user(session, "test", name, role, password=password(name))
    return SimpleNamespace(ws=ws, db=db, app=create_app(ws, db))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def browser(app: FastAPI, address: str = OFFICE) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def post_login(client: TestClient, name: str, secret: str | None = None) -> Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"csrf_token": token, "username": name, "password": secret or password(name)}
    )


def signed_in(app: FastAPI, name: str, address: str = OFFICE) -> tuple[TestClient, str]:
    """A browser signed in as `name` from `address`, and its CSRF token."""
    client = browser(app, address)
    r = post_login(client, name)
    assert r.status_code == 303, r.text
    return client, client.get("/api/csrf").json()["csrf_token"]
