"""The workbench over a real processed workspace: sign-in, CSRF, throttling, visibility, audio, masking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callqa.review import accounts
from callqa.store.database import open_database
from callqa.web.app import create_app
from callqa.workspace import Workspace


@pytest.fixture(scope="module")
def app_and_users(example_workspace: Path):  # type: ignore[no-untyped-def]
    ws = Workspace.open(example_workspace)
    db = open_database(ws)
    passwords = {}
    with db.session() as session:
        people = [("insp", "inspector", None), ("sup", "supervisor", None), ("lead_a", "team_lead", "A"),
                  ("lead_b", "team_lead", "B"), ("boss", "admin", None), ("victim", "inspector", None)]  # fmt: skip
        for name, role, team in people:
            passwords[name] = accounts.create_user(
                session, "test", name, role, team, password=f"pw-{name}-123"
            )[1]
        session.execute(
            __import__("sqlalchemy").text("UPDATE calls SET team = 'A' WHERE call_id IN ('p02','p03')")
        )
    return create_app(ws, db)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def login(app, username: str, password: str | None = None) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    token = _csrf(client.get("/login").text)
    form = {"csrf_token": token, "username": username, "password": password or f"pw-{username}-123"}
    r = client.post("/login", data=form | {"next": "/calls"})
    assert r.status_code == 303 and r.headers["location"] == "/calls", r.text
    return client


def test_pages_need_login(app_and_users) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_and_users, follow_redirects=False)
    for path in ("/", "/calls", "/calls/p02", "/calls/p02/audio", "/search?q=钱"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_pages_render_in_chinese(app_and_users) -> None:  # type: ignore[no-untyped-def]
    client = login(app_and_users, "insp")
    home = client.get("/")
    assert home.status_code == 200 and "总览" in home.text and "/static/vendor/echarts.min.js" in home.text
    head = home.text.split("<main>")[0]
    assert not re.search(r'(src|href)="(https?:)?//', head)  # every asset is served locally (no CDN)
    calls = client.get("/calls?category=abuse")
    assert "p02" in calls.text and "p01" not in calls.text
    detail = client.get("/calls/p02")
    assert "辱骂侮辱" in detail.text and 'data-start="' in detail.text and "/calls/p02/audio" in detail.text
    found = client.get("/search", params={"q": "老赖"})
    assert "<mark>老赖</mark>" in found.text and "/calls/p02?t=" in found.text
    csv_text = client.get("/calls", params={"export": "csv"}).text
    assert (
        csv_text.startswith("\ufeffcall_id,") and len(csv_text.splitlines()) == 15
    )  # BOM: Excel reads UTF-8
    xlsx = client.get("/calls", params={"export": "xlsx", "category": "abuse"})
    assert (
        xlsx.status_code == 200 and xlsx.content[:2] == b"PK" and b"xl/worksheets/sheet1.xml" in xlsx.content
    )
    under_review = client.get("/calls", params={"review_state": "open"}).text  # given out to insp at once
    assert "p02" in under_review and "p01" not in under_review
    clean = client.get("/calls", params={"review_state": "none"}).text
    assert "p01" in clean and "p02" not in clean


def test_audio_supports_range_requests(app_and_users) -> None:  # type: ignore[no-untyped-def]
    client = login(app_and_users, "insp")
    whole = client.get("/calls/p02/audio")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    part = client.get("/calls/p02/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]


def test_csrf_required(app_and_users) -> None:  # type: ignore[no-untyped-def]
    client = login(app_and_users, "insp")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    anonymous = TestClient(app_and_users, follow_redirects=False)
    anonymous.get("/login")
    r = anonymous.post("/login", data={"username": "insp", "password": "pw-insp-123"})
    assert r.status_code == 403
    for token in ("é", "中文", "x" * 500):  # any text compares, none raises (was a 500 for non-ASCII)
        r = anonymous.post(
            "/login", data={"csrf_token": token, "username": "insp", "password": "pw-insp-123"}
        )
        assert r.status_code == 403, token
        assert client.post("/logout", headers={"X-CSRF-Token": token.encode()}).status_code == 403
    raw = b"csrf_token=%ED%A0%80&username=insp&password=pw-insp-123"  # an encoded lone surrogate
    r = anonymous.post("/login", content=raw, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in (403, 422)


def test_team_lead_sees_only_own_team(app_and_users) -> None:  # type: ignore[no-untyped-def]
    lead_a, lead_b = login(app_and_users, "lead_a"), login(app_and_users, "lead_b")
    assert lead_a.get("/calls/p02").status_code == 200
    assert lead_b.get("/calls/p02").status_code == 404
    assert lead_b.get("/calls/p02/audio").status_code == 404
    assert "p02" not in lead_b.get("/calls").text
    assert "p02" not in lead_b.get("/search", params={"q": "老赖"}).text


def test_phone_numbers_masked_for_inspectors(app_and_users) -> None:  # type: ignore[no-untyped-def]
    assert "138****1111" in login(app_and_users, "insp").get("/calls").text
    assert "13800001111" not in login(app_and_users, "insp").get("/calls").text
    assert "13800001111" in login(app_and_users, "sup").get("/calls").text


def test_login_throttled(app_and_users) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_and_users, follow_redirects=False)
    token = _csrf(client.get("/login").text)
    wrong = {"csrf_token": token, "username": "victim", "password": "wrong"}
    codes = [client.post("/login", data=wrong).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = client.post("/login", data={"csrf_token": token, "username": "victim", "password": "pw-victim-123"})
    assert r.status_code == 429  # still delayed from this address, even with the right password
    elsewhere = TestClient(app_and_users, follow_redirects=False, client=("192.0.2.1", 50000))
    form = {
        "csrf_token": _csrf(elsewhere.get("/login").text),
        "username": "victim",
        "password": "pw-victim-123",
    }
    assert elsewhere.post("/login", data=form).status_code == 303  # but the user is not locked out


PAGE_MATRIX = [  # path, expected for anonymous, insp, sup, lead_a, lead_b, boss (admin)
    ("/", (303, 200, 200, 200, 200, 200)),
    ("/calls", (303, 200, 200, 200, 200, 200)),
    ("/calls/p02", (303, 200, 200, 200, 404, 200)),
    ("/calls/p02/audio", (303, 200, 200, 200, 404, 200)),
    ("/calls/nope", (303, 404, 404, 404, 404, 404)),
    ("/search?q=钱", (303, 200, 200, 200, 200, 200)),
    ("/review", (303, 200, 200, 200, 200, 200)),
    ("/appeals", (303, 200, 200, 200, 200, 200)),
    ("/rules", (303, 200, 200, 200, 200, 200)),
    ("/audit", (303, 403, 200, 403, 403, 200)),
    ("/users", (303, 403, 403, 403, 403, 200)),
]


def test_page_authorization_matrix(app_and_users) -> None:  # type: ignore[no-untyped-def]
    clients = [TestClient(app_and_users, follow_redirects=False)] + [
        login(app_and_users, name) for name in ("insp", "sup", "lead_a", "lead_b", "boss")
    ]
    for path, expected in PAGE_MATRIX:
        got = tuple(client.get(path).status_code for client in clients)
        assert got == expected, path
