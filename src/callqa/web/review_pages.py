"""Review pages: my queue, review actions on a call, appeals, rules.

Every action is a plain HTML form (CSRF token included) that posts here and returns to the call
page. The domain layer (callqa.review) decides what is allowed; a refusal propagates to the one
error handler (callqa.web.errors), which shows the call page again with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse

from callqa.errors import InvalidInput, TransitionError
from callqa.pipeline.recheck import Selection
from callqa.review import workflow
from callqa.review.cases import case_dict
from callqa.review.precision import RuleFigures, phrasing_suggestions, rule_precision
from callqa.rules.active import learned_rules
from callqa.rules.learned.versions import list_versions
from callqa.store.models import User
from callqa.store.queries import CaseRow, list_cases
from callqa.store.visibility import get_visible_call
from callqa.web import rechecks
from callqa.web.auth import require_csrf
from callqa.web.learning import learn_job, use_model
from callqa.web.pages import page
from callqa.web.schemas import MAX_ID
from callqa.web.viewer import CurrentViewer, Viewer

router = APIRouter()
CSRF = [Depends(require_csrf)]
OptionalText = Annotated[str, Form(max_length=2000)]


def _queued(rows: list[CaseRow], viewer: Viewer) -> list[dict[str, object]]:
    return [case_dict(r.case, viewer.mask) | {"confidence": r.confidence} for r in rows]


@router.get("/review")
def my_queue(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    origin: Annotated[str, Query(pattern="^(flagged|sample)?$")] = "",
):
    """The review queue: flagged cases before 抽检 ones, the model's surest first; `origin` keeps one kind."""
    kind = origin or None
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        mine = _queued(list_cases(session, actor, owner=actor, origin=kind), viewer)
        unassigned = _queued(list_cases(session, actor, state="unassigned", origin=kind), viewer)
        everything = []
        if viewer.role == "supervisor":
            everything = _queued(list_cases(session, actor, origin=kind), viewer)
    return page(
        request, viewer, "review.html", mine=mine, unassigned=unassigned, everything=everything, origin=origin
    )


@router.get("/review/next")
def next_case(request: Request, viewer: CurrentViewer) -> RedirectResponse:
    """提交并下一条: the first open case I own, in my queue's order (`list_cases`); the queue itself
    when none is left."""
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        rows = list_cases(session, actor, state="open", owner=actor)
        if not rows:
            return RedirectResponse("/review", status_code=303)
        call = rows[0].case.call
        ref = viewer.mask.call_ref(call.call_id, call.id)
    return RedirectResponse(f"/calls/{quote(ref, safe='~')}", status_code=303)


@router.get("/appeals")
def appeals_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        cases = [
            case_dict(r.case, viewer.mask)
            for r in list_cases(session, actor)
            if r.case.appeals or r.case.state in ("submitted", "decided")
        ]
    return page(request, viewer, "appeals.html", cases=cases)


MODEL_ROLES = ("supervisor", "admin")  # who retrains the text model and sees phrasing suggestions


@router.get("/rules")
def rules_page(request: Request, viewer: CurrentViewer, queued: Annotated[int, Query(ge=0, le=MAX_ID)] = 0):  # type: ignore[no-untyped-def]
    """The pack's rules with their hits and precision over the calls this viewer may see; for
    supervisors and admins also the text model (versions, retraining), phrasing suggestions, the
    recheck form and the last recheck."""
    pack = request.app.state.pack
    model_rules = learned_rules(pack)
    manage = viewer.role in MODEL_ROLES
    with request.app.state.db.session() as session:
        precision = rule_precision(session, viewer.user)
        found = phrasing_suggestions(session, viewer.user, list(model_rules)) if manage else {}
        last = rechecks.last_run(session) if viewer.role in rechecks.ROLES else None
    suggestions = {
        rule: [
            {"text": viewer.mask.text(s.text), "ref": viewer.mask.call_ref(s.call_id, s.call_pk),
             "call_id": viewer.mask.text(s.call_id), "start_s": s.start_s, "confidence": s.confidence}
            for s in rows
        ]
        for rule, rows in found.items()
    }  # fmt: skip
    fields = ("id", "name", "category", "severity", "deduction")
    rules = [{f: getattr(r, f) for f in fields} | {"model": r.id in model_rules} for r in pack.rules]
    return page(
        request,
        viewer,
        "rules.html",
        rules=rules,
        precision=precision,
        EMPTY_FIGURES=RuleFigures(),
        manage=manage,
        suggestions=suggestions,
        versions=list_versions(request.app.state.ws) if manage else [],
        model_version=getattr(pack.detector, "version", ""),
        learning=learn_job(request.app).state if manage else None,
        pack_version=pack.version,
        last=last,
        queued=queued,
        can_recheck=viewer.role in rechecks.ROLES,
    )


@router.post("/rules/learn", dependencies=CSRF)
def retrain(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """Start retraining the text model with the verdicts (in the background); back to the rules page."""
    viewer.require(*MODEL_ROLES)
    learn_job(request.app).start(request.app, viewer.user)
    return RedirectResponse("/rules", status_code=303)


@router.post("/rules/model", dependencies=CSRF)
def use_model_version(request: Request, viewer: CurrentViewer, version: Annotated[str, Form(max_length=80)]):  # type: ignore[no-untyped-def]
    """Switch the text model to a kept version (or `shipped`): a rollback."""
    viewer.require(*MODEL_ROLES)
    if learn_job(request.app).state and learn_job(request.app).state.running:  # type: ignore[union-attr]
        raise TransitionError("a retraining is running; switch the model when it has ended")
    use_model(request.app, viewer.user, version)
    return RedirectResponse("/rules", status_code=303)


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


@router.post("/calls/{call_id}/missed", dependencies=CSRF)
def record_missed(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    category: Annotated[str, Form(max_length=50)],
    speaker: Annotated[str, Form(pattern="^(agent|customer)$")],
    text: Annotated[str, Form(max_length=2000)],
    explanation: OptionalText = "",
    start: Annotated[str, Form(max_length=20)] = "",
    end: Annotated[str, Form(max_length=20)] = "",
):
    """补录漏检违规 on a 抽检 case (times as seconds or m:ss, both optional)."""

    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.record_missed_violation(
            s,
            u,
            call_id,
            category=category,
            speaker=speaker,
            text=text,
            explanation=explanation or None,
            start_s=_seconds(start, "开始时间"),
            end_s=_seconds(end, "结束时间"),
        )

    return _act(request, viewer, call_id, act)


def _seconds(value: str, name: str) -> float | None:
    """A form's time: '75', '75.5' or '1:15' (minutes:seconds); empty for none."""
    value = value.strip()
    if not value:
        return None
    minutes, _, seconds = value.rpartition(":")
    try:
        total = float(seconds) + 60 * (int(minutes) if minutes else 0)
    except ValueError:
        raise InvalidInput(f"{name}: seconds (75) or minutes:seconds (1:15)") from None
    if not 0 <= total <= 86_400:
        raise InvalidInput(f"{name}: seconds (75) or minutes:seconds (1:15)")
    return total


@router.post("/calls/{call_id}/verdict", dependencies=CSRF)
def verdict(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    next: Annotated[str, Form(max_length=1, pattern="^1?$")] = "",
):
    """Submit the verdict; back to the call page, or with `next` (提交并下一条) on to my next case."""
    done = _act(request, viewer, call_id, lambda s, u: workflow.submit_verdict(s, u, call_id))
    return RedirectResponse("/review/next", status_code=303) if next else done


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
