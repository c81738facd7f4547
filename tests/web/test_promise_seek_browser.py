"""The call page's promise line (承诺还款：…) in Debian's Chromium against a real `callqa serve`: a click
seeks the player to the words, as clicking a hit does, and stays on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from callqa.store.database import open_database
from callqa.workspace import Workspace
from tests.web.browser import CHROMIUM, copy_workspace, inspector_with_cases, launch, serve, sign_in

CALL = "p01"  # 「下周五发了工资就还」 after the agent stated 三千二百元
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")


@pytest.fixture()
def workspace(example_workspace: Path, tmp_path: Path) -> Path:
    ws_dir = copy_workspace(example_workspace, tmp_path / "ws")
    db = open_database(Workspace.open(ws_dir))
    inspector_with_cases(db, "zhang", (CALL,))
    db.close()
    return ws_dir


def test_clicking_the_promise_seeks_to_its_words(workspace: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(workspace) as base, sync_playwright() as pw:
        browser = launch(pw)
        page = sign_in(browser, base, "zhang")
        page.goto(f"{base}/calls/{CALL}")
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        link = page.locator("#ptp a")
        expect(link).to_contain_text("3200元「")
        start = float(link.get_attribute("data-start") or 0)
        assert start > 5
        link.click()
        page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.6")
        assert page.url == f"{base}/calls/{CALL}"  # seeked in place, no page load
        browser.close()
