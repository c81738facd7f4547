"""Malformed input is refused (4xx), never a server error: ids too large for the database, lone
surrogates in JSON ("\\ud800" is valid JSON but not encodable text), invalid UTF-8 in query strings,
paths and form fields, on pages and API alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete

from callqa.store.models import LoginThrottle
from tests.web.test_api import build_api, client, login, violation_ids

HUGE = 2**70  # beyond SQLite's 64-bit integers
BAD_BYTES = ("%FF", "%ED%A0%80", "%C0%80", "%00", "a%FFb%FE")  # invalid UTF-8, an encoded surrogate, NUL
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    built = build_api(example_workspace, tmp_path_factory.mktemp("malformed") / "ws")
    built.sessions = {name: login(built, name) for name in ("a_insp", "a_lead_a", "a_admin")}
    yield built
    built.db.close()


def test_huge_violation_id_in_a_form_post_is_422(env) -> None:  # type: ignore[no-untyped-def]
    session, csrf = env.sessions["a_insp"]
    for violation in (HUGE, 2**63, 0):
        r = session.post(
            f"/calls/p03/violations/{violation}", data={"csrf_token": csrf, "decision": "confirmed"}
        )
        assert r.status_code == 422 and "输入有误" in r.text, (violation, r.text[:300])


def test_huge_ids_in_the_api_are_422(env) -> None:  # type: ignore[no-untyped-def]
    admin = client(env, "admin")
    r = admin.post(f"/api/violations/{HUGE}/decision", json={"decision": "confirmed"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "violation_id"]
    assert admin.get("/api/calls", params={"offset": HUGE}).status_code == 422


JSON_BODIES = [  # role, path, body with a lone surrogate in a text field
    ("lead_a", "/api/calls/p03/appeal", {"reason": "申诉\ud800"}),
    ("supervisor", "/api/calls/p03/reassign", {"owner": "\ud800"}),
    ("supervisor", "/api/calls/p03/final", {"comment": "\udfff"}),
    ("inspector", "/api/calls/p03/escalate", {"proposed_action": "x\ud800"}),
    ("admin", "/api/users", {"username": "u\ud800", "role": "inspector"}),
    ("admin", "/api/users", {"username": "ok_name", "role": "team_lead", "team": "\ud800"}),
    ("admin", "/api/tokens", {"name": "\ud800"}),
    ("inspector", "/api/violations/{violation}/decision", {"decision": "confirmed", "comment": "\ud800"}),
]


@pytest.mark.parametrize(
    ("role", "path", "body"), JSON_BODIES, ids=[f"{p} {next(iter(b))}" for _, p, b in JSON_BODIES]
)
def test_lone_surrogate_in_json_is_422(env, role: str, path: str, body: dict) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as the escape \ud800
    assert b"\\ud" in raw
    url = path.format(violation=violation_ids(env, "p03")[0])
    r = client(env, role).post(url, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "unicode" in json.dumps(r.json()["detail"]).lower()


def test_invalid_utf8_in_a_json_body_is_400(env) -> None:  # type: ignore[no-untyped-def]
    r = client(env, "lead_a").post(
        "/api/calls/p03/appeal",
        content=b'{"reason": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400


def test_bad_sort_of_a_streamed_export_is_422(env) -> None:  # type: ignore[no-untyped-def]
    """Found by the fuzzer: the CSV export streams, so a sort refused only while streaming broke the
    response after its 200 had gone out."""
    admin = client(env, "admin")
    for export in ("csv", "xlsx", None):
        r = admin.get("/calls", params={"sort": "0000", "export": export} if export else {"sort": "0000"})
        assert r.status_code == 422 and "排序" in r.text, (export, r.text[:300])
    assert admin.get("/calls", params={"sort": "-score", "export": "csv"}).status_code == 200


PAGES = (
    "/search?q=",
    "/calls?agent=",
    "/calls?team=x&sort=",
    "/calls?since=",
    "/login?next=",
    "/calls/p03?t=",
)
API = ("/api/search?q=", "/api/calls?agent=", "/api/calls?sort=", "/api/violations?category=",
       "/api/cases?state=", "/api/audit?format=")  # fmt: skip


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_invalid_utf8_in_query_strings_and_paths(env, bad: str) -> None:  # type: ignore[no-untyped-def]
    admin = client(env, "admin")
    for prefix in (*PAGES, *API, "/calls/", "/api/calls/", "/api/calls/p03/case?x=", "/no/such/"):
        r = admin.get(prefix + bad)
        assert r.status_code in (200, 404, 422), (prefix + bad, r.status_code, r.text[:200])
        if prefix.startswith("/api/") and r.status_code != 200:
            assert r.json()["detail"]


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_invalid_utf8_in_form_fields(env, bad: str) -> None:  # type: ignore[no-untyped-def]
    with env.db.session() as session:  # these failed sign-ins are not what is tested
        session.execute(delete(LoginThrottle))
    anonymous = client(env)
    token = anonymous.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    login_form = f"csrf_token={token}&username={bad}&password={bad}&next={bad}"
    assert anonymous.post("/login", content=login_form, headers=FORM).status_code == 401
    lead, csrf = env.sessions["a_lead_a"]
    r = lead.post("/calls/p03/appeal", content=f"csrf_token={csrf}&reason={bad}", headers=FORM)
    assert r.status_code in (303, 409, 422), r.text[:300]
    admin, csrf = env.sessions["a_admin"]
    r = admin.post(
        "/users", content=f"csrf_token={csrf}&username={bad}&role=inspector&team={bad}", headers=FORM
    )
    assert r.status_code in (200, 422), r.text[:300]
    r = admin.post("/users", content=f"csrf_token={csrf}&username=u&role={bad}", headers=FORM)
    assert r.status_code == 422
