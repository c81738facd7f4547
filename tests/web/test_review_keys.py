"""Issue 8's acceptance, in Debian's Chromium against a real `callqa serve`: an inspector reviews a
3-hit call with keys alone (1, 1, 2, Enter). The decisions are stored without any page load, scroll
and playback stay, and Enter submits the verdict and opens the next case of their queue. Also the
other keys, the timeline and the line being played."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.review.cases import case_of
from callqa.store.database import open_database
from callqa.store.models import Call
from callqa.workspace import Workspace
from tests.web.browser import CHROMIUM, copy_workspace, inspector_with_cases, launch, serve, sign_in

CALL, NEXT = "p09", "p14"  # 3 hits each once overlapping hits are merged (p09: 考不了公 + 考不了公务员)
SELECTED = re.compile(r"\bselected\b")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")


@pytest.fixture()
def workspace(example_workspace: Path, tmp_path: Path) -> Path:
    """The examples, with inspector zhang owning the cases of CALL and NEXT (open, nothing decided)."""
    ws_dir = copy_workspace(example_workspace, tmp_path / "ws")
    db = open_database(Workspace.open(ws_dir))
    inspector_with_cases(db, "zhang", (CALL, NEXT))
    db.close()
    return ws_dir


def _case(ws_dir: Path, call_id: str) -> tuple[str, str | None, list[str]]:
    """(state, verdict, decisions in the order of the call's hits) as stored."""
    db = open_database(Workspace.open(ws_dir))
    with db.session() as session:
        call = session.scalars(select(Call).where(Call.call_id == call_id)).one()
        case = case_of(session, call)
        assert case is not None
        decided = {d.violation_id: d.decision for d in case.decisions}
        found = (case.state, case.verdict, [decided.get(v.id, "") for v in call.violations])
    db.close()
    return found


def test_a_three_hit_call_is_reviewed_with_keys_alone(workspace: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(workspace) as base, sync_playwright() as pw:
        browser = launch(pw)
        page = sign_in(browser, base, "zhang")
        page.goto(f"{base}/calls/{CALL}")
        expect(page.locator(".violation")).to_have_count(3)
        expect(page.locator(".violation.selected")).to_have_count(1)  # the first hit, ready for a key
        loads: list[str] = []
        page.on("load", lambda: loads.append(page.url))
        page.evaluate("window.__sameDocument = true")
        for key in ("1", "1", "2"):
            page.keyboard.press(key)
        expect(page.locator("#progress")).to_have_text("已复核 3 / 3")
        expect(page.locator(".violation.confirmed")).to_have_count(2)
        expect(page.locator(".violation.dismissed")).to_have_count(1)
        expect(page.locator(".marker.dismissed")).to_have_count(1)
        page.wait_for_function("document.querySelectorAll('.violation .decision').length === 3")
        assert page.evaluate("window.__sameDocument") is True and loads == [], loads  # no page load
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/calls/{NEXT}")
        expect(page.locator("h2")).to_contain_text(f"通话 {NEXT}")
        assert page.evaluate("window.__sameDocument") is None  # the next case is a new page: the only load
        assert len(loads) == 1, loads
        browser.close()
    assert _case(workspace, CALL) == ("submitted", "confirmed", ["confirmed", "confirmed", "false_positive"])
    assert _case(workspace, NEXT)[0] == "open"


def test_keys_timeline_and_the_line_being_played(workspace: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(workspace) as base, sync_playwright() as pw:
        browser = launch(pw)
        page = sign_in(browser, base, "zhang")
        page.goto(f"{base}/calls/{CALL}")
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        time_now = "document.getElementById('player').currentTime"
        starts = [
            float(s) for s in page.locator(".violation").evaluate_all("cs => cs.map(c => c.dataset.start)")
        ]

        page.keyboard.press("j")  # the second hit: selected, played from its start
        expect(page.locator(".violation").nth(1)).to_have_class(SELECTED)
        assert abs(page.evaluate(time_now) - starts[1]) < 0.6
        expect(page.locator(".seg.playing")).to_have_count(1)
        page.keyboard.press("k")
        assert abs(page.evaluate(time_now) - starts[0]) < 0.6
        page.keyboard.press(" ")  # space: pause (j and k started playback)
        page.wait_for_function("document.getElementById('player').paused")
        page.keyboard.press(" ")
        page.wait_for_function("!document.getElementById('player').paused")

        page.keyboard.press("?")
        expect(page.locator("#keys-dialog")).to_be_visible()
        expect(page.locator("#keys-dialog")).to_contain_text("提交复核结论并打开下一条")
        page.keyboard.press("?")
        expect(page.locator("#keys-dialog")).to_be_hidden()

        marker = page.locator(".marker").nth(2)  # a marker on the agent's lane: seeks to its hit
        box = marker.bounding_box()
        assert box and box["width"] >= 3
        marker.click()
        expect(page.locator(".violation").nth(2)).to_have_class(SELECTED)
        lane = page.locator(".lane.customer .track")  # clicking a lane seeks to that moment
        box = lane.bounding_box()
        assert box
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + 3)
        duration = float(page.locator("#callpage").get_attribute("data-duration") or 0)
        assert abs(page.evaluate(time_now) - duration / 2) < 1.0
        canvas_drawn = "(() => { const c = document.querySelector('.lane.agent canvas'); const d = c.getContext('2d')" \
            ".getImageData(0, 0, c.width, c.height).data; return d.some((v, i) => i % 4 === 3 && v > 0); })()"  # fmt: skip
        assert page.evaluate(canvas_drawn)  # the waveform is drawn
        browser.close()
