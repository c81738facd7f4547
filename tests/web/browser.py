"""A real `callqa serve` and Debian's Chromium, for the browser tests and the review-flow benchmark."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_workspace(source: Path, target: Path) -> Path:
    """A copy of a workspace (a consistent copy of its database, WAL included), without its session key."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("callqa.db*", "session.key"))
    with sqlite3.connect(source / "callqa.db") as src, sqlite3.connect(target / "callqa.db") as dst:
        src.backup(dst)
    return target


@contextmanager
def serve(ws_dir: Path) -> Iterator[str]:
    """`callqa serve` (no background worker) on a free port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "callqa.cli.main", "serve", "--port", str(port), "-w", str(ws_dir),
                             "--no-worker"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def launch(pw: Any) -> Any:  # playwright's Browser
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def sign_in(browser: Any, base: str, name: str, width: int = 1366, **context: Any) -> Any:
    """A new page signed in as `name` (password `<name>-pass-2026`), in a context of its own."""
    page = browser.new_context(viewport={"width": width, "height": 820}, **context).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", f"{name}-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("header .who")
    return page


def inspector_with_cases(db: Any, username: str, keep: tuple[str, ...]) -> None:
    """Add inspector `username` owning the open cases of calls `keep` only. Cases are assigned on
    arrival, so the first inspector gets them all; the others go to a second inspector (li), moved by
    a supervisor (wang)."""
    from sqlalchemy import select

    from callqa.review import accounts, workflow
    from callqa.store.models import ReviewCase

    with db.session() as session:
        inspector, _ = accounts.create_user(
            session, "test", username, "inspector", None, password=f"{username}-pass-2026"
        )
    with db.session() as session:
        accounts.create_user(session, "test", "li", "inspector", None, password="li-pass-2026-x")
        sup, _ = accounts.create_user(session, "test", "wang", "supervisor", None, password="wang-pass-2026")
        for case in session.scalars(select(ReviewCase).where(ReviewCase.owner_id == inspector.id)).all():
            if case.call.call_id not in keep:
                workflow.reassign(session, sup, case.call.call_id, "li")
