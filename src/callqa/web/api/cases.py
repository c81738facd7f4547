"""/api/cases and the review transitions on a call's case (复核 / 申诉)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Request
from sqlalchemy.orm import Session

from callqa.review import workflow
from callqa.review.cases import case_dict, get_case
from callqa.store.models import ReviewCase, User
from callqa.store.queries import list_cases
from callqa.web.api.deps import CSRF
from callqa.web.schemas import (
    AppealDecisionIn,
    AppealIn,
    CallRef,
    CaseOrigin,
    CaseOut,
    CaseState,
    EscalateIn,
    EscalationDecisionIn,
    FinalIn,
    MissedViolationIn,
    QueuedCaseOut,
    ReassignIn,
)
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
Action = Callable[[Session, User], object]


@router.get("/cases", response_model=list[QueuedCaseOut])
def cases(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    state: CaseState | None = None,
    mine: bool = False,
    origin: CaseOrigin | None = None,
):
    """The review queue over the calls the user may see: flagged cases before 抽检 (`origin`
    sample) ones, then by the text model's highest confidence on the call (unscored last), then
    oldest first; `mine` = owned by the user."""
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        rows = list_cases(session, actor, state, actor if mine else None, origin)
        return [case_dict(r.case, viewer.mask) | {"confidence": r.confidence} for r in rows]


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
    return _transition(request, viewer, lambda s, u: workflow.reassign(s, u, call_id, body.owner))


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
    """The team lead of the call's team appeals a confirmed verdict within the appeal window."""
    window = request.app.state.ws.settings.appeal_window_days
    return _transition(
        request, viewer, lambda s, u: workflow.appeal(s, u, call_id, body.reason, window_days=window)
    )


@router.post("/calls/{call_id}/appeal/decision", response_model=CaseOut, dependencies=CSRF)
def decide_appeal(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, call_id: CallRef, body: AppealDecisionIn
):
    """A supervisor's final judgement (终审) on a pending appeal: uphold or overturn."""
    return _transition(
        request, viewer, lambda s, u: workflow.decide_appeal(s, u, call_id, body.decision, body.comment)
    )


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
