"""Process: transcribe and analyse every pending call, safely interruptible and idempotent.

A call moves pending → processing → clean | flagged | failed. Its transcript, violations and
status are written in one transaction, so a kill at any moment leaves it either finished or
still pending; `processing` rows left by a dead run are reclaimed at the next start. A run is dead
when its process is, or, for a run of this same process (the server's worker runs one batch after
another), when it has returned: a run stopped by a full disk cannot even put its claims back.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from callqa.asr.engine import DecodeSettings
from callqa.pipeline import transcribe_worker
from callqa.pipeline.hits import call_context, call_info, store_hits
from callqa.pipeline.lease import new_owner, update_calls
from callqa.pipeline.promises import store_promise
from callqa.pipeline.transcribe_worker import TranscribeResult
from callqa.review.workflow import assign_backlog
from callqa.rules import RulePack, evaluate
from callqa.store.database import Database
from callqa.store.models import Call, TranscriptSegment, Violation, db_now
from callqa.store.promises import save_promise
from callqa.store.search import index_segments, unindex_call
from callqa.store.vectors import save_call_vectors
from callqa.store.waveforms import save_waveform
from callqa.text.correct import correct
from callqa.transcript import Segment
from callqa.workspace import Workspace

HOST = socket.gethostname()
_running: set[str] = set()  # the claims of the runs now in progress in this process
Transcriber = Callable[[int, str, str], TranscribeResult]  # (call pk, recording path, channels) → result


@dataclass
class ProcessSummary:
    """Counts of what a run did, and the reasons of failures."""

    done: int = 0
    flagged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def _this_run() -> Iterator[str]:
    """A fresh claim, known in this process as running until the block ends (set before the calls
    are claimed, so that a concurrent run here does not take them for abandoned)."""
    claim = new_owner()
    _running.add(claim)
    try:
        yield claim
    finally:
        _running.discard(claim)


def _claim_alive(claim: str | None) -> bool:
    """Whether the run that claimed a call may still be working on it."""
    if not claim or ":" not in claim:
        return False
    host, pid, *_ = claim.split(":")
    if host != HOST:
        return True  # another machine's worker: leave it alone
    if pid == str(os.getpid()):
        return claim in _running
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def reclaim_abandoned(db: Database) -> int:
    """Put calls whose processing run died back to pending. A worker's claim (it has a lease) is dead
    when its lease has run out, wherever the worker runs."""
    now = db_now()
    with db.session() as session:
        stale = session.scalars(select(Call).where(Call.status == "processing")).all()
        dead = [
            c
            for c in stale
            if (
                c.lease_expires_at < now if c.lease_expires_at is not None else not _claim_alive(c.claimed_by)
            )
        ]
        for call in dead:
            call.status, call.claimed_by, call.lease_expires_at, call.enqueued_at = (
                "pending",
                None,
                None,
                None,
            )
        return len(dead)


def claim_calls(db: Database, retry_failed: bool, claim: str) -> list[tuple[int, str, str]]:
    """Mark the calls to do as `claim`'s; returns (pk, stored path, channels) for each."""
    wanted = [Call.status == "pending"]
    if retry_failed:
        wanted.append(Call.status == "failed")
    with db.session() as session:
        calls = session.scalars(select(Call).where(or_(*wanted)).order_by(Call.id)).all()
        for call in calls:
            call.status, call.claimed_by, call.error = "processing", claim, None
        return [(c.id, c.stored_path, c.channels) for c in calls]


def corrected_segments(segments: Sequence[Segment]) -> tuple[list[Segment], list[str | None]]:
    """Segments with misheard domain terms restored (what is stored, shown and checked by the rules),
    and per segment the speech model's own text where it was changed (None where it was not)."""
    fixed = [correct(s.text) for s in segments]
    out = [replace(s, text=f.text) for s, f in zip(segments, fixed, strict=True)]
    return out, [s.text if f.changes else None for s, f in zip(segments, fixed, strict=True)]


def save_result(
    db: Database, pack: RulePack, result: TranscribeResult, model_name: str, sample_rate: float = 0.0
) -> Call:
    """Store transcript, waveform, acoustics, violations, promise to pay and status of one call in a
    single transaction; a flagged call, or a clean one drawn at `sample_rate` (抽检), gets its review
    case in it."""
    vectors = embed_ahead(db, pack, result)
    with db.session() as session:
        return _store(session, pack, result, model_name, sample_rate, vectors)


def save_claimed_result(
    db: Database, pack: RulePack, result: TranscribeResult, model_name: str, sample_rate: float, owner: str
) -> Call | None:
    """`save_result` for a call that `owner` claimed under a lease (callqa.pipeline.lease): stored only
    if `owner` still holds the call, in the same transaction, whose first statement takes the write
    lock (and, on PostgreSQL, the row). None: another worker took it over after the lease ran out, or
    it is done already; nothing was written."""
    vectors = embed_ahead(db, pack, result)
    with db.session() as session:
        held = (Call.id == result.call_pk, Call.status == "processing", Call.claimed_by == owner)
        if not update_calls(session, *held, lease_expires_at=None):
            return None
        return _store(session, pack, result, model_name, sample_rate, vectors)


