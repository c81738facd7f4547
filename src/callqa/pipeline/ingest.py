"""Ingest: copy recordings into the workspace (content-addressed) and register them as pending."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from sqlalchemy import select

from callqa.audio import AudioError, TooLong, check_length, probe
from callqa.digest import file_sha256
from callqa.pipeline.manifest import ManifestRow, call_id_problem, read_manifest
from callqa.store.database import Database, is_disk_full
from callqa.store.models import Call, db_now
from callqa.workspace import Workspace, private_dir

AUDIO_SUFFIXES = {
    ".wav",
    ".flac",
    ".mp3",
    ".m4a",
    ".aac",
    ".mp4",
    ".ogg",
    ".opus",
    ".oga",
    ".amr",
    ".wma",
    ".webm",
}


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one input: added, already present (no-op) or failed, with a reason."""

    source: str
    call_id: str | None
    status: str  # "added" | "exists" | "failed"
    message: str = ""
    disk_full: bool = False  # no space for the copy: the inputs after it would fail the same way
    # why it failed, for messages in another language: manifest, missing, too_long, unreadable,
    # call_id_taken, disk_full, copy_failed or empty ("" unless failed)
    kind: str = ""


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Files given directly, plus audio files found recursively in given folders (sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
            )
        else:
            yield path


def _store_copy(ws: Workspace, source: Path, sha: str) -> Path:
    """Copy `source` to recordings/<sha[:2]>/<sha><suffix> (folder 0700, file 0600 as mkstemp makes
    it), atomically; returns the relative path."""
    suffix = source.suffix.lower() if source.suffix.lower() in AUDIO_SUFFIXES else ".bin"
    relative = Path("recordings") / sha[:2] / f"{sha}{suffix}"
    target = ws.root / relative
    if not target.exists():
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return relative


def _length_refusal(path: Path, max_minutes: float) -> str | None:
    """Why a recording is refused for its declared length, read from its header without decoding.
    One that cannot be probed is registered anyway and fails with its reason when processed."""
    try:
        check_length(probe(path).duration_s, max_minutes)
    except TooLong as exc:
        return str(exc)
    except AudioError:
        return None
    return None


def ingest_one(ws: Workspace, db: Database, row: ManifestRow) -> IngestOutcome:
    """Register one recording; idempotent on its bytes. One longer than `max_call_minutes` is refused."""
    source = str(row.path)
    if row.error:
        return IngestOutcome(source, row.call_id, "failed", row.error, kind="manifest")
    try:
        if not row.path.is_file():
            return IngestOutcome(source, row.call_id, "failed", "file not found", kind="missing")
        if refusal := _length_refusal(row.path, ws.settings.max_call_minutes):
            return IngestOutcome(source, row.call_id, "failed", refusal, kind="too_long")
        size = row.path.stat().st_size
        sha = file_sha256(row.path)
    except OSError as exc:
        reason = f"cannot read file: {exc.strerror or exc}"
        return IngestOutcome(source, row.call_id, "failed", reason, kind="unreadable")
    with db.session() as session:
        same_bytes = session.scalar(select(Call).where(Call.content_sha256 == sha))
        if same_bytes is not None:
            return IngestOutcome(
                source, same_bytes.call_id, "exists", f"already ingested as {same_bytes.call_id}"
            )
        if session.scalar(select(Call.id).where(Call.call_id == row.call_id)) is not None:
            reason = f"call_id {row.call_id} already exists with different audio"
            return IngestOutcome(source, row.call_id, "failed", reason, kind="call_id_taken")
    try:
        relative = _store_copy(ws, row.path, sha)
    except OSError as exc:
        if is_disk_full(exc):
            reason = f"disk full: cannot copy it into {ws.recordings_dir}"
            return IngestOutcome(source, row.call_id, "failed", reason, disk_full=True, kind="disk_full")
        reason = f"cannot copy file: {exc.strerror or exc}"
        return IngestOutcome(source, row.call_id, "failed", reason, kind="copy_failed")
    started_utc = (
        row.started_at.astimezone(UTC).replace(tzinfo=None)
        if row.started_at and row.started_at.tzinfo
        else row.started_at
    )
    error = "empty file (0 bytes)" if size == 0 else None
    with db.session() as session:
        session.add(
            Call(
                call_id=row.call_id,
                file_name=row.path.name,
                source_path=str(row.path.resolve()),
                content_sha256=sha,
                stored_path=str(relative),
                size_bytes=size,
                agent_id=row.agent_id,
                customer_phone=row.customer_phone,
                team=row.team,
                started_at=row.started_at_text,
                started_at_utc=started_utc,
                local_date=row.started_at.date().isoformat() if row.started_at else None,
                channels=row.channels,
                extra=row.extra,
                status="failed" if error else "pending",
                error=error,
                attempts=0,
                ingested_at=db_now(),
            )
        )
    if error:
        return IngestOutcome(source, row.call_id, "failed", error, kind="empty")
    return IngestOutcome(source, row.call_id, "added")


def rows_for(paths: Iterable[Path], manifest: Path | None) -> list[ManifestRow]:
    """Manifest rows (when given) plus bare files not named in it (call_id = file stem)."""
    rows = read_manifest(manifest) if manifest else []
    named = {r.path.resolve() for r in rows}
    for path in discover(paths):
        if path.resolve() not in named:
            rows.append(ManifestRow(line=0, path=path, call_id=path.stem, error=call_id_problem(path.stem)))
    return rows
