"""/api/calls: the calls a viewer may see (filtered, sorted, paged), one call, its transcript, uploads."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from sqlalchemy import select, update

from callqa.pipeline.ingest import ingest_one
from callqa.review import audit
from callqa.store.models import Call
from callqa.store.queries import CallFilters, call_statuses, get_call_row, page_calls
from callqa.store.records import call_record, transcript_record
from callqa.web import uploads
from callqa.web.auth import current_user
from callqa.web.render import STATUS_NAMES
from callqa.web.schemas import (
    CallOut,
    CallPage,
    CallRef,
    CallSort,
    CallStatus,
    CallStatusPage,
    Filter,
    Limit,
    Offset,
    ReviewStateFilter,
    Score,
    TranscriptOut,
    UploadOut,
)
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
NO_APP_BODY_LIMIT = 2**63 - 1  # uploads.receive streams the body and enforces max_upload_mb itself


@router.get("/calls", response_model=CallPage)
def list_calls(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    status: CallStatus | None = None,
    agent: Filter = None,
    team: Filter = None,
    category: Filter = None,
    since: date | None = None,
    until: date | None = None,
    min_score: Score = None,
    max_score: Score = None,
    review_state: ReviewStateFilter | None = None,
    sort: CallSort = "-started_at",
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Calls the user may see, newest first unless `sort` says otherwise (dates are the call's local day)."""
    filters = CallFilters(status, agent, team, category, since, until, min_score, max_score, review_state)
    with request.app.state.db.session() as session:
        found = page_calls(session, viewer.user, filters, sort, limit, offset)
        items = [call_record(r.call, r.review_state, viewer.mask) for r in found.rows]
    return {"total": found.total, "limit": limit, "offset": offset, "items": items}


@router.get("/calls/{call_id}", response_model=CallOut)
def get_call(request: Request, viewer: CurrentViewer, call_id: CallRef):  # type: ignore[no-untyped-def]
    """One call by its call_id or `ref`."""
    with request.app.state.db.session() as session:
        row = get_call_row(session, viewer.user, call_id)
        return call_record(row.call, row.review_state, viewer.mask)


@router.get("/calls/{call_id}/transcript", response_model=TranscriptOut)
def get_transcript(request: Request, viewer: CurrentViewer, call_id: CallRef):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        row = get_call_row(session, viewer.user, call_id)
        return transcript_record(row.call, viewer.mask)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "manifest": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/calls",
    response_model=UploadOut,
    dependencies=[Depends(current_user), Depends(uploads.require_csrf_header)],
    openapi_extra=UPLOAD_BODY,
    responses={
        413: {"description": "the request is larger than max_upload_mb"},
        415: {"description": "not multipart/form-data"},
        422: {"description": "no files, or an unusable manifest"},
    },
    max_body_size=NO_APP_BODY_LIMIT,
)
async def upload_calls(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """Upload recordings (multipart field `files`, repeatable) and optionally a manifest CSV
    (field `manifest`, columns as for `callqa ingest`); inspectors and admins. Each file becomes a
    pending call, processed by the background worker. The response says per file, in order, what
    happened: `added` (with its call's `ref`), `exists` (the same recording is already the call
    `ref`) or `failed` (refused: not audio, cannot be decoded, too long, ...); one refused file does
    not stop the others. `message` says it in Chinese; poll `/api/call-status` for processing."""
    viewer.require("inspector", "admin")
    folder = await run_in_threadpool(uploads.upload_folder, request)
    try:
        body = await uploads.receive(request, folder)
        outcomes = []
        for part, row in uploads.rows_for_upload(body):
            if row is not None and part.refused is None:
                part.refused = await run_in_threadpool(uploads.decoder_refusal, part)
            if row is None or part.refused is not None:
                outcomes.append(_refused(viewer, part))
            else:
                outcomes.append(await run_in_threadpool(_ingest, request, viewer, part, row))
    finally:
        await run_in_threadpool(uploads.remove_folder, folder)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None and any(o["status"] == "added" for o in outcomes):
        worker.wake()
    return {"outcomes": outcomes}


def _refused(viewer: Viewer, part: uploads.Received) -> dict[str, object]:
    return {
        "file": viewer.mask.text(part.name),
        "call_id": None,
        "ref": None,
        "status": "failed",
        "status_name": uploads.STATUS_NAMES["failed"],
        "message": viewer.mask.text(part.refused),
        "call_status": None,
        "call_status_name": None,
    }


def _ingest(request: Request, viewer: Viewer, part: uploads.Received, row) -> dict[str, object]:  # type: ignore[no-untyped-def]
    ws, db = request.app.state.ws, request.app.state.db
    outcome = ingest_one(ws, db, row)
    ref, call_status = None, None
    if outcome.call_id is not None:
        with db.session() as session:
            if outcome.status == "added":
                session.execute(
                    update(Call)
                    .where(Call.call_id == outcome.call_id)
                    .values(file_name=part.name, source_path=f"upload:{part.name}")
                )
                audit.append(
                    session,
                    viewer.actor(session),
                    "call.upload",
                    "call",
                    outcome.call_id,
                    None,
                    {"file": part.name, "size_bytes": part.size},
                )
            found = session.execute(
                select(Call.id, Call.status).where(Call.call_id == outcome.call_id)
            ).first()
            if found is not None:
                ref, call_status = viewer.mask.call_ref(outcome.call_id, found.id), found.status
    mask = viewer.mask
    message = uploads.outcome_message(outcome, part, ws.settings.max_call_minutes)
    return {
        "file": mask.text(part.name),
        "call_id": mask.text(outcome.call_id),
        "ref": ref,
        "status": outcome.status,
        "status_name": uploads.STATUS_NAMES[outcome.status],
        "message": mask.text(message),
        "call_status": call_status,
        "call_status_name": STATUS_NAMES.get(call_status) if call_status else None,
    }


@router.get("/call-status", response_model=CallStatusPage)
def call_status(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    ref: Annotated[list[Annotated[str, Field(max_length=200)]], Query(max_length=uploads.MAX_FILES)],
):
    """Where processing of these calls (by `ref`) stands: status, score and error; the upload form
    polls it. Calls the viewer may not see, or that do not exist, are left out."""
    with request.app.state.db.session() as session:
        rows = call_statuses(session, viewer.user, ref)
    return {
        "items": [
            {
                "ref": viewer.mask.call_ref(r.call_id, r.pk),
                "status": r.status,
                "status_name": STATUS_NAMES[r.status],
                "score": r.score,
                "error": viewer.mask.text(r.error),
            }
            for r in rows
        ]
    }
