"""Uploads report per file (已接收 / 重复 / 已拒绝 and why, in Chinese) and one bad file never fails
the batch; each accepted call is linked and its processing status polled from /api/call-status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from callqa.pipeline.process import process_pending
from callqa.review import accounts
from callqa.rules import load_default_pack
from callqa.store.models import Call
from tests.fakes import ScriptedSpeech, tone_wav

from .accounts_app import make_env, signed_in

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")  # an English word (codes like MB, CSV, 'files' are allowed below)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[SimpleNamespace]:
    built = make_env(tmp_path / "ws")
    with built.db.session() as session:
        accounts.create_user(session, "test", "lead_a", "team_lead", "A", password="lead_a-pass-2026")
        accounts.create_user(session, "test", "lead_b", "team_lead", "B", password="lead_b-pass-2026")
    yield built
    built.db.close()


def upload(env: SimpleNamespace, name: str, files: list, **extra: object):  # type: ignore[no-untyped-def,type-arg]
    client, csrf = signed_in(env.app, name)
    return client.post("/api/calls", files=files, headers={"X-CSRF-Token": csrf}, **extra)


def wav(name: str, seed: str) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, tone_wav(seed), "audio/wav"))


def test_one_bad_file_never_fails_the_batch(env) -> None:  # type: ignore[no-untyped-def]
    woken: list[int] = []
    env.app.state.worker = SimpleNamespace(wake=lambda: woken.append(1))
    files = [
        wav("好.wav", "good-1"),
        ("files", ("notes.wav", b"just some text, not audio at all\n" * 10, "audio/wav")),
        ("files", ("tool.exe", tone_wav("exe"), "application/octet-stream")),
        ("files", ("fake.wav", b"RIFF\0\0\0\0WAVEjunkjunkjunk" * 20, "audio/wav")),  # right magic, no audio
        ("files", ("empty.wav", b"", "audio/wav")),
        wav("again.wav", "good-1"),  # the same recording under another name
        wav("second.wav", "good-2"),
    ]
    r = upload(env, "insp", files)
    del env.app.state.worker
    assert r.status_code == 200, r.text
    outcomes = r.json()["outcomes"]
    assert [(o["file"], o["status"], o["status_name"]) for o in outcomes] == [
        ("好.wav", "added", "已接收"),
        ("notes.wav", "failed", "已拒绝"),
        ("tool.exe", "failed", "已拒绝"),
        ("fake.wav", "failed", "已拒绝"),
        ("empty.wav", "failed", "已拒绝"),
        ("again.wav", "exists", "重复"),
        ("second.wav", "added", "已接收"),
    ]
    messages = [o["message"] for o in outcomes]
    assert messages[0] == "等待转写和质检"
    assert messages[1] == "文件内容不是录音（无法识别的音频格式）"
    assert messages[2].startswith("不支持的文件类型（.exe）：只接受录音文件（")
    assert messages[3] == "无法解码为音频：文件已损坏，或不是录音"
    assert messages[4] == "文件为空"
    assert messages[5] == "这段录音已作为通话 好 上传过"
    for text in messages:
        assert not LATIN_WORD.search(re.sub(r"（[^）]*(wav|exe)[^）]*）", "", text)), text
    assert [o["ref"] for o in outcomes] == ["好", None, None, None, None, "好", "second"]
    assert outcomes[0]["call_status"] == "pending" and outcomes[0]["call_status_name"] == "待处理"
    assert woken == [1]
    with env.db.session() as session:
        assert set(session.scalars(select(Call.call_id))) == {"好", "second"}
    assert not list((env.ws.root / "uploads").iterdir())  # every temp file removed


def test_refusals_of_the_whole_request_are_chinese(env) -> None:  # type: ignore[no-untyped-def]
    client, csrf = signed_in(env.app, "insp")
    headers = {"X-CSRF-Token": csrf}
    r = client.post("/api/calls", data={"x": "1"}, headers=headers)
    assert r.status_code == 415 and r.json()["detail"].startswith("请以 multipart/form-data 上传")
    r = client.post("/api/calls", files={"manifest": ("m.csv", b"file,call_id\n")}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == "没有收到录音文件：请在 files 字段选择录音"
    bad_manifest = [wav("a.wav", "m"), ("manifest", ("m.csv", b"name,agent\nx,y\n", "text/csv"))]
    r = client.post("/api/calls", files=bad_manifest, headers=headers)
    assert r.status_code == 422 and r.json()["detail"].startswith("清单 CSV 无法使用（m.csv: missing")
    env.app.state.max_upload_mb = 0.01
    try:
        r = client.post("/api/calls", files=[wav("big.wav", "big")], headers=headers)
    finally:
        del env.app.state.max_upload_mb
    assert (
        r.status_code == 413
        and r.json()["detail"] == "上传内容超过 0.01 MB 的上限（max_upload_mb）：请分批上传"
    )
    many = [("files", (f"{k}.txt", b"x", "text/plain")) for k in range(100)] + [wav("late.wav", "late")]
    r = client.post("/api/calls", files=many, headers=headers)
    assert (
        r.status_code == 200
        and r.json()["outcomes"][-1]["message"] == "超过每次最多 100 个文件的上限：请分批上传"
    )
    flood = [("files", (f"{k}.txt", b"", "text/plain")) for k in range(1001)]
    r = client.post("/api/calls", files=flood, headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == "文件过多：每次最多上传 100 个文件"
    assert client.post("/api/calls", files=[wav("a.wav", "m")]).status_code == 403  # no CSRF header
    lead, lead_csrf = signed_in(env.app, "lead_a")
    r = lead.post("/api/calls", files=[wav("a.wav", "m")], headers={"X-CSRF-Token": lead_csrf})
    assert r.status_code == 403


def test_too_long_and_taken_call_ids_say_why(tmp_path: Path) -> None:
    short = make_env(tmp_path / "short", "max_call_minutes = 0.01\n")  # 0.6 s
    try:
        manifest = "file,call_id\nb.wav,first\n"
        files = [
            ("files", ("long.wav", tone_wav("long", seconds=2.0), "audio/wav")),
            ("files", ("b.wav", tone_wav("b", seconds=0.3), "audio/wav")),
            ("manifest", ("m.csv", manifest.encode(), "text/csv")),
        ]
        outcomes = upload(short, "root", files).json()["outcomes"]
    finally:
        short.db.close()
    assert outcomes[0]["message"] == "录音过长（00:02）：超过 0.01 分钟的上限（max_call_minutes）"
    assert outcomes[1]["status"] == "added" and outcomes[1]["call_id"] == "first"  # the rest go on
    taken = make_env(tmp_path / "taken")
    try:
        upload(taken, "insp", [wav("p02.wav", "one")])
        manifest = "file,call_id\nother.wav,p02\n"
        files = [wav("other.wav", "two"), ("manifest", ("m.csv", manifest.encode(), "text/csv"))]
        outcome = upload(taken, "insp", files).json()["outcomes"][0]
    finally:
        taken.db.close()
    assert outcome["status"] == "failed"
    assert outcome["message"] == "通话编号 p02 已被另一段录音使用：请在清单中为它另取 call_id"


def test_status_endpoint_follows_processing(env) -> None:  # type: ignore[no-untyped-def]
    manifest = "file,call_id,team\nteam-a.wav,team-a,A\n"
    files = [
        wav("team-a.wav", "ta"),
        wav("13800001111.wav", "phone"),
        ("manifest", ("m.csv", manifest.encode(), "text/csv")),
    ]
    outcomes = upload(env, "insp", files).json()["outcomes"]
    refs = [o["ref"] for o in outcomes]
    assert refs[0] == "team-a" and re.fullmatch(r"~\d+", refs[1])  # the number is not in the link
    assert outcomes[1]["call_id"] == "138****1111" and outcomes[1]["file"] == "138****1111.wav"
    insp, _ = signed_in(env.app, "insp")
    before = insp.get("/api/call-status", params={"ref": refs}).json()["items"]
    assert [(i["ref"], i["status"], i["status_name"]) for i in before] == [
        (refs[0], "pending", "待处理"),
        (refs[1], "pending", "待处理"),
    ]
    summary = process_pending(env.ws, env.db, load_default_pack(), "", transcriber=ScriptedSpeech())
    assert summary.done == 2
    after = insp.get("/api/call-status", params={"ref": refs}).json()["items"]
    with env.db.session() as session:
        stored = [(c.status, c.score) for c in session.scalars(select(Call).order_by(Call.id))]
    assert [(i["status"], i["score"]) for i in after] == stored and stored[0][0] in ("clean", "flagged")
    assert {i["status_name"] for i in after} <= {"合规", "疑似违规"}  # an empty transcript lacks the greeting
    assert "13800001111" not in insp.get("/api/call-status", params={"ref": refs}).text
    lead_a, _ = signed_in(env.app, "lead_a")
    lead_b, _ = signed_in(env.app, "lead_b")
    assert [i["ref"] for i in lead_a.get("/api/call-status", params={"ref": refs}).json()["items"]] == [
        "team-a"
    ]
    assert lead_b.get("/api/call-status", params={"ref": refs}).json()["items"] == []  # not their team
    assert insp.get("/api/call-status", params={"ref": ["nope"]}).json()["items"] == []
    assert insp.get("/api/call-status").status_code == 422  # no ref
    too_many = [f"c{k}" for k in range(101)]
    assert insp.get("/api/call-status", params={"ref": too_many}).status_code == 422


def test_calls_page_has_the_upload_form_and_its_script(env) -> None:  # type: ignore[no-untyped-def]
    insp, _ = signed_in(env.app, "insp")
    html = insp.get("/calls").text
    assert 'id="upload-form"' in html and 'id="upload-result"' in html and 'id="upload-summary"' in html
    assert '<script src="/static/upload.js"></script>' in html
    script = insp.get("/static/upload.js").text
    assert "/api/call-status" in script and "X-CSRF-Token" in script
