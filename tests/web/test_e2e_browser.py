"""The whole review flow by hand, in Debian's Chromium, against a real `callqa serve`.

Inspector opens a flagged call from the queue (assigned to them), plays it and seeks by clicking a transcript
line, confirms one violation and marks another false positive, submits; the team lead appeals;
a supervisor gives the final judgement; `callqa audit verify` passes, and fails once an audit
row is edited in the database. Screenshots of the main pages go to test-artifacts/.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from callqa.review import accounts
from callqa.store.database import open_database
from callqa.workspace import Workspace
from tests.conftest import ROOT
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, copy_workspace, serve

ARTIFACTS = ROOT / "test-artifacts"
CALL = "p03"  # FLAC, several third-party-disclosure hits
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium not installed (make test installs it)"
)


@pytest.fixture()
def server(example_workspace: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    ws_dir = copy_workspace(example_workspace, tmp_path / "ws")
    ws = Workspace.open(ws_dir)
    db = open_database(ws)
    with db.session() as session:
        for name, role, team in (("zhang", "inspector", None), ("li", "team_lead", "A"), ("wang", "supervisor", None),
                                 ("root", "admin", None)):  # fmt: skip
            accounts.create_user(session, "test", name, role, team, password=f"{name}-pass-2026")
        session.execute(
            __import__("sqlalchemy").text(f"UPDATE calls SET team = 'A' WHERE call_id = '{CALL}'")
        )
    db.close()
    with serve(ws_dir) as base:
        yield base, ws_dir


def test_review_flow_in_chromium(server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, ws_dir = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def sign_in(name: str):  # type: ignore[no-untyped-def]
            page = browser.new_page(viewport={"width": 1366, "height": 820})
            page.goto(f"{base}/login")
            page.fill("input[name=username]", name)
            page.fill("input[name=password]", f"{name}-pass-2026")
            page.click("button[type=submit]")
            expect(page.locator("header .who")).to_contain_text(name)
            return page

        # inspector: queue → call → play and seek → decide → submit
        page = sign_in("zhang")
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        upload = ws_dir.parent / "新录音 (1).wav"  # a new recording: different bytes, a name with spaces
        upload.write_bytes((ROOT / "examples" / "calls" / "p14.wav").read_bytes() + b"\0" * 64)
        page.click("text=通话列表")
        page.click("summary:text('上传录音')")
        page.set_input_files("input[name=files]", str(upload))
        page.click("button:text('上传并处理')")
        expect(page.locator("#upload-result")).to_contain_text("已接收")
        page.click("text=我的复核")
        page.click(f"a:text-is('{CALL}')")  # already zhang's: given out when the account was made
        expect(page.locator("h3 small")).to_contain_text("复核中")
        page.evaluate("document.getElementById('player').play()")
        line = page.locator(".seg").nth(2)
        start = float(line.get_attribute("data-start") or 0)
        line.click()
        page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.0")
        assert not page.evaluate("document.getElementById('player').error")
        forms = page.locator("form.decide")
        assert forms.count() >= 2
        forms.nth(0).locator("button[value=confirmed]").click()
        for i in range(1, page.locator("form.decide").count()):
            page.locator("form.decide").nth(i).locator("button[value=false_positive]").click()
        expect(page.locator(".decision")).to_have_count(page.locator(".violation").count())
        page.screenshot(path=str(ARTIFACTS / "call-detail.png"), full_page=True)
        page.click("button:text('提交复核结论')")
        expect(page.locator("h3 small")).to_contain_text("确认违规")
        page.close()

        # team lead appeals
        page = sign_in("li")
        page.goto(f"{base}/calls/{CALL}")
        page.fill("textarea[name=reason]", "坐席只是确认接听人身份，并未透露具体欠款，申请复议")
        page.click("button:text('提出申诉')")
        expect(page.locator("h3 small")).to_contain_text("申诉中")
        page.close()

        # supervisor: final judgement
        page = sign_in("wang")
        page.goto(f"{base}/appeals")
        page.screenshot(path=str(ARTIFACTS / "appeals.png"), full_page=True)
        page.click(f"a:text-is('{CALL}')")
        page.fill("input[name=comment]", "录音显示已向第三方透露欠款，维持原结论")
        page.click("button:text('终审：维持原结论')")
        expect(page.locator("h3 small")).to_contain_text("已结案")
        for name, path in (
            ("calls", "/calls"),
            ("rules", "/rules"),
            ("audit", "/audit"),
            ("search", "/search?q=欠钱"),
        ):
            page.goto(base + path)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        expect(page.locator("body")).not_to_contain_text("Internal Server Error")
        # search from its own form, every field left at its default (说话人 全部 sends speaker=)
        page.goto(f"{base}/search")
        page.fill("input[name=q]", "欠钱")
        with page.expect_navigation():
            page.click("button:text('搜索')")
        assert "speaker=" in page.url and "q=" in page.url
        expect(page.locator("body")).not_to_contain_text("Unprocessable")
        expect(page.locator("a[href*='/calls/']").first).to_be_visible()
        page.close()
        admin = sign_in("root")
        admin.goto(f"{base}/users")
        admin.screenshot(path=str(ARTIFACTS / "users.png"), full_page=True)
        browser.close()

    verify = [sys.executable, "-m", "callqa.cli.main", "audit", "verify", "-w", str(ws_dir)]
    ok = subprocess.run(verify, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with sqlite3.connect(ws_dir / "callqa.db") as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM audit_log ORDER BY id")]
        assert {"case.auto_assign", "case.submit"} <= set(actions) and any("appeal" in a for a in actions), (
            actions
        )
        conn.execute("UPDATE audit_log SET after = replace(after, 'confirmed', 'false_positive') "
                     "WHERE action LIKE '%decide%'")  # fmt: skip
    tampered = subprocess.run(verify, capture_output=True, text=True)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr


CSP_PAGES = ("/", "/calls", f"/calls/{CALL}", "/search?q=欠钱", "/review", "/appeals", "/rules", "/audit",
             "/users", "/docs")  # fmt: skip
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));"""


