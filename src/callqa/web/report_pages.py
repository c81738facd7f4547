"""/reports/qa: the QA report (质检报表) of the calls the call list's filters select, as XLSX (three
sheets) or one table as CSV; for every signed-in role over the calls it may see, masked as it must
be, and audited as an export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from callqa.exports import CSV_TYPE, XLSX_TYPE
from callqa.review import audit
from callqa.web.pages import FormFilters
from callqa.web.qa_report import SheetName, csv_report, xlsx_report
from callqa.web.schemas import CallSort
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/reports/qa")
def qa_report(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    filters: FormFilters,
    format: Literal["xlsx", "csv"] = "xlsx",
    sheet: Annotated[SheetName, Query(description="CSV only: details, agents or teams")] = "details",
    sort: CallSort = "-started_at",
):
    """Verdicts, hit decisions, scores and notes per call, with per-agent and per-team figures."""
    db = request.app.state.db
    with db.session() as session:
        after = {"filters": filters.as_query(), "sheet": "all" if format == "xlsx" else sheet}
        audit.append(session, viewer.actor(session), "export.qa_report", "qa_report", format, None, after)
    if format == "xlsx":
        with db.session() as session:
            body = xlsx_report(session, viewer.user, viewer.mask, filters, sort)
        headers = {"Content-Disposition": 'attachment; filename="qa-report.xlsx"'}
        return Response(body, media_type=XLSX_TYPE, headers=headers)

    def lines():  # type: ignore[no-untyped-def]
        with db.session() as session:
            yield from csv_report(session, viewer.user, viewer.mask, filters, sort, sheet)

    name = "qa-report.csv" if sheet == "details" else f"qa-report-{sheet}.csv"
    return StreamingResponse(
        lines(), media_type=CSV_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
