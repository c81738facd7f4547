"""The 承诺还款 page: promises to pay on the calls a viewer may see, filtered and paged, with a CSV export.

Rows come from the query layer (`callqa.store.queries.page_promises` / `iter_promises`) and are shaped
by `callqa.store.records.promise_row_record`, as the API's are.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from callqa.exports import CSV_TYPE, csv_lines
from callqa.names import PROMISE_STATUS_NAMES, name
from callqa.review import audit
from callqa.store.queries import PromiseFilters, PromiseRow, iter_promises, page_promises
from callqa.store.records import promise_row_record
from callqa.transcript import clock
from callqa.web.pages import FormValue, _day, _optional, page
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
PAGE_SIZE = 50
# The list as people read it, like the call list's export: Chinese headers, the status named, times
# as the page shows them.
EXPORT_COLUMNS = ["通话编号", "坐席", "团队", "客户电话", "通话时间", "承诺日期", "承诺金额（元）",
                  "兑现情况", "已还（元）", "承诺时刻", "客户原话"]  # fmt: skip


def form_filters(
    status: FormValue = "",
    agent: FormValue = "",
    team: FormValue = "",
    due_since: FormValue = "",
    due_until: FormValue = "",
) -> PromiseFilters:
    """The promise filters of the page's form (empty fields mean 'any')."""
    return PromiseFilters(
        status=_optional(status),
        agent=_optional(agent),
        team=_optional(team),
        due_since=_day(due_since, "承诺日期起"),
        due_until=_day(due_until, "承诺日期止"),
    )


FormFilters = Annotated[PromiseFilters, Depends(form_filters)]


def _export_row(row: PromiseRow, viewer: Viewer) -> list[object]:
    r = promise_row_record(row.promise, row.call, viewer.mask)
    started = str(r["started_at"] or "")[:16].replace("T", " ")
    status, said_at = name(PROMISE_STATUS_NAMES, str(r["status"])), clock(row.promise.start_s)
    return [r["call_id"], r["agent_id"], r["team"], r["customer_phone"], started, r["date"], r["amount_yuan"],
            status, r["paid_yuan"], said_at, r["text"]]  # fmt: skip


def _export(request: Request, viewer: Viewer, filters: PromiseFilters) -> StreamingResponse:
    """The whole filtered list as CSV (UTF-8 with BOM, spreadsheet-safe, streamed); audited."""
    db = request.app.state.db
    with db.session() as session:
        audit.append(session, viewer.user, "export.promises", "promises", "csv", None,
                     {"filters": filters.as_query()})  # fmt: skip

    def lines():  # type: ignore[no-untyped-def]
        with db.session() as session:
            rows = (_export_row(r, viewer) for r in iter_promises(session, viewer.user, filters))
            yield from csv_lines(EXPORT_COLUMNS, rows)

    headers = {"Content-Disposition": 'attachment; filename="promises.csv"'}
    return StreamingResponse(lines(), media_type=CSV_TYPE, headers=headers)


@router.get("/promises")
def promises_page(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    filters: FormFilters,
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    export: Annotated[str | None, Query(pattern="^csv$")] = None,
):
    if export:
        return _export(request, viewer, filters)
    with request.app.state.db.session() as session:
        found = page_promises(session, viewer.user, filters, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
        rows = [promise_row_record(r.promise, r.call, viewer.mask) for r in found.rows]
    return page(
        request,
        viewer,
        "promises.html",
        rows=rows,
        total=found.total,
        page=page_no,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        query=filters.as_query(),
        status_names=PROMISE_STATUS_NAMES,
    )
