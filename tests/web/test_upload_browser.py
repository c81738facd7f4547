"""The upload form in Debian's Chromium against a real `callqa serve`: three files, one of each fate,
each reported on its own line with a link to its call, and the new call's status updating live
(without a page load) once it is processed."""

from __future__ import annotations

import re
from pathlib import Path

from callqa.pipeline.process import process_pending
from callqa.rules import load_default_pack
from callqa.store.database import open_database
from callqa.workspace import Workspace
from tests.conftest import ROOT
from tests.fakes import ScriptedSpeech

from .test_e2e_browser import CHROMIUM, pytestmark, server  # noqa: F401  (the fixture and the skip)


def test_upload_reports_per_file_and_follows_processing(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, ws_dir = server
    new = tmp_path / "新录音 (2).wav"
    new.write_bytes((ROOT / "examples" / "calls" / "p14.wav").read_bytes() + b"\1" * 64)
    not_audio = tmp_path / "备注.wav"
    not_audio.write_text("这不是录音\n" * 20, encoding="utf-8")
    duplicate = ROOT / "examples" / "calls" / "p14.wav"  # already ingested as p14
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "zhang")
        page.fill("input[name=password]", "zhang-pass-2026")
        page.click("button[type=submit]")
        page.goto(f"{base}/calls")
        page.evaluate("window.notReloaded = true")
        page.click("summary:text('上传录音')")
        page.set_input_files("input[name=files]", [str(new), str(not_audio), str(duplicate)])
        page.click("button:text('上传并处理')")
        summary = page.locator("#upload-summary")
        expect(summary).to_have_text("共 3 个文件：已接收 1，重复 1，已拒绝 1", timeout=30_000)
        lines = page.locator("#upload-result li")
        expect(lines).to_have_count(3)
        expect(lines.nth(0)).to_contain_text("新录音 (2).wav：已接收（等待转写和质检） 查看通话 新录音_2")
        expect(lines.nth(1)).to_contain_text("已拒绝（文件内容不是录音")
        expect(lines.nth(2)).to_contain_text("p14.wav：重复（这段录音已作为通话 p14 上传过）")
        expect(lines.nth(2).locator("a")).to_have_attribute("href", "/calls/p14")
        status = lines.nth(0).locator(".call-status")
        expect(status).to_have_text("待处理…")
        ws = Workspace.open(ws_dir)
        db = open_database(ws)
        try:
            done = process_pending(ws, db, load_default_pack(), "", transcriber=ScriptedSpeech())
        finally:
            db.close()
        assert done.done == 1
        expect(status).to_have_text(
            re.compile(r"^(合规|疑似违规) · \d+ 分$"), timeout=15_000
        )  # polled, not reloaded
        assert page.evaluate("window.notReloaded") is True
        lines.nth(0).locator("a").click()
        expect(page.locator("main")).to_contain_text("新录音_2")
        browser.close()
