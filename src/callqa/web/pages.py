"""Pages and their JSON twins: dashboard, call list, call detail (with audio), search."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from callqa.review import accounts, workflow
from callqa.review.cases import case_dict, case_of
from callqa.review.errors import NotFound
from callqa.review.visibility import get_visible_call, restrict
from callqa.store.listing import call_dict, transcript_dict, violation_dict
from callqa.store.models import Call, ReviewCase, User
from callqa.store.search import SearchFilters, SearchQueryError, search
from callqa.web.auth import CurrentUser
from callqa.web.masking import mask_numbers, may_see_numbers
from callqa.web.render import templates
from callqa.web.security import csrf_token

router = APIRouter()
PAGE_SIZE = 50
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg",
               ".opus": "audio/ogg", ".m4a": "audio/mp4", ".amr": "audio/amr"}  # fmt: skip


def _visible_calls(request: Request, user: User) -> list[Call]:
    with request.app.state.db.session() as session:
        query = restrict(
            select(Call).options(selectinload(Call.violations)).order_by(Call.started_at_utc.desc()), user
        )
        return list(session.scalars(query))


def _masked(request: Request, user: User, row: dict) -> dict:
    if may_see_numbers(user.role, request.app.state.ws.settings.unmasked_roles):
        return row
    row = dict(row)
    row["customer_phone"] = mask_numbers(row.get("customer_phone"))
    if "text" in row:
        row["text"] = mask_numbers(row["text"])
    return row


def _base(request: Request, user: User, **extra: object) -> dict[str, object]:
    return {"user": user, "csrf": csrf_token(request.session), **extra}


@router.get("/")
def dashboard(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    calls = _visible_calls(request, user)
    done = [c for c in calls if c.status in ("clean", "flagged")]
    by_category = Counter(v.category for c in calls for v in {v.category: v for v in c.violations}.values())
    by_team = Counter(c.team or "（未分组）" for c in calls if c.status == "flagged")
    by_agent = Counter(c.agent_id or "?" for c in calls if c.status == "flagged")
    trend: dict[str, list[int]] = {}
    for c in done:
        day = trend.setdefault(c.local_date or "?", [0, 0])
        day[0] += 1
        day[1] += c.status == "flagged"
    stats = {
        "processed": len(done),
        "flagged": sum(c.status == "flagged" for c in calls),
        "failed": sum(c.status == "failed" for c in calls),
        "pending": sum(c.status in ("pending", "processing") for c in calls),
    }
    stats["flagged_rate"] = round(100 * stats["flagged"] / len(done), 1) if done else 0.0
    charts = {
        "category": sorted(by_category.items(), key=lambda kv: -kv[1]),
        "team": sorted(by_team.items(), key=lambda kv: -kv[1]),
        "agent": sorted(by_agent.items(), key=lambda kv: -kv[1])[:15],
        "trend": sorted(trend.items()),
    }
    return templates.TemplateResponse(
        request, "dashboard.html", _base(request, user, stats=stats, charts=charts)
    )


def _filtered(
    request: Request,
    user: User,
    status: str | None,
    agent: str | None,
    team: str | None,
    category: str | None,
    since: date | None,
    until: date | None,
    min_score: int | None,
    max_score: int | None,
) -> list[Call]:
    calls = _visible_calls(request, user)

    def keep(c: Call) -> bool:
        day = date.fromisoformat(c.local_date) if c.local_date else None
        return (
            (not status or c.status == status)
            and (not agent or c.agent_id == agent)
            and (not team or c.team == team)
            and (not category or any(v.category == category for v in c.violations))
            and (since is None or (day is not None and day >= since))
            and (until is None or (day is not None and day <= until))
            and (min_score is None or (c.score is not None and c.score >= min_score))
            and (max_score is None or (c.score is not None and c.score <= max_score))
        )

    return [c for c in calls if keep(c)]


SORTS = {
    "started_at": lambda c: c.started_at_utc or datetime.min,
    "score": lambda c: -1 if c.score is None else c.score,
    "call_id": lambda c: c.call_id,
    "agent": lambda c: c.agent_id or "",
}
CSV_COLUMNS = ["call_id", "agent_id", "team", "customer_phone", "started_at", "duration_s", "status", "score",
               "review_state"]  # fmt: skip
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[dict]) -> bytes:
    """The call list as an Excel workbook (same columns as the CSV export)."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("通话列表")
    sheet.write_row(0, 0, [*CSV_COLUMNS, "categories"])
    for i, r in enumerate(rows, 1):
        cats = ";".join(sorted({v["category"] for v in r["violations"]}))
        sheet.write_row(i, 0, [*(r[c] for c in CSV_COLUMNS), cats])
    book.close()
    return buf.getvalue()


