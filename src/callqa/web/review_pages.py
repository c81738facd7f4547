"""Review pages: my queue, review actions on a call, appeals, rules, audit log.

Every action is a plain HTML form (CSRF token included) that posts here and returns to the call
page. The domain layer (callqa.review) decides what is allowed; a refusal propagates to the one
error handler (callqa.web.errors), which shows the call page again with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse

from callqa.errors import InvalidInput
from callqa.pipeline.recheck import Selection, model_version
from callqa.review import audit, workflow
from callqa.review.cases import case_dict, list_cases
from callqa.review.precision import RuleFigures, rule_precision
from callqa.store.models import User
from callqa.store.visibility import get_visible_call
from callqa.web import rechecks
from callqa.web.auth import require_csrf
from callqa.web.pages import page
from callqa.web.schemas import MAX_ID
from callqa.web.viewer import CurrentViewer, Viewer, masked_audit_row

router = APIRouter()
CSRF = [Depends(require_csrf)]
OptionalText = Annotated[str, Form(max_length=2000)]


@router.get("/review")
def my_queue(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        mine = [case_dict(c, viewer.mask) for c in list_cases(session, actor, owner=actor)]
        unassigned = [case_dict(c, viewer.mask) for c in list_cases(session, actor, state="unassigned")]
        everything = []
        if viewer.role == "supervisor":
            everything = [case_dict(c, viewer.mask) for c in list_cases(session, actor)]
    return page(request, viewer, "review.html", mine=mine, unassigned=unassigned, everything=everything)


@router.get("/appeals")
def appeals_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        cases = [
            case_dict(c, viewer.mask)
            for c in list_cases(session, actor)
            if c.appeals or c.state in ("submitted", "decided")
        ]
    return page(request, viewer, "appeals.html", cases=cases)


@router.get("/rules")
def rules_page(request: Request, viewer: CurrentViewer, queued: Annotated[int, Query(ge=0, le=MAX_ID)] = 0):  # type: ignore[no-untyped-def]
    """The pack's rules with their hits and precision over the calls this viewer may see; for
    supervisors and admins the recheck form and the last recheck."""
    pack = request.app.state.pack
    with request.app.state.db.session() as session:
        precision = rule_precision(session, viewer.user)
        last = rechecks.last_run(session) if viewer.role in rechecks.ROLES else None
    fields = ("id", "name", "category", "severity", "deduction")
    rules = [{f: getattr(r, f) for f in fields} for r in pack.rules]
    return page(request, viewer, "rules.html", rules=rules, precision=precision, EMPTY_FIGURES=RuleFigures(),
                pack_version=pack.version, model_version=model_version(pack), last=last, queued=queued,
                can_recheck=viewer.role in rechecks.ROLES)  # fmt: skip


@router.post("/rules/recheck", dependencies=CSRF)
def recheck(  # type: ignore[no-untyped-def]
    request: Request, viewer: CurrentViewer, since: Annotated[str, Form(max_length=10)] = ""
):
    """The rules page's 重新检查 button: recheck now (or in the background), then back to the page."""
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        raise InvalidInput(f"not a date: {since!r}") from None
    outcome = rechecks.start_recheck(request, viewer, Selection(since=day))
    return RedirectResponse(
        f"/rules?queued={outcome.queued}" if outcome.queued else "/rules", status_code=303
    )


@router.get("/audit")
def audit_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    viewer.require("admin", "supervisor")
    with request.app.state.db.session() as session:
        rows = [masked_audit_row(r, viewer.mask) for r in audit.export_rows(session)[-500:][::-1]]
        problems = audit.verify(session)
    return page(request, viewer, "audit.html", rows=rows, problems=problems)


def _act(request: Request, viewer: Viewer, call_id: str, action) -> RedirectResponse:  # type: ignore[no-untyped-def]
    """Run one workflow action as the viewer, then back to the call page."""
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        action(session, actor)
        ref = viewer.mask.call_ref(*_call_names(session, actor, call_id))
    return RedirectResponse(f"/calls/{ref}", status_code=303)


def _call_names(session, actor: User, ref: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    call = get_visible_call(session, actor, ref)
    return call.call_id, call.id


@router.post("/calls/{call_id}/claim", dependencies=CSRF)
def claim(request: Request, viewer: CurrentViewer, call_id: str):  # type: ignore[no-untyped-def]
    return _act(request, viewer, call_id, lambda s, u: workflow.claim(s, u, call_id))


@router.post("/calls/{call_id}/reassign", dependencies=CSRF)
def reassign(
    request: Request, viewer: CurrentViewer, call_id: str, owner: Annotated[str, Form(max_length=100)]
):  # type: ignore[no-untyped-def]
    return _act(request, viewer, call_id, lambda s, u: workflow.reassign(s, u, call_id, owner))


@router.post("/calls/{call_id}/violations/{violation_id}", dependencies=CSRF)
def decide(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    violation_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    decision: Annotated[str, Form(pattern="^(confirmed|false_positive)$")],
    comment: OptionalText = "",
):
    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.decide_violation(s, u, violation_id, decision, comment or None)

    return _act(request, viewer, call_id, act)


@router.post("/calls/{call_id}/verdict", dependencies=CSRF)
def verdict(request: Request, viewer: CurrentViewer, call_id: str):  # type: ignore[no-untyped-def]
    return _act(request, viewer, call_id, lambda s, u: workflow.submit_verdict(s, u, call_id))


@router.post("/calls/{call_id}/escalate", dependencies=CSRF)
def escalate(request: Request, viewer: CurrentViewer, call_id: str, proposed_action: OptionalText = ""):  # type: ignore[no-untyped-def]
    return _act(request, viewer, call_id, lambda s, u: workflow.escalate(s, u, call_id, proposed_action))


@router.post("/calls/{call_id}/escalation", dependencies=CSRF)
def escalation(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    comment: OptionalText = "",
):
    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.decide_escalation(s, u, call_id, decision == "approve", comment or None)

    return _act(request, viewer, call_id, act)


@router.post("/calls/{call_id}/appeal", dependencies=CSRF)
def appeal(request: Request, viewer: CurrentViewer, call_id: str, reason: OptionalText = ""):  # type: ignore[no-untyped-def]
    days = request.app.state.ws.settings.appeal_window_days
    return _act(
        request, viewer, call_id, lambda s, u: workflow.appeal(s, u, call_id, reason, window_days=days)
    )


@router.post("/calls/{call_id}/appeal/decision", dependencies=CSRF)
def appeal_decision(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    outcome: Annotated[str, Form(pattern="^(uphold|overturn)$")],
    comment: OptionalText = "",
):
    return _act(
        request, viewer, call_id, lambda s, u: workflow.decide_appeal(s, u, call_id, outcome, comment or None)
    )


@router.post("/calls/{call_id}/final", dependencies=CSRF)
def final(request: Request, viewer: CurrentViewer, call_id: str, comment: OptionalText = ""):  # type: ignore[no-untyped-def]
    return _act(
        request, viewer, call_id, lambda s, u: workflow.final_judgement(s, u, call_id, comment or None)
    )
