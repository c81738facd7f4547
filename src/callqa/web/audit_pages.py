"""审计日志 (/audit): the hash-chained log for supervisors and admins, filtered by actor, action, call
and day and paged in SQL (`callqa.review.audit.find`), each entry rendered readably
(`callqa.web.audit_view`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.errors import NotFound
from callqa.masking import Masker
from callqa.review import audit
from callqa.store.models import AuditEntry, Call, User, Violation
from callqa.store.visibility import get_visible_call, visible_calls
from callqa.web import audit_view
from callqa.web.pages import FormValue, _day, _optional, page
from callqa.web.render import local_time
from callqa.web.viewer import CurrentViewer

router = APIRouter()
PAGE_SIZE = 50


def readable(
    session: Session, viewer: User, mask: Masker, entries: list[AuditEntry]
) -> list[dict[str, object]]:
    """The page's rows: time, actor, action and object as users name them, and what changed."""
    names, hit_ids = audit_view.call_ids(entries)
    found = select(Violation.id, Call.call_id).join(Call, Call.id == Violation.call_pk)
    hit_calls = {str(pk): call_id for pk, call_id in session.execute(found.where(Violation.id.in_(hit_ids)))}
    names |= set(hit_calls.values())
    linkable = select(Call.call_id, Call.id).where(Call.call_id.in_(names), visible_calls(viewer))
    calls = {call_id: pk for call_id, pk in session.execute(linkable)}
    rows = []
    for entry in entries:
        shown = audit.entry_dict(entry)
        rows.append(
            {
                "id": entry.id,
                "at": local_time(entry.at),
                "actor": mask.text(entry.actor),
                "action": audit_view.action_name(entry.action),
                "code": entry.action,
                "target": audit_view.target(entry, calls, hit_calls, mask),
                "changes": audit_view.changes(mask.json(shown["before"]), mask.json(shown["after"])),
            }
        )
    return rows


@router.get("/audit")
def audit_page(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    actor: FormValue = "",
    action: FormValue = "",
    call: Annotated[str, Query(max_length=200)] = "",
    since: FormValue = "",
    until: FormValue = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
):
    """The newest entries first, PAGE_SIZE a page; the chain is verified on every view."""
    viewer.require("admin", "supervisor")
    form = {
        "actor": actor.strip(),
        "action": action.strip(),
        "call": call.strip(),
        "since": since,
        "until": until,
    }
    error = None
    with request.app.state.db.session() as session:
        user = viewer.actor(session)
        call_id = None
        if form["call"]:
            try:
                call_id = get_visible_call(session, user, form["call"]).call_id
            except NotFound:
                error = f"没有通话“{form['call']}”"
        filters = audit.AuditFilters(
            actor=_optional(actor),
            action=_optional(action),
            call_id=call_id,
            since=_day(since, "开始日期"),
            until=_day(until, "结束日期"),
        )
        total, entries = (
            (0, []) if error else audit.find(session, filters, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
        )
        rows = readable(session, user, viewer.mask, entries)
        problems = audit.verify(session)
        entry_count = audit.count(session)[0]
        actors = [viewer.mask.text(name) for name in audit.actors(session)]
    query = {k: v for k, v in form.items() if v}
    return page(
        request,
        viewer,
        "audit.html",
        rows=rows,
        problems=problems,
        entries=entry_count,
        total=total,
        page=page_no,
        pages=max(1, -(-total // PAGE_SIZE)),
        form=form,
        query=query,
        error=error,
        actors=actors,
        actions=audit_view.ACTION_NAMES,
    )
