"""/api/audit: the hash-chained audit log and its verification (supervisors and admins)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from callqa.exports import CSV_TYPE, csv_text
from callqa.review import audit
from callqa.web.schemas import AuditEntryOut, AuditVerifyOut
from callqa.web.viewer import CurrentViewer, masked_audit_row

router = APIRouter()
AUDIT_COLUMNS = list(AuditEntryOut.model_fields)


@router.get(
    "/audit",
    response_model=list[AuditEntryOut],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def audit_log(request: Request, viewer: CurrentViewer, format: Literal["json", "csv"] = "json"):  # type: ignore[no-untyped-def]
    """The whole audit log, oldest first."""
    viewer.require("supervisor", "admin")
    with request.app.state.db.session() as session:
        rows = [masked_audit_row(r, viewer.mask) for r in audit.export_rows(session)]
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
