"""Workbench pages: dashboard, call list (with exports), call detail (with audio), search.

Every page asks the query layer (`callqa.store.queries`) for exactly the rows it shows, as the viewer
may see them; nothing is loaded into Python to be filtered or counted here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from markupsafe import Markup, escape
from sqlalchemy import select

from callqa.errors import InvalidInput, NotFound
from callqa.exports import CSV_TYPE, XLSX_TYPE, csv_lines, xlsx_bytes
from callqa.names import CATEGORY_NAMES, REVIEW_STATES, STATUS_NAMES, listed, name
from callqa.review import accounts, audit, workflow
from callqa.review.cases import case_dict, case_of, reviewed_score
from callqa.store.models import User
from callqa.store.queries import (
    NO_CASE,
    CallFilters,
    CallRow,
    dashboard,
    get_call_row,
    iter_calls,
    page_calls,
)
from callqa.store.records import (
    call_record,
    miss_rate_record,
    promise_rates_record,
    segment_record,
    violation_record,
)
from callqa.store.search import SearchFilters, SearchHit, SearchQueryError, search
from callqa.store.waveforms import load_waveform
from callqa.web.call_page import conversation, lanes, mark_class, neighbours
from callqa.web.render import clock, templates
from callqa.web.schemas import CallSort
from callqa.web.security import csrf_token
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
PAGE_SIZE = 50
AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".amr": "audio/amr",
}
FormValue = Annotated[str, Query(max_length=100)]  # an HTML form sends '' for "全部"


def page(request: Request, viewer: Viewer | User | None, name: str, status_code: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    """Render a template with what every page needs (the user, the CSRF token)."""
    user = viewer.user if isinstance(viewer, Viewer) else viewer
    context = {"user": user, "csrf": csrf_token(request.session), **extra}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/")
def dashboard_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        figures = dashboard(session, viewer.user)
    miss = miss_rate_record(figures.miss_rate)
    charts = {
        "category": figures.by_category,
        "team": figures.by_team,
        "agent": figures.by_agent,
        "trend": [(day, [n, flagged]) for day, n, flagged in figures.trend],
    }
    ptp = promise_rates_record(figures)
    return page(request, viewer, "dashboard.html", stats=figures, charts=charts, miss=miss, ptp=ptp)


def _optional(value: str) -> str | None:
    return value.strip() or None


def _day(value: str, name: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise InvalidInput(f"{name}不是有效日期，请按 年-月-日 填写，例如 2026-11-20") from None


def _score(value: str, name: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or int(value) > 100:
        raise InvalidInput(f"{name}须为 0 到 100 的整数")
    return int(value)


def form_filters(
    status: FormValue = "",
    agent: FormValue = "",
    team: FormValue = "",
    category: FormValue = "",
    since: FormValue = "",
    until: FormValue = "",
    min_score: FormValue = "",
    max_score: FormValue = "",
    review_state: FormValue = "",
) -> CallFilters:
    """The call filters of an HTML form (empty fields mean 'any')."""
    return CallFilters(
        status=_optional(status),
        agent=_optional(agent),
        team=_optional(team),
        category=_optional(category),
        since=_day(since, "开始日期"),
        until=_day(until, "结束日期"),
        min_score=_score(min_score, "最低分"),
        max_score=_score(max_score, "最高分"),
        review_state=_optional(review_state),
    )


FormFilters = Annotated[CallFilters, Depends(form_filters)]
# The call list as people read it, like the QA report (callqa.web.qa_report): Chinese headers and
# names, 开始时间 to the minute, 时长 as mm:ss.
EXPORT_COLUMNS = [
    "通话编号",
    "坐席",
    "团队",
    "客户电话",
    "开始时间",
    "时长",
    "处理状态",
    "得分",
    "复核状态",
    "违规类别",
]


def _export_row(row: CallRow, viewer: Viewer) -> list[object]:
    r = call_record(row.call, row.review_state, viewer.mask)
    categories = listed(CATEGORY_NAMES, sorted({v.category for v in row.call.violations}))
    started = str(r["started_at"] or "")[:16].replace("T", " ")
    status, review = name(STATUS_NAMES, row.call.status), name(REVIEW_STATES, row.review_state or NO_CASE)
    return [r["call_id"], r["agent_id"], r["team"], r["customer_phone"], started, clock(row.call.duration_s),
            status, r["score"], review, categories]  # fmt: skip


def _export(request: Request, viewer: Viewer, filters: CallFilters, sort: str, kind: str) -> Response:
    """The whole filtered list as CSV (streamed) or XLSX; audited."""
    db = request.app.state.db
    with db.session() as session:
        audit.append(
            session, viewer.user, "export.calls", "calls", kind, None, {"filters": filters.as_query()}
        )
    if kind == "xlsx":
        with db.session() as session:
            body = xlsx_bytes(
                "通话列表",
                EXPORT_COLUMNS,
                (_export_row(r, viewer) for r in iter_calls(session, viewer.user, filters, sort)),
            )
        headers = {"Content-Disposition": 'attachment; filename="calls.xlsx"'}
        return Response(body, media_type=XLSX_TYPE, headers=headers)

    def lines():  # type: ignore[no-untyped-def]
        with db.session() as session:
            rows = (_export_row(r, viewer) for r in iter_calls(session, viewer.user, filters, sort))
            yield from csv_lines(EXPORT_COLUMNS, rows)

    headers = {"Content-Disposition": 'attachment; filename="calls.csv"'}
    return StreamingResponse(lines(), media_type=CSV_TYPE, headers=headers)


@router.get("/calls")
def calls_page(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    filters: FormFilters,
    sort: CallSort = "-started_at",  # checked here: a CSV export is streamed, too late for a 422
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    export: Annotated[str | None, Query(pattern="^(csv|xlsx)$")] = None,
):
    if export:
        return _export(request, viewer, filters, sort, export)
    with request.app.state.db.session() as session:
        found = page_calls(session, viewer.user, filters, sort, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
        rows = [call_record(r.call, r.review_state, viewer.mask) for r in found.rows]
    pages = max(1, -(-found.total // PAGE_SIZE))
    query = filters.as_query() | ({"sort": sort} if sort != "-started_at" else {})
    return page(
        request,
        viewer,
        "calls.html",
        rows=rows,
        page=page_no,
        pages=pages,
        total=found.total,
        query=query,
        sort=sort,
    )


def render_call(  # type: ignore[no-untyped-def]
    request: Request,
    ref: str,
    t: float = 0.0,
    review_error: str | None = None,
    status_code: int = 200,
    viewer: Viewer | None = None,
):
    """The call page for the request's viewer: player and timeline, the transcript as a conversation,
    the violations with their decisions and notes, the review panel and the outcome."""
    if viewer is None:
        from callqa.web.auth import current_user
        from callqa.web.viewer import current_viewer

        viewer = current_viewer(request, current_user(request))
    mask = viewer.mask
    with request.app.state.db.session() as session:
        row = get_call_row(session, viewer.user, ref)
        call = row.call
        case = case_of(session, call)
        decided = {d.violation_id: d for d in case.decisions} if case else {}
        deciders = {d.decided_by for d in decided.values()}
        names = dict(session.execute(select(User.id, User.username).where(User.id.in_(deciders))).all())
        info = call_record(call, row.review_state, mask)
        lines = [segment_record(s, mask) for s in call.segments]
        by_id = {}
        for v in call.violations:
            d = decided.get(v.id)
            by_id[v.id] = violation_record(v, mask, d.decision if d else None) | {
                "note": mask.text(d.comment) if d else None,
                "decided_by": names.get(d.decided_by) if d else None,
            }
        hits = list(by_id.values())
        waveform = load_waveform(session, call.id)
        case_info = case_dict(case, mask) if case else None
        final_score = reviewed_score(case) if case else None
        owners = []
        if viewer.role == "supervisor":
            owners = [
                u.username
                for u in accounts.list_users(session)
                if u.active and u.role in workflow.OWNER_ROLES
            ]
    context = {
        "call": info,
        "conversation": conversation(lines, hits),
        "violations": [h | {"context": neighbours(lines, h)} for h in hits],
        "lanes": lanes(waveform, lines, hits),
        "bucket_s": waveform.bucket_s if waveform else 0,
        "mark_class": lambda ids: mark_class(ids, by_id),
        "final_score": final_score,
        "t": t,
        "case": case_info,
        "review_error": review_error,
        "owners": owners,
        "missed_categories": workflow.MISSED_CATEGORIES,
    }
    return page(request, viewer, "call.html", status_code=status_code, **context)


@router.get("/calls/{call_id}")
def call_page(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, call_id: str, t: Annotated[float, Query(ge=0, le=86_400)] = 0.0
):
    return render_call(request, call_id, t=t, viewer=viewer)


@router.get("/calls/{call_id}/audio")
def call_audio(request: Request, viewer: CurrentViewer, call_id: str):  # type: ignore[no-untyped-def]
    """The original recording, with HTTP range requests so the player can seek. Each playback (a
    request from the start) is audited."""
    ws = request.app.state.ws
    with request.app.state.db.session() as session:
        row = get_call_row(session, viewer.user, call_id)
        path = (ws.root / row.call.stored_path).resolve()
        if not path.is_relative_to(ws.recordings_dir.resolve()) or not path.is_file():
            raise NotFound("这通通话的录音文件不在存储中")
        requested = request.headers.get("range", "").replace(" ", "")
        if requested in ("", "bytes=0-"):
            record = call_record(row.call, row.review_state, viewer.mask)
            audit.append(session, viewer.user, "call.audio", "call", record["call_id"], None, None)
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix, "application/octet-stream"))


@router.get("/search")
def search_page(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    q: Annotated[str, Query(max_length=200)] = "",
    fuzzy: bool = False,
    speaker: Annotated[str, Query(pattern="^(agent|customer)?$")] = "",
):
    hits: list[SearchHit] = []
    error = None
    if q.strip():
        try:
            with request.app.state.db.session() as session:
                filters = SearchFilters(speaker=speaker or None)
                hits = search(
                    session, q, fuzzy=fuzzy, filters=filters, limit=50, viewer=viewer.user, mask=viewer.mask
                )
        except SearchQueryError as exc:
            error = exc.reason
    rows = [
        {"call_id": h.call_id, "ref": h.ref, "speaker": h.speaker, "start_s": h.start_s, "snippet": marked(h)}
        for h in hits
    ]
    return page(request, viewer, "search.html", q=q, fuzzy=fuzzy, speaker=speaker, rows=rows, error=error)


def marked(hit: SearchHit) -> Markup:
    """The snippet as HTML: text escaped, matches in <mark> (built from the match spans, so a literal
    【】 in a transcript stays text)."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(part) if is_match else escape(part)
        for part, is_match in hit.snippet_parts()
    )
