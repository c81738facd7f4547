"""The REST API over a copy of the processed example corpus: the authorization matrix, team
visibility, CSRF, API tokens, uploads (size, type, names) and the review flow end to end."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import wave
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, select, text

from callqa.review import accounts, workflow
from callqa.store.database import open_database
from callqa.store.models import Call, Violation
from callqa.web.app import create_app
from callqa.workspace import Workspace
from tests.conftest import DATABASES
from tests.pg import PostgresServer, use_database

ROLES = ("anon", "admin", "supervisor", "inspector", "lead_a", "lead_b")
PEOPLE = {  # role column → (username, role, team)
    "admin": ("a_admin", "admin", None),
    "supervisor": ("a_sup", "supervisor", None),
    "inspector": ("a_insp", "inspector", None),
    "lead_a": ("a_lead_a", "team_lead", "A"),
    "lead_b": ("a_lead_b", "team_lead", "B"),
    "owner": ("a_insp2", "inspector", None),  # owns the matrix call's case
}
TEAMS = {"A": ("p02", "p03", "p04", "p13"), "B": ("p09", "p10")}
MATRIX_CALL = "p03"  # team A, flagged, its case open and reassigned to a_insp2


def copy_workspace(source: Path, target: Path, postgres: PostgresServer | None = None) -> Path:
    """A private copy of a workspace (consistent SQLite snapshot + recordings + config); a workspace on
    PostgreSQL gets a copy of its database on `postgres`."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("callqa.db*", "session.key", "uploads"))
    url = Workspace.open(source).database_url
    if not url.startswith("sqlite"):
        assert postgres is not None, "a workspace on PostgreSQL needs the server to copy its database"
        use_database(target, postgres.create_database(copy_of=url))
        return target
    src, dst = sqlite3.connect(source / "callqa.db"), sqlite3.connect(target / "callqa.db")
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def build_api(
    example_workspace: Path, target: Path, postgres: PostgresServer | None = None
) -> SimpleNamespace:
    """An app over a copy of the corpus with the test users, their API tokens and teams set."""
    ws = Workspace.open(copy_workspace(example_workspace, target, postgres))
    db = open_database(ws)
    tokens: dict[str, str] = {}
    with db.session() as session:
        for column, (name, role, team) in PEOPLE.items():
            accounts.create_user(session, "test", name, role, team, password=f"pw-{name}-123")
            tokens[column] = accounts.create_api_token(session, "test", name, "tests")[1]
        for team, calls in TEAMS.items():
            session.execute(
                text("UPDATE calls SET team = :team WHERE call_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"team": team, "ids": list(calls)},
            )
    return SimpleNamespace(ws=ws, db=db, app=create_app(ws, db), tokens=tokens)


def bearer(env: SimpleNamespace, role: str) -> dict[str, str]:
    return {} if role == "anon" else {"Authorization": f"Bearer {env.tokens[role]}"}


def wav_bytes(seconds: float = 0.3, tone: int = 0) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes([tone % 256, 0]) * int(16000 * seconds))
    return buf.getvalue()


def violation_ids(env: SimpleNamespace, call_id: str) -> list[int]:
    with env.db.session() as session:
        return list(
            session.scalars(
                select(Violation.id).join(Call, Call.id == Violation.call_pk).where(Call.call_id == call_id)
            )
        )


