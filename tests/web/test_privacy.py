"""Masking, visibility and export regressions found by attacking a real `callqa serve` (issue 6):
search snippets, spaced and +86 numbers, call ids and file names, audit entries, formulas in exports,
the appeal window on the HTML form, rule counts for team leads, the search form's defaults, ?t=nan,
literal 【】 in transcripts, and auditing of exports and audio downloads."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from callqa.review import accounts, workflow
from callqa.review.cases import get_case
from callqa.store.models import AuditEntry, Call
from callqa.web.app import create_app
from callqa.workspace import Workspace
from tests.fakes import add_scripted_call
from tests.web.test_api import build_api, client, login

NUMBER_CALL = "13912345678_客户"
NUMBER_LINES = [
    ("agent", "您好，请问是13800001111的机主吗？"),
    ("customer", "是我，身份证11010519491231002X，卡号6222 0212 3456 7890。"),
    ("agent", "你家人的138 0000 4444我们打过了，+86 139 0000 2222也是你的吧，你这个老赖。"),
    ("customer", "你们上次说【我没钱】就算了？"),
    ("agent", "别装了老赖，还钱。"),
]
FORMULA = '=HYPERLINK("http://evil.example","点我")'
SECRETS = ("13800001111", "0000 4444", "0000 2222", "19491231", "0212 3456", "13912345678", "8613800001111")


@pytest.fixture(scope="module")
def env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    built = build_api(example_workspace, tmp_path_factory.mktemp("privacy") / "ws")
    add_scripted_call(built.ws, built.db, NUMBER_CALL, NUMBER_LINES, team="A", agent_id="A7",
                      customer_phone="+8613800001111", file_name="13912345678_客户.wav")  # fmt: skip
    add_scripted_call(built.ws, built.db, "formula", [("agent", "你就是个老赖")], team="A", agent_id=FORMULA,
                      customer_phone="+86 139 0000 2222")  # fmt: skip
    yield built
    built.db.close()


def number_call_ref(env: SimpleNamespace) -> str:
    with env.db.session() as session:
        return f"~{session.scalar(select(Call.id).where(Call.call_id == NUMBER_CALL))}"


def assert_no_secret(text: str) -> None:
    flat = text.replace("\\u002b", "+")
    for secret in SECRETS:
        assert secret not in flat, secret


def test_search_snippets_stay_masked_and_hidden_digits_do_not_match(env) -> None:  # type: ignore[no-untyped-def]
    lead = client(env, "lead_a")
    for q in ("0000", "00001111", "19491231", "02123456", "00004444", "0212"):
        hits = lead.get("/api/search", params={"q": q}).json()["hits"]
        assert_no_secret(str(hits))
        assert not any(h["call_id"].startswith("139") for h in hits), q  # matches inside hidden digits: none
    tail = lead.get("/api/search", params={"q": "4444"}).json()["hits"]  # the visible last digits match
    assert [h["snippet"] for h in tail if h["ref"] == number_call_ref(env)] == [
        "你家人的138 **** 【4444】我们打过了，+86 139 **** 2222也是你的吧，你这个老赖。"
    ]
    found = lead.get("/api/search", params={"q": "老赖"}).json()["hits"]
    mine = [h for h in found if h["ref"] == number_call_ref(env)]
    assert mine and all("【老赖】" in h["snippet"] for h in mine)
    assert any("138 **** 4444" in h["text"] and "+86 139 **** 2222" in h["text"] for h in mine)
    assert_no_secret(str(found))
    page, _ = login(env, "a_lead_a")
    html = page.get("/search", params={"q": "0000"}).text + page.get("/search", params={"q": "老赖"}).text
    assert_no_secret(html.split("<table>", 1)[1])  # the results (the form shows the query typed)
    assert "138 **** 4444" in html
    supervisor = client(env, "supervisor").get("/api/search", params={"q": "19491231"}).json()["hits"]
    assert [h["call_id"] for h in supervisor] == [NUMBER_CALL]  # unmasked roles still find numbers


def test_spaced_and_prefixed_numbers_masked_everywhere(env) -> None:  # type: ignore[no-untyped-def]
    lead = client(env, "lead_a")
    ref = number_call_ref(env)
    call = lead.get(f"/api/calls/{ref}").json()
    assert call["customer_phone"] == "+86138****1111" and call["ref"] == ref
    transcript = lead.get(f"/api/calls/{ref}/transcript").text
    assert_no_secret(transcript)
    assert_no_secret(lead.get("/api/calls", params={"limit": 500}).text)
    assert_no_secret(lead.get("/api/violations", params={"limit": 500}).text)
    page, _ = login(env, "a_lead_a")
    for path in ("/calls", f"/calls/{ref}", "/calls?export=csv"):
        r = page.get(path)
        assert r.status_code == 200, path
        assert_no_secret(r.text)
    xlsx = page.get("/calls", params={"export": "xlsx"}).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        sheet = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert "139****5678" in sheet
    assert_no_secret(sheet)


def test_call_ids_and_file_names_masked_links_use_refs(env) -> None:  # type: ignore[no-untyped-def]
    ref = number_call_ref(env)
    listed = {
        c["ref"]: c for c in client(env, "lead_a").get("/api/calls", params={"limit": 500}).json()["items"]
    }
    assert listed[ref]["call_id"] == "139****5678_客户" and listed[ref]["file"] == "139****5678_客户.wav"
    page, _ = login(env, "a_lead_a")
    html = page.get("/calls").text
    assert f'href="/calls/{ref}"' in html and "139****5678_客户" in html
    assert page.get(f"/calls/{ref}/audio").status_code == 200
    assert client(env, "lead_b").get(f"/api/calls/{ref}").status_code == 404  # a ref is no way round teams
    unmasked = client(env, "supervisor").get("/api/calls", params={"limit": 500}).json()["items"]
    assert NUMBER_CALL in {c["call_id"] for c in unmasked}


def test_audit_entries_masked_for_masked_roles(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (env.ws.root / "config.toml").write_text('unmasked_roles = ["admin"]\n', encoding="utf-8")
    try:
        strict = SimpleNamespace(**(vars(env) | {"app": create_app(Workspace.open(env.ws.root), env.db)}))
        page, _ = login(strict, "a_sup")
        assert page.get(f"/calls/{number_call_ref(env)}/audio").status_code == 200  # audited by call id
        assert_no_secret(page.get("/audit").text)
        assert_no_secret(client(strict, "supervisor").get("/api/audit").text)
        assert_no_secret(client(strict, "supervisor").get("/api/audit", params={"format": "csv"}).text)
        assert NUMBER_CALL in client(strict, "admin").get("/api/audit").text  # the admin sees all
    finally:
        (env.ws.root / "config.toml").write_text("", encoding="utf-8")


def test_exports_never_hold_live_formulas(env) -> None:  # type: ignore[no-untyped-def]
    page, _ = login(env, "a_sup")
    csv_text = page.get("/calls", params={"export": "csv", "team": "A"}).text
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    assert "'+86 139 0000 2222" in csv_text  # a leading + would be a formula too
    xlsx = page.get("/calls", params={"export": "xlsx", "team": "A"}).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        everything = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert "HYPERLINK" in everything and "<f>" not in sheet and "<f " not in sheet


def test_exports_and_audio_downloads_are_audited(env) -> None:  # type: ignore[no-untyped-def]
    page, _ = login(env, "a_insp")
    with env.db.session() as session:
        before = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    assert page.get("/calls", params={"export": "csv", "category": "abuse"}).status_code == 200
    assert page.get("/calls/p02/audio").status_code == 200
    assert page.get("/calls/p02/audio", headers={"Range": "bytes=100-199"}).status_code == 206
    with env.db.session() as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_id)
                               .where(AuditEntry.id > before)).all()  # fmt: skip
    assert ("a_insp", "export.calls", "csv") in rows and ("a_insp", "call.audio", "p02") in rows
    assert sum(action == "call.audio" for _, action, _ in rows) == 1  # seeking does not flood the log


def test_appeal_window_of_zero_closes_the_html_form_too(env) -> None:  # type: ignore[no-untyped-def]
    def as_inspector(action, *args):  # type: ignore[no-untyped-def]
        with env.db.session() as session:  # one transaction per step, as the web requests make them
            return action(session, accounts.get_user(session, "a_insp"), *args)

    violation_ids = as_inspector(lambda s, u: [v.id for v in get_case(s, u, "p13").call.violations])
    for vid in violation_ids:
        as_inspector(workflow.decide_violation, vid, "confirmed")
    as_inspector(workflow.submit_verdict, "p13")
    (env.ws.root / "config.toml").write_text("appeal_window_days = 0\n", encoding="utf-8")
    try:
        strict = SimpleNamespace(**(vars(env) | {"app": create_app(Workspace.open(env.ws.root), env.db)}))
        page, token = login(strict, "a_lead_a")
        r = page.post("/calls/p13/appeal", data={"csrf_token": token, "reason": "误判"})
        assert r.status_code == 409 and "appeal window closed" in r.text
        r = client(strict, "lead_a").post("/api/calls/p13/appeal", json={"reason": "误判"})
        assert r.status_code == 409
    finally:
        (env.ws.root / "config.toml").write_text("", encoding="utf-8")


def test_team_lead_rule_counts_cover_only_their_team(env) -> None:  # type: ignore[no-untyped-def]
    def counts(username: str) -> dict[str, int]:
        page, _ = login(env, username)
        html = page.get("/rules").text
        cells = r"</td>\s*<td>[^<]*"
        rows = re.findall(rf"<code>([^<]+)</code>{cells * 4}</td>\s*<td>(\d+)</td>", html)
        return {rule: int(n) for rule, n in rows}

    admin, lead_b = counts("a_admin"), counts("a_lead_b")
    assert sum(admin.values()) > sum(lead_b.values()) > 0
    precision = client(env, "lead_b").get("/api/rules/precision").json()
    for rule, n in lead_b.items():
        figures = precision.get(rule, {"confirmed": 0, "false_positive": 0, "undecided": 0})
        assert n == figures["confirmed"] + figures["false_positive"] + figures["undecided"], rule


def test_search_form_defaults_and_bad_times(env) -> None:  # type: ignore[no-untyped-def]
    page, _ = login(env, "a_insp")
    r = page.get("/search", params={"q": "老赖", "speaker": ""})  # what the form sends for 说话人=全部
    assert r.status_code == 200 and "<mark>老赖</mark>" in r.text
    empty_filters = {k: "" for k in ("status", "agent", "team", "category", "since", "until", "min_score",
                                     "max_score", "review_state")}  # fmt: skip
    assert page.get("/calls", params=empty_filters).status_code == 200
    for t in ("nan", "inf", "-1", "1e9"):
        assert page.get("/calls/p02", params={"t": t}).status_code == 422, t
    assert page.get("/calls/p02", params={"t": "12.5"}).status_code == 200


def test_literal_brackets_in_a_transcript_stay_text(env) -> None:  # type: ignore[no-untyped-def]
    page, _ = login(env, "a_sup")
    html = page.get("/search", params={"q": "没钱"}).text
    row = next(line for line in html.splitlines() if "上次说" in line)
    assert "【<mark>我没钱</mark>】" not in row and row.count("<mark>") == 1 and "【" in row