def test_pages_run_under_the_content_security_policy(server) -> None:  # type: ignore[no-untyped-def]
    """The main pages, the charts and the API docs work with no CSP violation and no console error:
    every script, style and image comes from /static, and nothing from another host."""
    from playwright.sync_api import expect, sync_playwright

    base, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 820})
        page.add_init_script(WATCH_CSP)
        problems: list[str] = []
        foreign: list[str] = []

        def console(message) -> None:  # type: ignore[no-untyped-def]
            if message.type in ("error", "warning"):  # Chromium logs each CSP refusal as an error
                problems.append(f"console {message.type}: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((base, "data:")) else None)

        page.goto(f"{base}/login")
        page.fill("input[name=username]", "root")
        page.fill("input[name=password]", "root-pass-2026")
        page.click("button[type=submit]")
        expect(page.locator("header .who")).to_contain_text("root")
        for path in CSP_PAGES:
            response = page.goto(base + path)
            assert response and response.ok and response.headers["content-security-policy"], path
            if path == "/":
                for chart in ("by-category", "trend", "by-team", "by-agent"):
                    canvas = page.locator(f"#{chart} canvas").first
                    expect(canvas).to_be_visible()
                    assert (canvas.bounding_box() or {}).get("height", 0) > 100, chart
                page.hover("#by-category canvas", position={"x": 400, "y": 120})  # the tooltip
                page.hover("#trend canvas", position={"x": 300, "y": 150})
                page.wait_for_timeout(300)
                page.screenshot(path=str(ARTIFACTS / "dashboard-tooltip.png"))
            if path == "/docs":
                expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
                assert page.locator(".opblock").count() > 20
                me = page.locator(".opblock", has=page.locator("[data-path='/api/me']"))
                me.locator(".opblock-summary").click()  # "Try it out" on GET /api/me, as the signed-in admin
                me.locator(".try-out__btn").click()
                me.locator(".execute").click()
                expect(me.locator(".live-responses-table tbody .response-col_status")).to_contain_text("200")
                expect(me.locator(".live-responses-table")).to_contain_text('"username": "root"')
                page.screenshot(path=str(ARTIFACTS / "docs.png"))
            problems += [f"{path}: {v}" for v in page.evaluate("window.__csp")]
        browser.close()
    assert not problems, problems
    assert not foreign, foreign
