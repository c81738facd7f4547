"""/api/cases and the review transitions on a call's case (复核 / 申诉)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from sqlalchemy.orm import Session

from callqa.review import workflow
from callqa.review.cases import case_dict, get_case, queue_record
from callqa.store.models import Appeal, ReviewCase, User
from callqa.store.queries import CaseFilters, page_cases
from callqa.web.api.deps import CSRF
from callqa.web.schemas import (
    AppealDecisionIn,
    AppealIn,
    BulkReassignIn,
    CallRef,
    CaseOrigin,
    CaseOut,
    CaseState,
    EscalateIn,
    EscalationDecisionIn,
    FinalIn,
    Limit,
    MissedViolationIn,
    Offset,
    QueuedCaseOut,
    QueueSort,
    ReassignIn,
)
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
Action = Callable[[Session, User], object]


@router.get("/cases", response_model=list[QueuedCaseOut])
def cases(  # type: ignore[no-untyped-def]
    request: Request,
    response: Response,
    viewer: CurrentViewer,
    state: CaseState | None = None,
    mine: bool = False,
    origin: CaseOrigin | None = None,
    finished: bool = False,
    sort: QueueSort = "priority",
    limit: Limit = 100,
    offset: Offset = 0,
):
    """The review queue over the calls the user may see (as 我的复核 pages it). `mine`: owned by
    the user. Cases whose review is over (a verdict given) are left out unless `finished` or a
    `state` asks for them. `sort`: priority (flagged before 抽检, then the text model's highest
    confidence on the call, unscored last, then oldest), severity (highest first), score (lowest
    first) or age (longest waiting first). The total matching is in the `X-Total-Count` header."""
    filters = CaseFilters(
        states=(state,) if state else (),
        owner_id=viewer.user.id if mine else None,
        origin=origin,
        finished=finished,
    )
    with request.app.state.db.session() as session:
        found = page_cases(session, viewer.actor(session), filters, sort, limit, offset)
        response.headers["X-Total-Count"] = str(found.total)
        return [queue_record(r, viewer.mask) for r in found.rows]


@router.post("/cases/reassign", response_model=list[CaseOut], dependencies=CSRF)
def reassign_many(request: Request, viewer: CurrentViewer, body: BulkReassignIn):  # type: ignore[no-untyped-def]
    """A supervisor gives several cases not yet submitted to one inspector or supervisor, with a
    reason (audited per case). All or nothing; returns the cases reassigned (those the target owned
    already are left out)."""
    with request.app.state.db.session() as session:
        moved = workflow.reassign_many(session, viewer.actor(session), body.call_ids, body.owner, body.reason)
        return [case_dict(c, viewer.mask) for c in moved]


@router.get("/calls/{call_id}/case", response_model=CaseOut)
def call_case(request: Request, viewer: CurrentViewer, call_id: CallRef):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        return case_dict(get_case(session, viewer.user, call_id), viewer.mask)


def _transition(request: Request, viewer: Viewer, action: Action) -> dict[str, object]:
    with request.app.state.db.session() as session:
        result = action(session, viewer.actor(session))
        case = result if isinstance(result, ReviewCase) else result.case  # type: ignore[attr-defined]
        session.flush()
        session.refresh(case)
        return case_dict(case, viewer.mask)


@router.post("/calls/{call_id}/claim", response_model=CaseOut, dependencies=CSRF)
def claim(request: Request, viewer: CurrentViewer, call_id: CallRef):  # type: ignore[no-untyped-def]
    """An inspector takes the unowned case of a flagged call."""
    return _transition(request, viewer, lambda s, u: workflow.claim(s, u, call_id))


@router.post("/calls/{call_id}/reassign", response_model=CaseOut, dependencies=CSRF)
def reassign(request: Request, viewer: CurrentViewer, call_id: CallRef, body: ReassignIn):  # type: ignore[no-untyped-def]
    """A supervisor gives a case not yet submitted to another inspector or supervisor."""
    return _transition(
        request, viewer, lambda s, u: workflow.reassign(s, u, call_id, body.owner, body.reason)
    )


@router.post("/calls/{call_id}/verdict", response_model=CaseOut, dependencies=CSRF)
def verdict(request: Request, viewer: CurrentViewer, call_id: CallRef):  # type: ignore[no-untyped-def]
    """The owner submits the verdict once every violation is decided."""
    return _transition(request, viewer, lambda s, u: workflow.submit_verdict(s, u, call_id))


@router.post("/calls/{call_id}/escalate", response_model=CaseOut, dependencies=CSRF)
def escalate(request: Request, viewer: CurrentViewer, call_id: CallRef, body: EscalateIn):  # type: ignore[no-untyped-def]
    """The owner refers a confirmed verdict to a supervisor with a proposed action."""
    return _transition(request, viewer, lambda s, u: workflow.escalate(s, u, call_id, body.proposed_action))


@router.post("/calls/{call_id}/escalation", response_model=CaseOut, dependencies=CSRF)
def decide_escalation(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, call_id: CallRef, body: EscalationDecisionIn
):
    """A supervisor approves or rejects an escalation's proposed action."""
    approve = body.decision == "approve"
    return _transition(
        request, viewer, lambda s, u: workflow.decide_escalation(s, u, call_id, approve, body.comment)
    )


@router.post("/calls/{call_id}/appeal", response_model=CaseOut, dependencies=CSRF)
def appeal(request: Request, viewer: CurrentViewer, call_id: CallRef, body: AppealIn):  # type: ignore[no-untyped-def]
    """The team lead of the call's team appeals confirmed violations of a verdict within the appeal
    window: those in `violation_ids` (at least one), or every confirmed one when it is left out."""
    window = request.app.state.ws.settings.appeal_window_days

    def act(session: Session, actor: User) -> Appeal:
        return workflow.appeal(
            session, actor, call_id, body.reason, violation_ids=body.violation_ids, window_days=window
        )

    return _transition(request, viewer, act)


@router.post("/calls/{call_id}/appeal/decision", response_model=CaseOut, dependencies=CSRF)
def decide_appeal(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, call_id: CallRef, body: AppealDecisionIn
):
    """A supervisor's final judgement (终审) on a pending appeal, per contested violation (`hits`:
    uphold or overturn each), or `decision` for all of them. Overturned violations become false
    positives and the score after review is recomputed."""

    def act(session: Session, actor: User) -> ReviewCase:
        return workflow.decide_appeal(session, actor, call_id, body.decision, body.comment, per_hit=body.hits)

    return _transition(request, viewer, act)


@router.post("/calls/{call_id}/final", response_model=CaseOut, dependencies=CSRF)
def final(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: CallRef,
    body: Annotated[FinalIn | None, Body()] = None,
):
    """A supervisor closes a case with a verdict and nothing pending, for good."""
    comment = body.comment if body else None
    return _transition(request, viewer, lambda s, u: workflow.final_judgement(s, u, call_id, comment))


@router.post("/calls/{call_id}/missed-violations", response_model=CaseOut, dependencies=CSRF)
def record_missed(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, call_id: CallRef, body: MissedViolationIn
):
    """The owner of an open 抽检 case records a violation the system missed (补录漏检违规); it is
    stored confirmed, with source `inspector`. Returns the case."""

    def act(session: Session, actor: User) -> ReviewCase:
        workflow.record_missed_violation(session, actor, call_id, **body.model_dump())
        return get_case(session, actor, call_id)

    return _transition(request, viewer, act)