@router.get("/calls")
def calls_page(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    status: str | None = None,
    agent: str | None = None,
    team: str | None = None,
    category: str | None = None,
    since: date | None = None,
    until: date | None = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    sort: Annotated[str, Query(pattern="^-?(started_at|score|call_id|agent)$")] = "-started_at",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    review_state: Annotated[
        str | None, Query(pattern="^(none|unassigned|open|submitted|escalated|decided|appealed|final)$")
    ] = None,
    export: Annotated[str | None, Query(pattern="^(csv|xlsx)$")] = None,
):
    calls = _filtered(request, user, status, agent, team, category, since, until, min_score, max_score)
    with request.app.state.db.session() as session:
        states = dict(session.execute(select(ReviewCase.call_pk, ReviewCase.state)).all())
    if review_state:
        calls = [c for c in calls if states.get(c.id, "none") == review_state]
    key = sort.lstrip("-")
    calls.sort(key=SORTS[key], reverse=sort.startswith("-"))  # type: ignore[arg-type]
    rows = [
        _masked(request, user, call_dict(c) | {"team": c.team, "review_state": states.get(c.id)})
        for c in calls
    ]
    if export == "xlsx":
        return Response(_xlsx(rows), media_type=XLSX_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="calls.xlsx"'})  # fmt: skip
    if export == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([*CSV_COLUMNS, "categories"])
        for r in rows:
            cats = ";".join(sorted({v["category"] for v in r["violations"]}))
            writer.writerow([*(r[c] for c in CSV_COLUMNS), cats])
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                         headers={"Content-Disposition": 'attachment; filename="calls.csv"'})  # fmt: skip
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    query = {k: v for k, v in request.query_params.items() if k not in ("page", "export")}
    return templates.TemplateResponse(
        request, "calls.html",
        _base(request, user, rows=shown, page=page, pages=pages, total=len(rows), query=query, sort=sort),
    )  # fmt: skip


def _call_or_404(request: Request, user: User, call_id: str) -> Call:
    with request.app.state.db.session() as session:
        try:
            call = get_visible_call(session, user, call_id)
        except NotFound:
            raise HTTPException(404, "no such call") from None
        session.refresh(call)
        _ = call.segments, call.violations
        session.expunge(call)
        return call


@router.get("/calls/{call_id}")
def call_page(request: Request, user: CurrentUser, call_id: str, t: float = 0.0):  # type: ignore[no-untyped-def]
    return render_call(request, user, call_id, t=t)


def render_call(  # type: ignore[no-untyped-def]
    request: Request, user: User, call_id: str, t: float = 0.0, review_error: str | None = None,
    status_code: int = 200,
):  # fmt: skip
    """The call page: audio, transcript, violations and the review panel for this user."""
    call = _call_or_404(request, user, call_id)
    info = _masked(request, user, call_dict(call))
    segments = [_masked(request, user, s) for s in transcript_dict(call)["segments"]]
    violations = [
        _masked(request, user, {**violation_dict(v), "id": v.id, "rule_name": v.rule_name,
                                "explanation": v.explanation})
        for v in call.violations
    ]  # fmt: skip
    with request.app.state.db.session() as session:
        case = case_of(session, session.get_one(Call, call.id))
        case_info = case_dict(case) if case else None
        owners = [
            u.username for u in accounts.list_users(session) if u.active and u.role in workflow.OWNER_ROLES
        ]
        inspectors = owners if user.role == "supervisor" else []
    context = {"call": info, "segments": segments, "violations": violations, "t": t, "case": case_info,
               "review_error": review_error, "owners": inspectors}  # fmt: skip
    return templates.TemplateResponse(
        request, "call.html", _base(request, user, **context), status_code=status_code
    )


@router.get("/calls/{call_id}/audio")
def call_audio(request: Request, user: CurrentUser, call_id: str):  # type: ignore[no-untyped-def]
    """The original recording; supports HTTP range requests so the player can seek."""
    call = _call_or_404(request, user, call_id)
    path = (request.app.state.ws.root / call.stored_path).resolve()
    if not path.is_relative_to(request.app.state.ws.recordings_dir.resolve()) or not path.is_file():
        raise HTTPException(404, "recording missing")
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix, "application/octet-stream"))


@router.get("/search")
def search_page(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200)] = "",
    fuzzy: bool = False,
    speaker: Annotated[str | None, Query(pattern="^(agent|customer)$")] = None,
):
    hits, error = [], None
    if q.strip():
        try:
            with request.app.state.db.session() as session:
                found = search(session, q, fuzzy=fuzzy, filters=SearchFilters(speaker=speaker), limit=200)
                allowed = set(session.scalars(restrict(select(Call.call_id), user)))
            hits = [h for h in found if h.call_id in allowed][:50]
        except SearchQueryError as exc:
            error = str(exc)
    mask = not may_see_numbers(user.role, request.app.state.ws.settings.unmasked_roles)
    rows = [
        {"call_id": h.call_id, "speaker": h.speaker, "start_s": h.start_s,
         "snippet": _marked(mask_numbers(h.snippet) if mask else h.snippet)}
        for h in hits
    ]  # fmt: skip
    return templates.TemplateResponse(
        request,
        "search.html",
        _base(request, user, q=q, fuzzy=fuzzy, speaker=speaker, rows=rows, error=error),
    )


def _marked(snippet: str | None) -> Markup:
    """Escape the snippet, then turn the search's 【】 match marks into <mark> tags."""
    return Markup(str(escape(snippet or "")).replace("【", "<mark>").replace("】", "</mark>"))
