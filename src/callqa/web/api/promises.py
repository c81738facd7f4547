"""/api/promises: the customers' promises to pay on the calls a viewer may see, soonest day first."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request

from callqa.store.queries import PromiseFilters, page_promises
from callqa.store.records import promise_row_record
from callqa.web.schemas import Filter, Limit, Offset, PromisePage
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/promises", response_model=PromisePage)
def list_promises(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    status: Literal["pending", "kept", "broken"] | None = None,
    agent: Filter = None,
    team: Filter = None,
    due_since: date | None = None,
    due_until: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Promises (承诺还款) with their call, filtered by status, agent, team and promised day."""
    filters = PromiseFilters(status, agent, team, due_since, due_until)
    with request.app.state.db.session() as session:
        found = page_promises(session, viewer.user, filters, limit, offset)
        items = [promise_row_record(r.promise, r.call, viewer.mask) for r in found.rows]
    return {"total": found.total, "limit": limit, "offset": offset, "items": items}