def embed_ahead(db: Database, pack: RulePack, result: TranscribeResult) -> dict[str, np.ndarray]:
    """The text model's sentence embeddings that checking this transcript needs, computed before the
    write transaction (reads only): embedding takes a second or more per call, and a write
    transaction holds SQLite's one write lock, which every other worker then waits for."""
    if result.error or not result.segments:
        return {}
    segments, _ = corrected_segments(result.segments)
    vectors: dict[str, np.ndarray] = {}
    with db.session() as session:
        call = session.get_one(Call, result.call_pk)
        info = replace(call_info(call), duration_s=result.duration_s)
        context = call_context(session, call, result.acoustics)
    evaluate(pack, info, segments, context, vectors)  # fills `vectors`
    return vectors


def _store(
    session: Session,
    pack: RulePack,
    result: TranscribeResult,
    model_name: str,
    sample_rate: float,
    vectors: dict[str, np.ndarray],
) -> Call:
    """The one way a transcription's result is written (in the caller's transaction); `vectors`: the
    transcript's embeddings (`embed_ahead`)."""
    call = session.get_one(Call, result.call_pk)
    unindex_call(session, call.id)
    session.execute(delete(TranscriptSegment).where(TranscriptSegment.call_pk == call.id))
    call.attempts += 1
    call.claimed_by, call.lease_expires_at = None, None
    call.processed_at = db_now()
    call.duration_s = result.duration_s
    call.asr_model = model_name
    save_waveform(session, call.id, None if result.error else result.waveform)
    call.acoustics = result.acoustics.to_json() if result.acoustics and not result.error else None
    if result.error:
        session.execute(delete(Violation).where(Violation.call_pk == call.id))
        call.status, call.error, call.score = "failed", result.error, None
        save_promise(session, call, None)
        return call
    segments, raw = corrected_segments(result.segments)
    rows = [
        TranscriptSegment(
            call_pk=call.id,
            position=i,
            speaker=s.speaker,
            start_s=s.start_s,
            end_s=s.end_s,
            text=s.text,
            raw_text=r,
        )
        for i, (s, r) in enumerate(zip(segments, raw, strict=True))
    ]
    session.add_all(rows)
    session.flush()
    index_segments(session, rows)
    save_call_vectors(session, call.id, vectors)  # the old transcript's embeddings go with it
    # hits, score, status, review case
    store_hits(session, pack, call, segments, sample_rate=sample_rate, vectors=vectors)
    store_promise(session, call, segments)
    call.error = None
    return call


def _results_in_process(
    jobs: list[tuple[int, str, str]], transcriber: Transcriber
) -> Iterator[TranscribeResult]:
    for pk, path, channels in jobs:
        yield transcriber(pk, path, channels)


def _results_from_pool(
    jobs: list[tuple[int, str, str]],
    workers: int,
    model_dir: str,
    settings: DecodeSettings,
    max_call_minutes: float | None,
) -> Iterator[TranscribeResult]:
    # spawn, not fork: a forked copy of a process whose model threads are running can deadlock
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=transcribe_worker.init_worker,
        initargs=(model_dir, settings, max_call_minutes),
    ) as pool:
        pending: set[Future[TranscribeResult]] = set()
        queue = list(jobs)
        while queue or pending:
            while queue and len(pending) < workers * 2:
                pending.add(pool.submit(transcribe_worker.transcribe_file, *queue.pop(0)))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()


@contextmanager
def _dealing_backlog(db: Database) -> Iterator[None]:
    """After a run, also one that found nothing to do: unassigned cases go to the inspectors
    (`callqa.review.workflow.assign_backlog`)."""
    yield
    with db.session() as session:
        assign_backlog(session)


def process_pending(
    ws: Workspace,
    db: Database,
    pack: RulePack,
    model_dir: str,
    *,
    workers: int = 1,
    settings: DecodeSettings | None = None,
    retry_failed: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Call], None] | None = None,
    transcriber: Transcriber | None = None,
    max_call_minutes: float | None = None,
) -> ProcessSummary:
    """Transcribe and analyse every pending call (and failed ones with retry_failed). Recordings
    longer than `max_call_minutes` (default: the workspace's setting) fail with that reason. Then
    the unassigned review cases are dealt out to the active inspectors.

    `transcriber` replaces the speech model (in this process): tests pass a fake speech engine."""
    with _this_run() as claim, _dealing_backlog(db):
        reclaim_abandoned(db)
        jobs = [(pk, str(ws.root / rel), ch) for pk, rel, ch in claim_calls(db, retry_failed, claim)]
        if on_start:
            on_start(len(jobs))
        summary = ProcessSummary()
        if not jobs:
            return summary
        cores = os.cpu_count() or 1
        workers = max(1, min(workers, len(jobs)))
        settings = replace(settings or DecodeSettings(), cpu_threads=max(1, cores // workers))
        limit = ws.settings.max_call_minutes if max_call_minutes is None else max_call_minutes
        try:
            if transcriber is not None:
                results = _results_in_process(jobs, transcriber)
            elif workers == 1:
                transcribe_worker.init_worker(model_dir, settings, limit)
                results = _results_in_process(jobs, transcribe_worker.transcribe_file)
            else:
                results = _results_from_pool(jobs, workers, model_dir, settings, limit)
            for result in results:
                model_name = os.path.basename(model_dir.rstrip("/"))
                call = save_result(db, pack, result, model_name, ws.settings.sample_rate)
                summary.done += 1
                if call.status == "failed":
                    summary.failed.append((call.call_id, call.error or ""))
                elif call.status == "flagged":
                    summary.flagged += 1
                if on_done:
                    on_done(call)
        finally:
            with db.session() as session:  # anything we claimed but did not finish goes back to pending
                session.execute(
                    update(Call)
                    .where(Call.status == "processing", Call.claimed_by == claim)
                    .values(status="pending", claimed_by=None)
                )
        return summary
