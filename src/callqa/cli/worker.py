"""`callqa worker`, and `callqa process` when a broker is configured (enqueue, then wait)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from callqa.cli.context import err, fail, open_workspace, out, progress_bar
from callqa.cli.render import WorkspaceOpt

if TYPE_CHECKING:
    from celery import Celery

    from callqa.store.database import Database
    from callqa.workspace import Workspace

POLL_S = 1.0
T = TypeVar("T")


def broker_app(ws: Workspace) -> Celery | None:
    """The Celery app of the workspace's broker (CALLQA_BROKER_URL or `broker_url`); None: in-process."""
    from callqa.workers.app import make_app

    url = ws.broker_url
    return make_app(url) if url else None


def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: `workers`, else cores, at most 4).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Threads per process (default: cores / concurrency).")
    ] = None,
    workspace: WorkspaceOpt = None,
    model: Annotated[Path | None, typer.Option(help="CTranslate2 Whisper model directory.")] = None,
    engine: Annotated[
        str | None, typer.Option(hidden=True, help="module:factory of a fake speech engine")
    ] = None,
) -> None:
    """Take calls from the broker and process them (run it on any number of machines)."""
    from callqa.asr.model_files import ModelError, resolve_model_dir
    from callqa.settings import default_workers
    from callqa.workers import tasks

    ws, db = open_workspace(workspace)
    app = broker_app(ws)
    if app is None:
        raise fail("no broker: set broker_url in config.toml or CALLQA_BROKER_URL", 2)
    try:
        model_dir = "" if engine else str(resolve_model_dir(model or ws.model_path))
    except ModelError as exc:
        raise fail(str(exc)) from None
    processes = concurrency or ws.settings.workers or default_workers()
    cpu_threads = threads or max(1, (os.cpu_count() or 1) // processes)
    tasks.configure(tasks.WorkerOptions(ws.root, model_dir, cpu_threads, engine))
    tasks.register(app)
    _start_reaper(db, app, ws.settings.worker_lease_s)
    out.print(
        f"callqa worker: {processes} process(es) × {cpu_threads} thread(s), broker {_safe(ws.broker_url)}"
    )
    quiet = ["--without-heartbeat", "--without-gossip", "--without-mingle"]  # no worker-to-worker chatter
    name = f"--hostname=callqa-{os.getpid()}@%h"
    app.worker_main(["worker", f"--concurrency={processes}", "--loglevel=INFO", *quiet, name])


def _start_reaper(db: Database, app: Celery, lease_s: float) -> None:
    """A thread of the worker's main process that runs the dispatch pass (callqa.workers.dispatch)
    every half lease."""
    import logging

    from callqa.workers.dispatch import dispatch

    def run() -> None:
        while True:
            time.sleep(lease_s / 2)
            try:
                dispatch(db, app, lease_s)
            except Exception as exc:  # the database or broker away: the next pass
                logging.getLogger("callqa.dispatch").warning("dispatch pass failed: %s", exc)

    threading.Thread(target=run, name="callqa-reaper", daemon=True).start()


def _safe(url: str | None) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True) if url else ""


def process_queued(ws: Workspace, db: Database, app: Celery, *, retry_failed: bool, wait: bool) -> int:
    """`callqa process` with a broker: send the pending calls to the workers, then (unless `wait` is
    False) show their progress until none is pending or processing, reaping as it waits. Returns the
    exit code."""
    from sqlalchemy import func, select, update

    from callqa.store.models import Call
    from callqa.workers.dispatch import dispatch

    if retry_failed:
        with db.session() as session:
            session.execute(
                update(Call)
                .where(Call.status == "failed")
                .values(status="pending", enqueued_at=None, error=None)
            )
    with db.session() as session:
        targets = list(session.scalars(select(Call.id).where(Call.status.in_(("pending", "processing")))))
    lease_s = ws.settings.worker_lease_s
    sent = dispatch(db, app, lease_s).sent
    if not wait:
        err.print(f"{sent} call(s) sent to the workers, {len(targets)} waiting in all")
        return 0

    def remaining() -> int:
        with db.session() as session:
            return (
                session.scalar(select(func.count(Call.id)).where(Call.status.in_(("pending", "processing"))))
                or 0
            )

    every = lease_s / 2
    last_pass = time.monotonic()
    with progress_bar() as progress:
        task = progress.add_task("processing (workers)", total=len(targets))
        try:
            while (left := _patiently(remaining, len(targets))) > 0:
                progress.update(task, completed=max(0, len(targets) - left), total=max(len(targets), left))
                time.sleep(POLL_S)
                if time.monotonic() - last_pass >= every:
                    _patiently(lambda: dispatch(db, app, lease_s), None)
                    last_pass = time.monotonic()
        except KeyboardInterrupt:
            progress.stop()
            err.print("stopped waiting: the calls stay queued and the workers carry on")
            raise typer.Exit(130) from None
        progress.update(task, completed=len(targets))
    _patiently(lambda: dispatch(db, app, lease_s), None)  # the review backlog
    return _report(db, targets)


def _patiently(step: Callable[[], T], otherwise: T) -> T:
    """Run one step of the wait; a database that is locked or restarting makes it `otherwise` (the
    calls are the workers' business meanwhile: waiting never changes them)."""
    from sqlalchemy.exc import OperationalError

    try:
        return step()
    except OperationalError as exc:
        err.print(f"database unavailable, waiting: {str(exc.orig or exc).splitlines()[0]}", highlight=False)
        return otherwise


def _report(db: Database, targets: list[int]) -> int:
    from sqlalchemy import select

    from callqa.store.models import Call

    rows: list[tuple[str, str, str | None]] = []
    with db.session() as session:
        for start in range(0, len(targets), 1000):
            chunk = targets[start : start + 1000]
            rows += session.execute(
                select(Call.call_id, Call.status, Call.error).where(Call.id.in_(chunk))
            ).all()
    failed = [(cid, reason or "") for cid, status, reason in rows if status == "failed"]
    for call_id, reason in failed:
        err.print(f"failed: {call_id}: {reason}", highlight=False, markup=False)
    flagged = sum(status == "flagged" for _, status, _ in rows)
    err.print(f"{len(rows)} processed, {flagged} flagged, {len(failed)} failed")
    return 1 if failed else 0
