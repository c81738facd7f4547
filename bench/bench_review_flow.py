"""The review flow in the browser, counted: what it takes to review one 3-hit call and get to the next.

    .venv/bin/python bench/bench_review_flow.py [--screenshots docs]

Builds the example workspace (the 14 example calls with their reference transcripts, through the fake
speech engine as the web tests do), gives inspector zhang the open cases of p09 (3 hits) and p14, serves
it with `callqa serve`, and reviews p09 in Debian's Chromium, from its call page until p14's is open:

- before: the page as it was on main: every 确认违规 / 误报 and the verdict is a form post and a full
  page load, then 我的复核 and a click on the next case. Measured with JavaScript off, which is exactly
  that page (its forms are unchanged; without call.js they post as before);
- after: keys alone: 1, 1, 2, Enter (decisions in place, then 提交并下一条).

Prints clicks, key presses, page loads and the wall time of each; the target is at most 5 key presses and
1 page load per call. Each flow gets its own copy of the workspace. With --screenshots DIR, the call page
(p03, one hit confirmed, one dismissed, the player at a hit) and the queue (我的复核) at 1440 px are
written to DIR/call-page.png and DIR/review-queue.png for the README.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fake speech engine and the browser helpers of the tests

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from tests.fakes import EXAMPLES, ScriptedSpeech  # noqa: E402
from tests.web.browser import copy_workspace, inspector_with_cases, launch, serve, sign_in  # noqa: E402

from callqa.pipeline.ingest import ingest_one, rows_for  # noqa: E402
from callqa.pipeline.process import process_pending  # noqa: E402
from callqa.review import workflow  # noqa: E402
from callqa.rules import load_default_pack  # noqa: E402
from callqa.store.database import open_database  # noqa: E402
from callqa.store.models import ReviewCase, User  # noqa: E402
from callqa.workspace import Workspace  # noqa: E402

CALL, NEXT, SHOWN = "p09", "p14", "p03"


@dataclass
class Count:
    clicks: int = 0
    keys: int = 0
    loads: int = 0
    seconds: float = 0.0


def build(folder: Path) -> Path:
    """The example workspace with inspector zhang owning the open cases of CALL and NEXT."""
    ws = Workspace.open(folder)
    db = open_database(ws)
    for row in rows_for([EXAMPLES / "calls"], EXAMPLES / "manifest.csv"):
        ingest_one(ws, db, row)
    process_pending(ws, db, load_default_pack(), "", transcriber=ScriptedSpeech.for_examples())
    inspector_with_cases(db, "zhang", (CALL, NEXT))
    db.close()
    return folder


def counted(page: Page) -> Count:
    count = Count()
    page.on("load", lambda: setattr(count, "loads", count.loads + 1))
    return count


def before(page: Page, base: str) -> Count:
    """Plain forms (JavaScript off): 3 decisions, the verdict, 我的复核, the next case."""
    page.goto(f"{base}/calls/{CALL}")
    count = counted(page)
    start = time.perf_counter()
    for i, decision in enumerate(("confirmed", "confirmed", "false_positive")):
        page.locator("form.decide").nth(i).locator(f"button[value={decision}]").click()
        page.wait_for_load_state()
        count.clicks += 1
    page.click("button:text-is('提交复核结论')")
    count.clicks += 1
    expect(page.locator("h2 small")).to_contain_text("确认违规")
    page.click("header a:text('我的复核')")
    count.clicks += 1
    page.click(f"a:text-is('{NEXT}')")
    count.clicks += 1
    expect(page.locator("h2")).to_contain_text(f"通话 {NEXT}")
    count.seconds = time.perf_counter() - start
    return count


def after(page: Page, base: str) -> Count:
    """Keys alone: 1, 1, 2, Enter."""
    page.goto(f"{base}/calls/{CALL}")
    expect(page.locator(".violation.selected")).to_have_count(1)
    count = counted(page)
    start = time.perf_counter()
    for key in ("1", "1", "2", "Enter"):
        page.keyboard.press(key)
        count.keys += 1
    page.wait_for_url(f"{base}/calls/{NEXT}")
    expect(page.locator("h2")).to_contain_text(f"通话 {NEXT}")
    count.seconds = time.perf_counter() - start
    return count


def screenshots(ws_dir: Path, base: str, browser, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The call page and the queue at 1440 px."""
    db = open_database(Workspace.open(ws_dir))
    with db.session() as session:  # zhang's queue full again (SHOWN included) for the pictures
        sup = session.scalars(select(User).where(User.username == "wang")).one()
        li = session.scalars(select(User).where(User.username == "li")).one()
        for case in session.scalars(select(ReviewCase).where(ReviewCase.owner_id == li.id)).all():
            workflow.reassign(session, sup, case.call.call_id, "zhang")
    db.close()
    out.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, base, "zhang", width=1440)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base}/calls/{SHOWN}")
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("j")
    page.wait_for_timeout(1500)
    page.keyboard.press(" ")  # pause where it got to
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "call-page.png"))
    page.goto(f"{base}/review")
    page.screenshot(path=str(out / "review-queue.png"), full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, help="folder for call-page.png and review-queue.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        source = build(Path(tmp) / "source")
        browser = launch(pw)
        results = {}
        for name, flow, script in (("before", before, False), ("after", after, True)):
            ws_dir = copy_workspace(source, Path(tmp) / name)
            with serve(ws_dir) as base:
                page = sign_in(browser, base, "zhang", java_script_enabled=script)
                results[name] = flow(page, base)
                if name == "after" and args.screenshots:
                    screenshots(ws_dir, base, browser, args.screenshots)
        browser.close()
    print(f"review of one 3-hit call ({CALL}), from its page until the next case ({NEXT}) is open:")
    print(f"{'':8}{'clicks':>8}{'keys':>6}{'actions':>9}{'page loads':>12}{'seconds':>9}")
    for name, c in results.items():
        print(f"{name:8}{c.clicks:>8}{c.keys:>6}{c.clicks + c.keys:>9}{c.loads:>12}{c.seconds:>9.2f}")
    done = results["after"]
    verdict = "met" if done.keys + done.clicks <= 5 and done.loads <= 1 else "MISSED"
    print(f"target ≤ 5 key presses and ≤ 1 page load per call: {verdict}")


if __name__ == "__main__":
    main()
