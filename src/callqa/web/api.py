"""REST API (JSON) with the same authorization as the pages; OpenAPI document at /docs.

Authentication: the session cookie of a signed-in browser, or ``Authorization: Bearer <api token>``.
Every state-changing request depends on CSRF protection (``X-CSRF-Token`` header for cookie
sessions; API-token requests are exempt). Refusals of the review layer map to HTTP statuses:
NotFound → 404, PermissionDenied → 403, TransitionError → 409, InvalidInput/ValueError → 422, all as
``{"detail": reason}``. A team lead sees only their team's calls: any other call is a 404.
Customer numbers are masked for roles outside the workspace's ``unmasked_roles``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from callqa.pipeline.ingest import ingest_one
from callqa.review import accounts, audit, workflow
from callqa.review.cases import case_dict, get_case, list_cases
from callqa.review.errors import InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.review.precision import rule_precision
from callqa.review.visibility import get_visible_call, restrict
from callqa.store.listing import call_dict, transcript_dict
from callqa.store.models import Call, ReviewCase, User, Violation, ViolationDecision
from callqa.store.search import SearchFilters, search
from callqa.web import uploads
from callqa.web.auth import CurrentUser, current_user, require_csrf
from callqa.web.masking import mask_numbers, may_see_numbers
from callqa.web.security import csrf_token

router = APIRouter(prefix="/api", tags=["api"])
CSRF = [Depends(current_user), Depends(require_csrf)]  # 401 before 403 for anonymous callers
MAX_ID = 2**53  # larger ids cannot exist (and would overflow SQLite's integers)

CallStatus = Literal["pending", "processing", "clean", "flagged", "failed"]
CaseState = Literal["unassigned", "open", "submitted", "escalated", "decided", "appealed", "final"]
Role = Literal["admin", "supervisor", "inspector", "team_lead"]
Comment = Annotated[str | None, Field(max_length=2000)]
CallId = Annotated[str, Path(max_length=200)]


# --- response and request models -----------------------------------------------------------------


class ViolationOut(BaseModel):
    id: int
    category: str
    rule_id: str
    rule_name: str
    severity: str
    speaker: str
    start_s: float
    end_s: float
    text: str
    explanation: str


class CallOut(BaseModel):
    call_id: str
    file: str
    agent_id: str | None
    team: str | None
    customer_phone: str | None
    started_at: str | None
    duration_s: float | None
    status: str
    score: int | None
    error: str | None
    review_state: str | None = Field(description="state of the call's review case, if it has one")
    violations: list[ViolationOut]


class CallPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CallOut]


class SegmentOut(BaseModel):
    speaker: str
    start_s: float
    end_s: float
    text: str


class TranscriptOut(BaseModel):
    call_id: str
    segments: list[SegmentOut]


class ViolationRow(ViolationOut):
    call_id: str
    agent_id: str | None
    team: str | None
    started_at: str | None
    decision: str | None


class ViolationPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ViolationRow]


class SearchHitOut(BaseModel):
    call_id: str
    speaker: str
    start_s: float
    end_s: float
    text: str
    snippet: str = Field(description="the text with matches marked 【like this】")


class SearchOut(BaseModel):
    q: str
    fuzzy: bool
    hits: list[SearchHitOut]


class AppealOut(BaseModel):
    id: int
    reason: str
    filed_at: str | None
    decision: str | None
    comment: str | None


class CaseOut(BaseModel):
    id: int
    call_id: str
    team: str | None
    state: str
    owner: str | None
    verdict: str | None
    submitted_at: str | None
    proposed_action: str | None
    escalation_decision: str | None
    escalation_comment: str | None
    final_outcome: str | None
    final_at: str | None
    final_comment: str | None
    decisions: dict[str, str] = Field(description="violation id → confirmed | false_positive")
    appeals: list[AppealOut]


class RuleFigures(BaseModel):
    confirmed: int
    false_positive: int
    undecided: int
    precision: float | None


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class AuditProblem(BaseModel):
    entry_id: int
    reason: str


class AuditVerifyOut(BaseModel):
    ok: bool
    entries: int
    head: str
    problems: list[AuditProblem]


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    team: str | None
    active: bool
    created_at: str
    failed_logins: int
    locked_until: str | None


class NewUserOut(BaseModel):
    user: UserOut
    password: str = Field(description="shown once")


class PasswordOut(BaseModel):
    username: str
    password: str = Field(description="shown once")


class TokenOut(BaseModel):
    id: int
    user: str
    name: str
    created_at: str
    token: str = Field(description="shown once; send as 'Authorization: Bearer <token>'")


class IngestOut(BaseModel):
    file: str
    call_id: str | None
    status: Literal["added", "exists", "failed"]
    message: str


class UploadOut(BaseModel):
    outcomes: list[IngestOut]


class ReassignIn(BaseModel):
    owner: Annotated[str, Field(min_length=1, max_length=100)]


class DecisionIn(BaseModel):
    decision: Literal["confirmed", "false_positive"]
    comment: Comment = None


class EscalateIn(BaseModel):
    proposed_action: Annotated[str, Field(min_length=1, max_length=2000)]


class EscalationDecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    comment: Comment = None


class AppealIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class AppealDecisionIn(BaseModel):
    decision: Literal["uphold", "overturn"]
    comment: Comment = None


class FinalIn(BaseModel):
    comment: Comment = None


class UserIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    role: Role
    team: Annotated[str | None, Field(max_length=100)] = None


class TokenIn(BaseModel):
    username: Annotated[str | None, Field(max_length=100, description="default: yourself")] = None
    name: Annotated[str, Field(min_length=1, max_length=200)]


# --- helpers -------------------------------------------------------------------------------------


@contextmanager
def _session(request: Request) -> Iterator[Session]:
    """A transaction (committed on success) whose review refusals become HTTP errors."""
    try:
        with request.app.state.db.session() as session:
            yield session
    except NotFound as exc:
        raise HTTPException(404, exc.reason) from None
    except PermissionDenied as exc:
        raise HTTPException(403, exc.reason) from None
    except TransitionError as exc:
        raise HTTPException(409, exc.reason) from None
    except InvalidInput as exc:
        raise HTTPException(422, exc.reason) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _actor(session: Session, user: User) -> User:
    """The signed-in user, attached to this session (and as stored now)."""
    return session.get(User, user.id) or user


def _require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(403, f"a {user.role} may not do this; needs {' or '.join(roles)}")


def _masker(request: Request, user: User):  # type: ignore[no-untyped-def]
    if may_see_numbers(user.role, request.app.state.ws.settings.unmasked_roles):
        return lambda text: text
    return mask_numbers


def _violation(v: Violation, mask) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "id": v.id,
        "category": v.category,
        "rule_id": v.rule_id,
        "rule_name": v.rule_name,
        "severity": v.severity,
        "speaker": v.speaker,
        "start_s": v.start_s,
        "end_s": v.end_s,
        "text": mask(v.text),
        "explanation": mask(v.explanation),
    }


def _call(call: Call, mask, review_state: str | None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    row = call_dict(call)
    row.update(
        team=call.team,
        customer_phone=mask(call.customer_phone),
        review_state=review_state,
        violations=[_violation(v, mask) for v in call.violations],
    )
    return row


def _states(session: Session, call_pks: list[int]) -> dict[int, str]:
    if not call_pks:
        return {}
    rows = session.execute(
        select(ReviewCase.call_pk, ReviewCase.state).where(ReviewCase.call_pk.in_(call_pks))
    )
    return {call_pk: state for call_pk, state in rows}


def _case_out(case: ReviewCase) -> dict[str, object]:
    return case_dict(case)


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Filter = Annotated[str | None, Query(max_length=100)]
Score = Annotated[int | None, Query(ge=0, le=100)]


# --- calls, transcripts, violations, search -------------------------------------------------------


@router.get("/calls", response_model=CallPage)
def list_calls(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    status: CallStatus | None = None,
    agent: Filter = None,
    team: Filter = None,
    category: Filter = None,
    since: date | None = None,
    until: date | None = None,
    min_score: Score = None,
    max_score: Score = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Calls the user may see, newest first, filtered (dates are the call's local day)."""
    query = restrict(select(Call), user)
    if status:
        query = query.where(Call.status == status)
    if agent:
        query = query.where(Call.agent_id == agent)
    if team:
        query = query.where(Call.team == team)
    if category:
        query = query.where(Call.violations.any(Violation.category == category))
    if since:
        query = query.where(Call.local_date >= since.isoformat())
    if until:
        query = query.where(Call.local_date <= until.isoformat())
    if min_score is not None:
        query = query.where(Call.score >= min_score)
    if max_score is not None:
        query = query.where(Call.score <= max_score)
    mask = _masker(request, user)
    with _session(request) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        calls = list(
            session.scalars(
                query.options(selectinload(Call.violations))
                .order_by(Call.started_at_utc.desc(), Call.call_id)
                .limit(limit)
                .offset(offset)
            )
        )
        states = _states(session, [c.id for c in calls])
        items = [_call(c, mask, states.get(c.id)) for c in calls]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/calls/{call_id}", response_model=CallOut)
