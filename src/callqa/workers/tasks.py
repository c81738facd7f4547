"""The one task, `process_call(call_pk)`, and what each worker process loads once to run it.

A worker process loads the workspace, the database, the rule pack and the speech model when it starts
(`init_process`, after the fork), like a process of `callqa process`'s pool. The task claims the call
under a lease, keeps it alive while the recording is fetched and transcribed by the same code as
in-process processing (callqa.pipeline.transcribe_worker), and stores the result with
`save_claimed_result`, which writes nothing unless the lease is still this process's.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from celery import Celery, Task
from sqlalchemy.exc import OperationalError

from callqa.asr.engine import DecodeSettings
from callqa.pipeline import lease, transcribe_worker
from callqa.pipeline.process import Transcriber, save_claimed_result
from callqa.rules import RulePack
from callqa.rules.active import workspace_pack
from callqa.store.database import Database, open_database
from callqa.workers.app import TASK
from callqa.workers.recordings import RecordingUnavailable, recording
from callqa.workspace import Workspace, secret_file

log = logging.getLogger("callqa.worker")
SAVE_PATIENCE_S = 600  # how long a finished result waits for the database to come back
RETRY_S = 10  # a call whose recording could not be had is sent again after this


@dataclass(frozen=True)
class WorkerOptions:
    """What `callqa worker` was started with; the forked worker processes inherit it."""

    workspace: Path
    model_dir: str  # "" with an engine
    cpu_threads: int
    engine: str | None = None  # "module:factory" returning a Transcriber (tests: the fake speech engine)


@dataclass
class WorkerProcess:
    """One worker process's loaded state."""

    ws: Workspace
    db: Database
    pack: RulePack
    transcribe: Transcriber
    model_name: str
    owner: str
    token: str


_options: WorkerOptions | None = None
_process: WorkerProcess | None = None


def configure(options: WorkerOptions) -> None:
    global _options
    _options = options


def init_process(**_signal: Any) -> None:
    """Load everything one worker process needs (Celery's worker_process_init, after the fork)."""
    global _process
    assert _options is not None, "configure() was not called"
    ws = Workspace.open(_options.workspace)
    if _options.engine:
        module, _, factory = _options.engine.partition(":")
        transcribe: Transcriber = getattr(importlib.import_module(module), factory)()
    else:
        settings = replace(DecodeSettings(beam_size=ws.settings.beam_size), cpu_threads=_options.cpu_threads)
        transcribe_worker.init_worker(_options.model_dir, settings, ws.settings.max_call_minutes)
        transcribe = transcribe_worker.transcribe_file
    token = secret_file(ws.worker_token_path) if ws.settings.recordings_url else ""
    model_name = os.path.basename(_options.model_dir.rstrip("/"))
    _process = WorkerProcess(
        ws, open_database(ws), workspace_pack(ws), transcribe, model_name, lease.new_owner(), token
    )
    log.info("worker process %d ready", os.getpid())


def process_call(task: Task, call_pk: int) -> str:
    """Process one call exactly once, however often this task is delivered; returns what it did."""
    p = _process
    assert p is not None, "init_process did not run"
    lease_s = p.ws.settings.worker_lease_s
    try:
        claimed = lease.claim(p.db, call_pk, p.owner, lease_s)
        left = None if claimed else lease.lease_left_s(p.db, call_pk)
    except OperationalError as exc:  # the database is restarting or locked: the same task, later
        raise task.retry(countdown=RETRY_S, max_retries=None, exc=exc) from None
    if claimed is None:
        if left is None:
            return "done already"  # a duplicate, or the call is gone
        # held by another worker that may have died: look again when its lease runs out
        raise task.retry(countdown=left + 1, max_retries=None)
    with lease.Heartbeat(p.db, call_pk, p.owner, lease_s):
        try:
            with recording(p.ws, claimed, p.ws.settings.recordings_url, p.token) as path:
                result = p.transcribe(claimed.pk, str(path), claimed.channels)
        except RecordingUnavailable as exc:
            log.warning("call %d: %s; given back", call_pk, exc)
            _give_back(p, call_pk)
            raise task.retry(countdown=RETRY_S, max_retries=None) from None
        saved = _save(p, result)
    if saved is None:
        return "taken over"  # our lease ran out and another worker holds the call: its result counts
    log.info("call %s: %s", saved.call_id, saved.status)
    return saved.status


def _save(p: WorkerProcess, result: transcribe_worker.TranscribeResult):  # type: ignore[no-untyped-def]
    """Store the result, waiting out a database that is restarting or locked (the lease may run out
    meanwhile; then another worker's result counts and this one is dropped)."""
    deadline = time.monotonic() + SAVE_PATIENCE_S
    pause = 1.0
    while True:
        try:
            return save_claimed_result(p.db, p.pack, result, p.model_name, p.ws.settings.sample_rate, p.owner)
        except OperationalError as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("call %d: cannot store the result yet (%s); trying again", result.call_pk, exc)
            time.sleep(pause)
            pause = min(pause * 2, 10.0)


def _give_back(p: WorkerProcess, call_pk: int) -> None:
    with contextlib.suppress(OperationalError):  # else the lease runs out instead
        lease.release(p.db, call_pk, p.owner)


def register(app: Celery) -> None:
    """Add the task to `app`, and load each worker process's state when it starts."""
    from celery.signals import worker_process_init

    app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True)(process_call)
    worker_process_init.connect(init_process, weak=False)
