"""/api/audit: the hash-chained audit log and its verification (supervisors and admins)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from callqa.exports import CSV_TYPE, csv_text
from callqa.review import audit
from callqa.store.visibility import get_visible_call
from callqa.web.schemas import AuditEntryOut, AuditVerifyOut, Filter, Offset
from callqa.web.viewer import CurrentViewer, masked_audit_row

router = APIRouter()
AUDIT_COLUMNS = list(AuditEntryOut.model_fields)


@router.get(
    "/audit",
    response_model=list[AuditEntryOut],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def audit_log(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    format: Literal["json", "csv"] = "json",
    actor: Filter = None,
    action: Filter = None,
    call: Annotated[str | None, Query(max_length=200, description="call_id or ref")] = None,
    since: date | None = None,
    until: date | None = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    offset: Offset = 0,
):
    """The audit log, oldest first: all of it, or the entries of one actor, action, call (its case,
    playback, upload and hit decisions) or span of days (the server's calendar). A CSV export is
    itself audited."""
    viewer.require("supervisor", "admin")
    with request.app.state.db.session() as session:
        call_id = get_visible_call(session, viewer.actor(session), call).call_id if call else None
        filters = audit.AuditFilters(actor, action, call_id, since, until)
        _, entries = audit.find(session, filters, limit, offset, newest_first=False)
        rows = [masked_audit_row(audit.entry_dict(e), viewer.mask) for e in entries]
        if format == "csv":
            after = {"filters": filters.as_query(), "rows": len(rows)}
            audit.append(session, viewer.actor(session), "export.audit", "audit_log", "csv", None, after)
    if format == "json":
        return rows

    def cell(row: dict[str, object], column: str) -> object:
        value = row[column]
        return audit.canonical_json(value) if column in ("before", "after") and value is not None else value

    body = csv_text(AUDIT_COLUMNS, ([cell(r, c) for c in AUDIT_COLUMNS] for r in rows))
    return Response(
        body, media_type=CSV_TYPE, headers={"Content-Disposition": 'attachment; filename="audit.csv"'}
    )


@router.get("/audit/verify", response_model=AuditVerifyOut)
def audit_verify(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """Check the audit log's chain; `ok` is false with the breaks listed when tampered with."""
    viewer.require("supervisor", "admin")
    with request.app.state.db.session() as session:
        problems = audit.verify(session)
        entries, head = audit.count(session)
    return {
        "ok": not problems,
        "entries": entries,
        "head": head,
        "problems": [{"entry_id": p.entry_id, "reason": p.reason} for p in problems],
    }