def get_call(request: Request, user: CurrentUser, call_id: CallId):  # type: ignore[no-untyped-def]
    with _session(request) as session:
        call = get_visible_call(session, user, call_id)
        return _call(call, _masker(request, user), _states(session, [call.id]).get(call.id))


@router.get("/calls/{call_id}/transcript", response_model=TranscriptOut)
def get_transcript(request: Request, user: CurrentUser, call_id: CallId):  # type: ignore[no-untyped-def]
    mask = _masker(request, user)
    with _session(request) as session:
        transcript = transcript_dict(get_visible_call(session, user, call_id))
    for segment in transcript["segments"]:  # type: ignore[attr-defined]
        segment["text"] = mask(segment["text"])
    return transcript


@router.get("/violations", response_model=ViolationPage)
def list_violations(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    call_id: Filter = None,
    category: Filter = None,
    rule_id: Filter = None,
    severity: Filter = None,
    agent: Filter = None,
    team: Filter = None,
    since: date | None = None,
    until: date | None = None,
    decision: Literal["confirmed", "false_positive", "undecided"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    """Rule hits on the calls the user may see, newest call first, with their review decision."""
    query = restrict(
        select(Violation, Call, ViolationDecision.decision)
        .join(Call, Call.id == Violation.call_pk)
        .outerjoin(ViolationDecision, ViolationDecision.violation_id == Violation.id),
        user,
    )
    for column, value in ((Call.call_id, call_id), (Violation.category, category),
                          (Violation.rule_id, rule_id), (Violation.severity, severity),
                          (Call.agent_id, agent), (Call.team, team)):  # fmt: skip
        if value:
            query = query.where(column == value)
    if since:
        query = query.where(Call.local_date >= since.isoformat())
    if until:
        query = query.where(Call.local_date <= until.isoformat())
    if decision == "undecided":
        query = query.where(ViolationDecision.id.is_(None))
    elif decision:
        query = query.where(ViolationDecision.decision == decision)
    mask = _masker(request, user)
    with _session(request) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(Call.started_at_utc.desc(), Call.call_id, Violation.start_s, Violation.id)
            .limit(limit)
            .offset(offset)
        ).all()
        items = [
            _violation(v, mask) | {"call_id": c.call_id, "agent_id": c.agent_id, "team": c.team,
                                   "started_at": c.started_at, "decision": d}
            for v, c, d in rows
        ]  # fmt: skip
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/search", response_model=SearchOut)
def search_segments(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    fuzzy: bool = False,
    speaker: Literal["agent", "customer"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    """Transcript segments matching `q` exactly (or by pinyin with `fuzzy`), best first."""
    mask = _masker(request, user)
    with _session(request) as session:
        found = search(session, q, fuzzy=fuzzy, filters=SearchFilters(speaker=speaker), limit=4 * limit)
        allowed = set(session.scalars(restrict(select(Call.call_id), user)))
    hits = [
        {"call_id": h.call_id, "speaker": h.speaker, "start_s": h.start_s, "end_s": h.end_s,
         "text": mask(h.text), "snippet": mask(h.snippet)}
        for h in found if h.call_id in allowed
    ][:limit]  # fmt: skip
    return {"q": q, "fuzzy": fuzzy, "hits": hits}


# --- review cases ---------------------------------------------------------------------------------


@router.get("/cases", response_model=list[CaseOut])
def cases(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, state: CaseState | None = None, mine: bool = False
):
    """Review cases of the calls the user may see, oldest first; `mine` = owned by the user."""
    with _session(request) as session:
        actor = _actor(session, user)
        return [_case_out(c) for c in list_cases(session, actor, state, actor if mine else None)]


@router.get("/calls/{call_id}/case", response_model=CaseOut)
def call_case(request: Request, user: CurrentUser, call_id: CallId):  # type: ignore[no-untyped-def]
    with _session(request) as session:
        return _case_out(get_case(session, user, call_id))


def _transition(request: Request, user: User, action, *args, **kwargs) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with _session(request) as session:
        case = action(session, _actor(session, user), *args, **kwargs)
        session.flush()
        session.refresh(case)
        return _case_out(case)


@router.post("/calls/{call_id}/claim", response_model=CaseOut, dependencies=CSRF)
def claim(request: Request, user: CurrentUser, call_id: CallId):  # type: ignore[no-untyped-def]
    """An inspector takes the unowned case of a flagged call."""
    return _transition(request, user, workflow.claim, call_id)


@router.post("/calls/{call_id}/reassign", response_model=CaseOut, dependencies=CSRF)
def reassign(request: Request, user: CurrentUser, call_id: CallId, body: ReassignIn):  # type: ignore[no-untyped-def]
    """A supervisor gives a case not yet submitted to another inspector or supervisor."""
    return _transition(request, user, workflow.reassign, call_id, body.owner)


@router.post("/violations/{violation_id}/decision", response_model=CaseOut, dependencies=CSRF)
def decide_violation(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    violation_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: DecisionIn,
):
    """The case owner marks one violation confirmed or false_positive; returns the case."""
    with _session(request) as session:
        row = workflow.decide_violation(session, _actor(session, user), violation_id, body.decision,
                                        body.comment)  # fmt: skip
        session.flush()
        case = session.get(ReviewCase, row.case_id)
        session.refresh(case)
        return _case_out(case)  # type: ignore[arg-type]


@router.post("/calls/{call_id}/verdict", response_model=CaseOut, dependencies=CSRF)
def verdict(request: Request, user: CurrentUser, call_id: CallId):  # type: ignore[no-untyped-def]
    """The owner submits the verdict once every violation is decided."""
    return _transition(request, user, workflow.submit_verdict, call_id)


@router.post("/calls/{call_id}/escalate", response_model=CaseOut, dependencies=CSRF)
def escalate(request: Request, user: CurrentUser, call_id: CallId, body: EscalateIn):  # type: ignore[no-untyped-def]
    """The owner refers a confirmed verdict to a supervisor with a proposed action."""
    return _transition(request, user, workflow.escalate, call_id, body.proposed_action)


@router.post("/calls/{call_id}/escalation", response_model=CaseOut, dependencies=CSRF)
def decide_escalation(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, call_id: CallId, body: EscalationDecisionIn
):
    """A supervisor approves or rejects an escalation's proposed action."""
    return _transition(
        request, user, workflow.decide_escalation, call_id, body.decision == "approve", body.comment
    )


@router.post("/calls/{call_id}/appeal", response_model=CaseOut, dependencies=CSRF)
def appeal(request: Request, user: CurrentUser, call_id: CallId, body: AppealIn):  # type: ignore[no-untyped-def]
    """The team lead of the call's team appeals a confirmed verdict within the appeal window."""
    window = request.app.state.ws.settings.appeal_window_days

    def file(session: Session, actor: User, call_id: str) -> ReviewCase:
        return workflow.appeal(session, actor, call_id, body.reason, window_days=window).case

    return _transition(request, user, file, call_id)


@router.post("/calls/{call_id}/appeal/decision", response_model=CaseOut, dependencies=CSRF)
def decide_appeal(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, call_id: CallId, body: AppealDecisionIn
):
    """A supervisor's final judgement (终审) on a pending appeal: uphold or overturn."""
    return _transition(request, user, workflow.decide_appeal, call_id, body.decision, body.comment)


@router.post("/calls/{call_id}/final", response_model=CaseOut, dependencies=CSRF)
def final(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, call_id: CallId, body: Annotated[FinalIn | None, Body()] = None
):
    """A supervisor closes a case with a verdict and nothing pending, for good."""
    return _transition(request, user, workflow.final_judgement, call_id, body.comment if body else None)


# --- rules, audit ----------------------------------------------------------------------------------


@router.get("/rules/precision", response_model=dict[str, RuleFigures])
def precision(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """Per rule: reviewed hits confirmed / false positive, undecided hits, and precision."""
    with _session(request) as session:
        return rule_precision(session, _actor(session, user))


AUDIT_COLUMNS = list(AuditEntryOut.model_fields)


@router.get(
    "/audit",
    response_model=list[AuditEntryOut],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def audit_log(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, format: Literal["json", "csv"] = "json"
):
    """The whole hash-chained audit log, oldest first (supervisors and admins)."""
    _require_role(user, "supervisor", "admin")
    with _session(request) as session:
        rows = audit.export_rows(session)
    if format == "json":
        return rows
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(AUDIT_COLUMNS)
    for row in rows:
        writer.writerow(
            audit.canonical_json(row[c]) if c in ("before", "after") and row[c] is not None else row[c]
            for c in AUDIT_COLUMNS
        )
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})  # fmt: skip


@router.get("/audit/verify", response_model=AuditVerifyOut)
def audit_verify(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """Check the audit log's hash chain; `ok` is false with the breaks listed when tampered with."""
    _require_role(user, "supervisor", "admin")
    with _session(request) as session:
        problems = audit.verify(session)
        entries, head = audit.count(session)
    return {
        "ok": not problems,
        "entries": entries,
        "head": head,
        "problems": [{"entry_id": p.entry_id, "reason": p.reason} for p in problems],
    }


# --- accounts and tokens ----------------------------------------------------------------------------


@router.get("/me", response_model=UserOut)
def me(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    with _session(request) as session:
        return accounts.user_dict(_actor(session, user))


class CsrfOut(BaseModel):
    csrf_token: str = Field(description="send as X-CSRF-Token on state-changing cookie-session requests")


@router.get("/csrf", response_model=CsrfOut)
def csrf(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """The signed-in session's CSRF token (API-token callers do not need one)."""
    return {"csrf_token": csrf_token(request.session)}


@router.get("/users", response_model=list[UserOut])
def users(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    _require_role(user, "admin")
    with _session(request) as session:
        return [accounts.user_dict(u) for u in accounts.list_users(session)]


@router.post("/users", response_model=NewUserOut, status_code=201, dependencies=CSRF)
def create_user(request: Request, user: CurrentUser, body: UserIn):  # type: ignore[no-untyped-def]
    """Add an account (admins); the generated password is in the response, once."""
    _require_role(user, "admin")
    with _session(request) as session:
        created, password = accounts.create_user(
            session, _actor(session, user), body.username, body.role, body.team
        )
        return {"user": accounts.user_dict(created), "password": password}


@router.post("/users/{username}/reset", response_model=PasswordOut, dependencies=CSRF)
def reset_password(  # type: ignore[no-untyped-def]
    request: Request, user: CurrentUser, username: Annotated[str, Path(max_length=100)]
):
    """A new generated password for the user (admins), shown once; lifts any lockout."""
    _require_role(user, "admin")
    with _session(request) as session:
        password = accounts.reset_password(session, _actor(session, user), username)
        return {"username": username, "password": password}


@router.post("/tokens", response_model=TokenOut, status_code=201, dependencies=CSRF)
def create_token(request: Request, user: CurrentUser, body: TokenIn):  # type: ignore[no-untyped-def]
    """An API token acting as `username` (admins: anyone; others: themselves), shown once."""
    with _session(request) as session:
        actor = _actor(session, user)
        row, token = accounts.create_api_token(session, actor, body.username or actor.username, body.name)
        info = accounts.token_dict(row)
    return {"id": info["id"], "user": info["user"], "name": info["name"], "created_at": info["created_at"],
            "token": token}  # fmt: skip


# --- uploads ------------------------------------------------------------------------------------------

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
    responses={413: {"description": "larger than max_upload_mb"}, 415: {"description": "not audio"}},
)
async def upload_calls(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    """Upload recordings (multipart field `files`, repeatable) and optionally a manifest CSV
    (field `manifest`, columns as for `callqa ingest`); inspectors and admins. Each file becomes a
    pending call, processed by the background worker; the response lists what happened to each."""
    _require_role(user, "inspector", "admin")
    folder = await run_in_threadpool(uploads.upload_folder, request)
    try:
        try:
            body = await uploads.receive(request, folder)
            for part in body.audio:
                if not await run_in_threadpool(uploads.probe_audio, part.path):
                    raise uploads.UploadRejected(415, f"{part.name}: cannot be decoded as audio")
            pairs = uploads.rows_for_upload(body)
        except uploads.UploadRejected as exc:
            raise HTTPException(exc.status, exc.detail) from None
        outcomes = [await run_in_threadpool(_ingest, request, user, part, row) for part, row in pairs]
    finally:
        await run_in_threadpool(uploads.remove_folder, folder)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None and any(o["status"] == "added" for o in outcomes):
        worker.wake()
    return {"outcomes": outcomes}


def _ingest(request: Request, user: User, part: uploads.Received, row) -> dict[str, object]:  # type: ignore[no-untyped-def]
    ws, db = request.app.state.ws, request.app.state.db
    outcome = ingest_one(ws, db, row)
    message = outcome.message.replace(str(part.path), part.name)
    if outcome.status == "added":
        with db.session() as session:
            session.execute(
                update(Call)
                .where(Call.call_id == outcome.call_id)
                .values(file_name=part.name, source_path=f"upload:{part.name}")
            )
            audit.append(session, _actor(session, user), "call.upload", "call", outcome.call_id, None,
                         {"file": part.name, "size_bytes": part.size})  # fmt: skip
    return {"file": part.name, "call_id": outcome.call_id, "status": outcome.status, "message": message}
