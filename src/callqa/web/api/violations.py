"""/api/violations: rule hits on the calls a viewer may see, and the owner's decision on one."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request

from callqa.review import workflow
from callqa.review.cases import case_dict
from callqa.store.models import ReviewCase
from callqa.store.queries import ViolationFilters, page_violations
from callqa.store.records import violation_record
from callqa.web.api.deps import CSRF
from callqa.web.schemas import CaseOut, DecisionIn, Filter, Id, Limit, Offset, ViolationPage
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/violations", response_model=ViolationPage)
def list_violations(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
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
    filters = ViolationFilters(call_id, category, rule_id, severity, agent, team, since, until, decision)
    mask = viewer.mask
    with request.app.state.db.session() as session:
        found = page_violations(session, viewer.user, filters, limit, offset)
        items = [
            violation_record(r.violation, mask, r.decision)
            | {
                "call_id": mask.text(r.call.call_id),
                "ref": mask.call_ref(r.call.call_id, r.call.id),
                "agent_id": r.call.agent_id,
                "team": r.call.team,
                "started_at": r.call.started_at,
            }
            for r in found.rows
        ]
    return {"total": found.total, "limit": limit, "offset": offset, "items": items}


@router.post("/violations/{violation_id}/decision", response_model=CaseOut, dependencies=CSRF)
def decide_violation(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, violation_id: Id, body: DecisionIn
):
    """The case owner marks one violation confirmed or false_positive; returns the case."""
    with request.app.state.db.session() as session:
        row = workflow.decide_violation(
            session, viewer.actor(session), violation_id, body.decision, body.comment
        )
        session.flush()
        case = session.get_one(ReviewCase, row.case_id)
        session.refresh(case)
        return case_dict(case, viewer.mask)