@pytest.fixture(scope="module", params=DATABASES)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The API over the examples, on SQLite and on PostgreSQL."""
    if request.param == "postgresql":
        source, postgres = (
            request.getfixturevalue("example_workspace_pg"),
            request.getfixturevalue("postgres_server"),
        )
    else:
        source, postgres = request.getfixturevalue("example_workspace"), None
    built = build_api(source, tmp_path_factory.mktemp("api") / "ws", postgres)
    with built.db.session() as session:  # every flagged case went to a_insp, the first inspector made
        sup = accounts.get_user(session, "a_sup")
        workflow.reassign(session, sup, MATRIX_CALL, "a_insp2")
    built.matrix_violation = violation_ids(built, MATRIX_CALL)[0]
    yield built
    built.db.close()


def client(env: SimpleNamespace, role: str = "anon") -> TestClient:
    c = TestClient(env.app, follow_redirects=False)
    c.headers.update(bearer(env, role))
    return c


def login(env: SimpleNamespace, username: str) -> tuple[TestClient, str]:
    """A cookie session for `username` and its CSRF token."""
    c = TestClient(env.app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "username": username, "password": f"pw-{username}-123"}
    assert c.post("/login", data=form).status_code == 303
    return c, c.get("/api/csrf").json()["csrf_token"]


# --- the authorization matrix ------------------------------------------------------------------------

V = "{violation}"
MATRIX = [  # method, path, json body, expected for anon, admin, supervisor, inspector, lead_a, lead_b
    ("GET", "/api/calls", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/calls/p03", None, (401, 200, 200, 200, 200, 404)),
    ("GET", "/api/calls/p03/transcript", None, (401, 200, 200, 200, 200, 404)),
    ("GET", "/api/calls/nope", None, (401, 404, 404, 404, 404, 404)),
    ("GET", "/api/violations", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/search?q=老赖", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/cases", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/cases?mine=true&state=open", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/calls/p03/case", None, (401, 200, 200, 200, 200, 404)),
    ("GET", "/api/rules/precision", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/me", None, (401, 200, 200, 200, 200, 200)),
    ("POST", "/api/calls/p03/claim", None, (401, 403, 403, 409, 403, 404)),
    ("POST", "/api/calls/p03/reassign", {"owner": "a_insp2"}, (401, 403, 409, 403, 403, 404)),
    ("POST", f"/api/violations/{V}/decision", {"decision": "confirmed"}, (401, 403, 403, 403, 403, 404)),
    ("POST", "/api/calls/p03/verdict", None, (401, 403, 403, 403, 403, 404)),
    ("POST", "/api/calls/p03/escalate", {"proposed_action": "warn"}, (401, 403, 403, 403, 403, 404)),
    ("POST", "/api/calls/p03/escalation", {"decision": "approve"}, (401, 403, 409, 403, 403, 404)),
    ("POST", "/api/calls/p03/appeal", {"reason": "context"}, (401, 403, 403, 403, 409, 404)),
    ("POST", "/api/calls/p03/appeal/decision", {"decision": "uphold"}, (401, 403, 409, 403, 403, 404)),
    ("POST", "/api/calls/p03/final", {"comment": "ok"}, (401, 403, 409, 403, 403, 404)),
    ("GET", "/api/audit", None, (401, 200, 200, 403, 403, 403)),
    ("GET", "/api/audit?format=csv", None, (401, 200, 200, 403, 403, 403)),
    ("GET", "/api/audit/verify", None, (401, 200, 200, 403, 403, 403)),
    ("GET", "/api/users", None, (401, 200, 403, 403, 403, 403)),
    ("POST", "/api/users", {"username": "m_{role}", "role": "inspector"}, (401, 201, 403, 403, 403, 403)),
    ("POST", "/api/users/a_insp2/reset", None, (401, 200, 403, 403, 403, 403)),
    ("POST", "/api/tokens", {"username": "a_insp2", "name": "m"}, (401, 201, 403, 403, 403, 403)),
    ("POST", "/api/calls", "upload", (401, 200, 403, 200, 403, 403)),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX]
)
def test_authorization_matrix(env, method: str, path: str, body, expected: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    got = []
    for role in ROLES:
        url = path.replace(V, str(env.matrix_violation))
        if body == "upload":
            files = [("files", ("matrix.wav", wav_bytes(tone=7), "audio/wav"))]
            r = client(env, role).post(url, files=files)
        elif isinstance(body, dict):
            r = client(env, role).request(method, url, json={k: v.format(role=role) for k, v in body.items()})
        else:
            r = client(env, role).request(method, url)
        got.append(r.status_code)
        if r.status_code >= 400:
            assert isinstance(r.json()["detail"], str | list), r.text
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True))


def test_transition_refusal_gives_the_reason(env) -> None:  # type: ignore[no-untyped-def]
    r = client(env, "inspector").post("/api/calls/p03/claim")
    assert r.status_code == 409 and r.json() == {"detail": "这件复核任务已由 a_insp2 负责"}
    r = client(env, "supervisor").post("/api/calls/p03/final", json={})
    assert r.status_code == 409 and "当前为「复核中」" in r.json()["detail"]


def test_bad_input_is_422(env) -> None:  # type: ignore[no-untyped-def]
    admin = client(env, "admin")
    assert admin.post("/api/users", json={"username": "x", "role": "wizard"}).status_code == 422
    r = admin.post("/api/users", json={"username": "lead_nowhere", "role": "team_lead"})
    assert r.status_code == 422 and "团队" in r.json()["detail"]
    assert admin.post("/api/users", json={"username": "a_insp", "role": "inspector"}).status_code == 422
    assert admin.get("/api/search", params={"q": "   "}).status_code == 422
    assert admin.get("/api/calls", params={"min_score": 101}).status_code == 422
    assert admin.post("/api/users/nobody/reset").status_code == 404


# --- visibility and masking ---------------------------------------------------------------------------


def test_team_lead_sees_only_own_team(env) -> None:  # type: ignore[no-untyped-def]
    lead_b, lead_a = client(env, "lead_b"), client(env, "lead_a")
    listed = lead_b.get("/api/calls", params={"limit": 500}).json()["items"]
    assert {c["call_id"] for c in listed} >= set(TEAMS["B"]) and {c["team"] for c in listed} == {"B"}
    assert {c["call_id"] for c in lead_a.get("/api/calls").json()["items"]} == set(TEAMS["A"])
    assert {v["call_id"] for v in lead_b.get("/api/violations").json()["items"]} <= set(TEAMS["B"])
    assert all(c["team"] == "B" for c in lead_b.get("/api/cases").json())
    hits = lead_b.get("/api/search", params={"q": "老赖"}).json()["hits"]
    assert all(h["call_id"] in TEAMS["B"] for h in hits)
    assert any(h["call_id"] == "p02" for h in lead_a.get("/api/search", params={"q": "老赖"}).json()["hits"])
    for call_id in TEAMS["A"]:
        for suffix in ("", "/transcript", "/case"):
            assert lead_b.get(f"/api/calls/{call_id}{suffix}").status_code == 404
        assert lead_b.post(f"/api/calls/{call_id}/appeal", json={"reason": "x"}).status_code == 404
    for vid in violation_ids(env, "p02"):
        assert (
            lead_b.post(f"/api/violations/{vid}/decision", json={"decision": "confirmed"}).status_code == 404
        )


def test_call_listing_filters_and_pages(env) -> None:  # type: ignore[no-untyped-def]
    admin = client(env, "admin")
    everything = admin.get("/api/calls", params={"limit": 500}).json()
    assert everything["total"] >= 14 and len(everything["items"]) == everything["total"]
    page = admin.get("/api/calls", params={"limit": 5, "offset": 5}).json()
    assert [c["call_id"] for c in page["items"]] == [c["call_id"] for c in everything["items"][5:10]]
    abuse = admin.get("/api/calls", params={"category": "abuse"}).json()["items"]
    assert "p02" in {c["call_id"] for c in abuse} and "p01" not in {c["call_id"] for c in abuse}
    for c in admin.get("/api/calls", params={"status": "flagged", "max_score": 90}).json()["items"]:
        assert c["status"] == "flagged" and c["score"] <= 90
    assert admin.get("/api/calls", params={"team": "B"}).json()["total"] == len(TEAMS["B"])
    assert admin.get("/api/calls", params={"since": "2030-01-01"}).json()["total"] == 0
    p02 = admin.get("/api/calls/p02").json()
    assert p02["violations"] and all(isinstance(v["id"], int) for v in p02["violations"])
    assert p02["review_state"] is not None
    transcript = admin.get("/api/calls/p02/transcript").json()
    assert transcript["call_id"] == "p02" and transcript["segments"][0]["text"]
    violations = admin.get("/api/violations", params={"call_id": "p02"}).json()["items"]
    assert {v["id"] for v in violations} == set(violation_ids(env, "p02"))


def test_numbers_masked_for_inspectors(env) -> None:  # type: ignore[no-untyped-def]
    insp = client(env, "inspector").get("/api/calls/p01").json()
    assert insp["customer_phone"] == "138****1111"
    assert client(env, "supervisor").get("/api/calls/p01").json()["customer_phone"] == "13800001111"


# --- CSRF and API tokens ------------------------------------------------------------------------------


def test_csrf_on_cookie_sessions(env) -> None:  # type: ignore[no-untyped-def]
    session, token = login(env, "a_admin")
    assert session.get("/api/me").json()["username"] == "a_admin"
    body = {"username": "csrf_user", "role": "supervisor"}
    assert session.post("/api/users", json=body).status_code == 403
    assert session.post("/api/users", json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert "csrf_user" not in {u["username"] for u in client(env, "admin").get("/api/users").json()}
    r = session.post("/api/users", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["user"]["username"] == "csrf_user"
    upload = {"files": ("c.wav", wav_bytes(tone=3), "audio/wav")}
    assert session.post("/api/calls", files=upload).status_code == 403  # the header is required
    assert session.post("/api/calls", files=upload, headers={"X-CSRF-Token": token}).status_code == 200


def test_api_token_authenticates_without_csrf(env) -> None:  # type: ignore[no-untyped-def]
    admin = client(env, "admin")
    r = admin.post("/api/tokens", json={"username": "a_sup", "name": "ci"})
    assert r.status_code == 201 and r.json()["token"].startswith("cqa_") and r.json()["user"] == "a_sup"
    sup = TestClient(env.app, headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert sup.get("/api/me").json()["role"] == "supervisor"
    assert sup.get("/api/audit/verify").json()["ok"] is True
    r = client(env, "inspector").post("/api/tokens", json={"name": "mine"})  # one's own token
    assert r.status_code == 201 and r.json()["user"] == "a_insp"
    bogus = TestClient(env.app, headers={"Authorization": "Bearer cqa_not-a-token"})
    assert bogus.get("/api/calls").status_code == 401
    assert bogus.post("/api/calls/p02/claim").status_code == 401


def test_users_and_password_reset(env) -> None:  # type: ignore[no-untyped-def]
    admin = client(env, "admin")
    created = admin.post("/api/users", json={"username": "new_lead", "role": "team_lead", "team": "B"})
    assert created.status_code == 201
    password = created.json()["password"]
    assert len(password) >= 12 and "password_hash" not in created.json()["user"]
    reset = admin.post("/api/users/new_lead/reset").json()
    assert reset["username"] == "new_lead" and reset["password"] != password
    assert "new_lead" in {u["username"] for u in admin.get("/api/users").json()}


def test_audit_export_and_verify(env) -> None:  # type: ignore[no-untyped-def]
    sup = client(env, "supervisor")
    rows = sup.get("/api/audit").json()
    assert rows and {"hash", "prev_hash", "action", "before", "after"} <= set(rows[0])
    csv_text = sup.get("/api/audit", params={"format": "csv"})
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines()[0].startswith("\ufeff编号,时间（UTC）,操作人编号,操作人,操作")
    verdict = sup.get("/api/audit/verify").json()
    assert verdict["ok"] is True and verdict["entries"] >= len(rows) and verdict["problems"] == []


# --- uploads ----------------------------------------------------------------------------------------


def test_upload_ingests_and_wakes_worker(env) -> None:  # type: ignore[no-untyped-def]
    woken = []
    env.app.state.worker = SimpleNamespace(wake=lambda: woken.append(1))
    try:
        manifest = "file,call_id,agent_id,customer_phone,team\nup1.wav,up-one,A9,13811112222,B\n"
        files = [
            ("files", ("up1.wav", wav_bytes(tone=11), "audio/wav")),
            ("files", ("录音 2.wav", wav_bytes(tone=12), "audio/wav")),
            ("manifest", ("m.csv", manifest.encode(), "text/csv")),
        ]
        r = client(env, "inspector").post("/api/calls", files=files)
    finally:
        del env.app.state.worker
    assert r.status_code == 200, r.text
    outcomes = r.json()["outcomes"]
    assert [(o["file"], o["call_id"], o["status"]) for o in outcomes] == [
        ("up1.wav", "up-one", "added"),
        ("录音_2.wav", "录音_2", "added"),
    ]
    assert woken == [1]
    call = client(env, "lead_b").get("/api/calls/up-one").json()  # team B from the manifest
    assert call["status"] == "pending" and call["agent_id"] == "A9" and call["file"] == "up1.wav"
    again = client(env, "admin").post("/api/calls", files=[files[0]]).json()["outcomes"]
    assert again[0]["status"] == "exists"
    assert not list((env.ws.root / "uploads").iterdir())  # temp files cleaned up


def test_upload_too_large_is_413(env) -> None:  # type: ignore[no-untyped-def]
    env.app.state.max_upload_mb = 0.01  # about 10 KB
    try:
        big = [("files", ("big.wav", wav_bytes(seconds=1.0, tone=5), "audio/wav"))]
        r = client(env, "inspector").post("/api/calls", files=big)
        assert r.status_code == 413 and "上限" in r.json()["detail"]

        def chunks():  # no Content-Length: the limit applies while the body streams in
            boundary = b"--xyz"
            yield boundary + b'\r\nContent-Disposition: form-data; name="files"; filename="s.wav"\r\n\r\n'
            yield wav_bytes(seconds=0.05)
            for _ in range(100):
                yield b"\0" * 4096
            yield b"\r\n" + boundary + b"--\r\n"

        r = client(env, "inspector").post(
            "/api/calls", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )
        assert r.status_code == 413
    finally:
        del env.app.state.max_upload_mb
    (env.ws.root / "config.toml").write_text("max_upload_mb = 0.01\n", encoding="utf-8")
    try:  # the setting, as a new server reads it
        configured = SimpleNamespace(**(vars(env) | {"app": create_app(Workspace.open(env.ws.root), env.db)}))
        assert client(configured, "admin").post("/api/calls", files=big).status_code == 413
    finally:
        (env.ws.root / "config.toml").write_text("", encoding="utf-8")
    with env.db.session() as session:
        assert session.scalar(select(Call).where(Call.call_id.in_(["big", "s"]))) is None


def test_upload_refuses_what_is_not_audio_file_by_file(env) -> None:  # type: ignore[no-untyped-def]
    insp = client(env, "inspector")
    text_as_wav = [("files", ("notes.wav", b"just some text, not audio at all\n" * 10, "audio/wav"))]
    exe = [("files", ("tool.exe", wav_bytes(), "application/octet-stream"))]
    fake_header = [("files", ("fake.wav", b"RIFF\0\0\0\0WAVEjunkjunkjunk" * 20, "audio/wav"))]
    for files, why in ((text_as_wav, "不是录音"), (exe, "不支持的文件类型"), (fake_header, "无法解码")):
        r = insp.post("/api/calls", files=files)  # the request is fine; the file is refused
        assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "failed"
        assert why in r.json()["outcomes"][0]["message"]
    assert insp.post("/api/calls", data={"x": "1"}).status_code == 415  # not multipart
    assert insp.post("/api/calls", files={"manifest": ("m.csv", b"file,call_id\n")}).status_code == 422


def test_upload_name_cannot_escape(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = [("files", ("../../etc/evil.wav", wav_bytes(tone=21), "audio/wav")),
             ("files", ("..\\..\\win\\.evil2.wav", wav_bytes(tone=22), "audio/wav"))]  # fmt: skip
    r = client(env, "inspector").post("/api/calls", files=files)
    assert r.status_code == 200, r.text
    assert [(o["file"], o["call_id"]) for o in r.json()["outcomes"]] == [
        ("evil.wav", "evil"),
        ("evil2.wav", "evil2"),
    ]
    with env.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_id == "evil"))
        assert call is not None and call.file_name == "evil.wav"
        stored = (env.ws.root / call.stored_path).resolve()
    assert stored.is_relative_to(env.ws.recordings_dir.resolve()) and stored.is_file()
    assert not (env.ws.root.parent.parent / "etc" / "evil.wav").exists()
    assert not (env.ws.root / "uploads" / "etc").exists()


# --- the review flow end to end ---------------------------------------------------------------------


def test_review_flow_end_to_end(env) -> None:  # type: ignore[no-untyped-def]
    insp, sup = client(env, "inspector"), client(env, "supervisor")
    lead_a, lead_b = client(env, "lead_a"), client(env, "lead_b")
    case = client(env, "admin").get("/api/calls/p02/case").json()
    assert (case["state"], case["owner"]) == ("open", "a_insp")  # given out when a_insp's account was made
    assert insp.post("/api/calls/p02/claim").status_code == 409
    assert "p02" in [c["call_id"] for c in insp.get("/api/cases", params={"mine": True}).json()]
    r = insp.post("/api/calls/p02/verdict")
    assert r.status_code == 409 and "请先判定全部违规" in r.json()["detail"]

    ids = violation_ids(env, "p02")
    for i, vid in enumerate(ids):
        decision = "confirmed" if i == 0 else "false_positive"
        r = insp.post(f"/api/violations/{vid}/decision", json={"decision": decision, "comment": "听录音"})
        assert r.status_code == 200 and r.json()["decisions"][str(vid)] == decision
    case = insp.post("/api/calls/p02/verdict").json()
    assert case["state"] == "submitted" and case["verdict"] == "confirmed"
    r = insp.post(f"/api/violations/{ids[0]}/decision", json={"decision": "false_positive"})
    assert r.status_code == 409

    assert lead_b.post("/api/calls/p02/appeal", json={"reason": "not ours"}).status_code == 404
    case = lead_a.post("/api/calls/p02/appeal", json={"reason": "客户先辱骂"}).json()
    assert case["state"] == "appealed" and case["appeals"][0]["reason"] == "客户先辱骂"
    r = sup.post("/api/calls/p02/final", json={"comment": "x"})
    assert r.status_code == 409 and "待终审的申诉" in r.json()["detail"]
    case = sup.post("/api/calls/p02/appeal/decision", json={"decision": "uphold", "comment": "维持"}).json()
    assert case["state"] == "final" and case["final_outcome"] == "upheld"
    r = lead_a.post("/api/calls/p02/appeal", json={"reason": "again"})
    assert r.status_code == 409 and "终审" in r.json()["detail"]

    figures = sup.get("/api/rules/precision").json()
    assert sum(f["confirmed"] for f in figures.values()) >= 1
    actions = [e["action"] for e in sup.get("/api/audit").json() if e["entity_id"] == "p02"]
    assert actions[-4:] == ["case.auto_assign", "case.submit", "appeal.file", "appeal.decide"]
    assert sup.get("/api/audit/verify").json()["ok"] is True


def test_an_approved_escalation_closes_the_case(env) -> None:  # type: ignore[no-untyped-def]
    with env.db.session() as session:  # a fresh token: the matrix reset a_insp2's password (and tokens)
        token = accounts.create_api_token(session, "test", "a_insp2", "escalation test")[1]
    owner, sup = client(env), client(env, "supervisor")
    owner.headers["Authorization"] = f"Bearer {token}"
    case = sup.post("/api/calls/p04/reassign", json={"owner": "a_insp2", "reason": "熟悉该坐席"}).json()
    assert case["owner"] == "a_insp2"
    for vid in violation_ids(env, "p04"):
        owner.post(f"/api/violations/{vid}/decision", json={"decision": "confirmed"}).raise_for_status()
    owner.post("/api/calls/p04/verdict").raise_for_status()
    r = owner.post("/api/calls/p04/escalate", json={"proposed_action": "   "})
    assert r.status_code == 409
    case = owner.post("/api/calls/p04/escalate", json={"proposed_action": "停岗培训"}).json()
    assert case["state"] == "escalated" and case["proposed_action"] == "停岗培训"
    case = sup.post("/api/calls/p04/escalation", json={"decision": "approve", "comment": "同意"}).json()
    assert (case["state"], case["final_outcome"], case["escalation_decision"]) == (
        "final",
        "approved",
        "approved",
    )
    assert sup.post("/api/calls/p04/final", json={"comment": "结案"}).status_code == 409
    assert client(env, "lead_a").post("/api/calls/p04/appeal", json={"reason": "late"}).status_code == 409
    reasons = [e["after"].get("reason") for e in sup.get("/api/audit").json()
               if e["entity_id"] == "p04" and e["action"] == "case.reassign"]  # fmt: skip
    assert reasons == ["熟悉该坐席"]
    assert "p04" in {c["call_id"] for c in sup.get("/api/cases", params={"state": "final"}).json()}
