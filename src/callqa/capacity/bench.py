"""`callqa bench`: whole-call throughput of this machine, measured on real recordings, kept in the
workspace (`bench.json`) for `callqa plan`.

The measurement runs the real pipeline (`process_pending`: decode, speech model, rules, storage) on
a throw-away SQLite workspace inside the workspace folder (private, removed afterwards), so the
workspace's own calls and database are never touched, whatever `database_url` says. The wall time
includes loading the model in every worker: with a short sample that makes the figure conservative.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from callqa import __version__
from callqa.asr.engine import DecodeSettings
from callqa.capacity.machine import Machine, this_machine
from callqa.pipeline.ingest import ingest_one, rows_for
from callqa.pipeline.process import Transcriber, process_pending
from callqa.rules import RulePack
from callqa.store.database import Database
from callqa.store.models import Call
from callqa.workspace import Workspace, private_file

BENCH_FILE = "bench.json"
FORMAT_VERSION = 1
AUDIO_S_PER_H = 3600.0


class BenchError(Exception):
    """No usable measurement: none recorded, an unreadable record, or a sample that measured nothing."""


@dataclass(frozen=True)
class BenchRecord:
    """One measurement of whole-call throughput on one machine, with what it was measured on."""

    measured_at: str  # ISO 8601, UTC
    machine: Machine
    workers: int  # transcription processes used
    threads_per_worker: int
    model: str
    beam_size: int
    callqa_version: str
    files: int  # recordings processed (failed ones included)
    failed: int
    audio_s: float  # audio transcribed
    wall_s: float  # processing wall time, model loading included
    peak_worker_mib: float  # peak resident memory of one transcription process
    recordings_bytes: int  # the stored copies
    database_bytes: int  # what processing added to the (SQLite) database
    database: str = "sqlite"

    @property
    def audio_h_per_wall_h(self) -> float:
        """Audio hours processed per wall-clock hour by this machine (= × real time)."""
        return self.audio_s / self.wall_s

    @property
    def per_core(self) -> float:
        """Audio hours per wall hour per core: the figure a plan scales by core count."""
        return self.audio_h_per_wall_h / (self.workers * self.threads_per_worker)

    @property
    def recordings_bytes_per_audio_h(self) -> float:
        return self.recordings_bytes / self.audio_s * AUDIO_S_PER_H

    @property
    def database_bytes_per_audio_h(self) -> float:
        return self.database_bytes / self.audio_s * AUDIO_S_PER_H

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["version"] = FORMAT_VERSION
        data["derived"] = {
            "audio_h_per_wall_h": round(self.audio_h_per_wall_h, 3),
            "audio_h_per_wall_h_per_core": round(self.per_core, 3),
            "recordings_bytes_per_audio_h": round(self.recordings_bytes_per_audio_h),
            "database_bytes_per_audio_h": round(self.database_bytes_per_audio_h),
        }
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> BenchRecord:
        fields = {k: v for k, v in data.items() if k not in ("version", "derived")}
        machine = fields.pop("machine")
        if not isinstance(machine, dict):
            raise TypeError("machine is not an object")
        record = cls(machine=Machine(**machine), **fields)  # type: ignore[arg-type]
        if record.audio_s <= 0 or record.wall_s <= 0 or record.workers < 1 or record.threads_per_worker < 1:
            raise ValueError("audio_s, wall_s, workers and threads_per_worker must be positive")
        return record


def bench_path(ws: Workspace) -> Path:
    return ws.root / BENCH_FILE


def save(ws: Workspace, record: BenchRecord) -> Path:
    """Write the record (0600, replacing the previous one atomically)."""
    path = bench_path(ws)
    tmp = path.with_name(f".{BENCH_FILE}.{secrets.token_hex(4)}")
    private_file(tmp).write_text(json.dumps(record.to_json(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


def load(ws: Workspace) -> BenchRecord:
    """The recorded measurement; BenchError (one line) when there is none or it cannot be read."""
    path = bench_path(ws)
    if not path.exists():
        raise BenchError(f"no throughput measured in {ws.root}: run `callqa bench` first")
    try:
        return BenchRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise BenchError(f"{path} cannot be read ({exc}): run `callqa bench` again") from None


def _sqlite_bytes(path: Path) -> int:
    """The database file's size with its write-ahead log folded in."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _peak_rss_mib(in_process: bool) -> float:
    """Peak resident memory of one transcription process: this one when it transcribed in process,
    else the largest pool worker (they have been reaped, so RUSAGE_CHILDREN covers them)."""
    who = resource.RUSAGE_SELF if in_process else resource.RUSAGE_CHILDREN
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def measure(
    ws: Workspace,
    pack: RulePack,
    model_dir: str,
    paths: Sequence[Path],
    manifest: Path | None = None,
    *,
    workers: int = 1,
    settings: DecodeSettings | None = None,
    transcriber: Transcriber | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Call], None] | None = None,
) -> BenchRecord:
    """Ingest `paths` (and `manifest`) into a throw-away workspace under `ws` and process them with
    `workers` processes; returns the measurement (not saved). `transcriber` replaces the speech model
    (tests pass a fake speech engine)."""
    settings = settings or DecodeSettings(beam_size=ws.settings.beam_size)
    scratch = Path(tempfile.mkdtemp(prefix=".bench-", dir=ws.root))  # 0700, on the workspace's disk
    try:
        bench_ws = Workspace.open(scratch)
        bench_ws = Workspace(bench_ws.root, ws.settings.model_copy(update={"database_url": None}))
        db_file = scratch / "bench.db"
        db = Database(f"sqlite:///{db_file}", audit_key=secrets.token_bytes(32))
        try:
            empty_db = _sqlite_bytes(db_file)
            rows = rows_for(list(paths), manifest)
            outcomes = [ingest_one(bench_ws, db, row) for row in rows]
            if not any(o.status == "added" for o in outcomes):
                reasons = "; ".join(f"{o.source}: {o.message}" for o in outcomes[:3])
                raise BenchError(f"no recording could be ingested ({reasons or 'no audio files found'})")
            used = max(1, min(workers, sum(o.status == "added" for o in outcomes)))
            cores = os.cpu_count() or 1
            t0 = time.perf_counter()
            summary = process_pending(
                bench_ws,
                db,
                pack,
                model_dir,
                workers=used,
                settings=settings,
                transcriber=transcriber,
                on_start=on_start,
                on_done=on_done,
            )
            wall = time.perf_counter() - t0
            with db.session() as session:
                audio_s = session.scalar(select(func.sum(Call.duration_s)).where(Call.status != "failed"))
            if not audio_s:
                raise BenchError("every recording failed: nothing was measured")
            database_bytes = max(0, _sqlite_bytes(db_file) - empty_db)
        finally:
            db.close()
        return BenchRecord(
            measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
            machine=this_machine(),
            workers=used,
            threads_per_worker=max(1, cores // used),
            model=os.path.basename(model_dir.rstrip("/")) or "scripted",
            beam_size=settings.beam_size,
            callqa_version=__version__,
            files=summary.done,
            failed=len(summary.failed),
            audio_s=round(float(audio_s), 3),
            wall_s=round(wall, 3),
            peak_worker_mib=round(_peak_rss_mib(transcriber is not None or used == 1), 1),
            recordings_bytes=_tree_bytes(bench_ws.recordings_dir),
            database_bytes=database_bytes,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
