"""Review pages: my queue, review actions on a call, appeals, rules, audit log, users.

Every action is a plain HTML form (CSRF token included) that posts here and returns to the
call page; the domain layer (callqa.review) decides what is allowed, and a refused transition
comes back as the page with the reason and HTTP 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select

from callqa.review import accounts, audit, workflow
from callqa.review.cases import case_dict, list_cases
from callqa.review.errors import InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.review.precision import rule_precision
from callqa.store.models import User, Violation
from callqa.web.auth import CurrentUser, require_csrf
from callqa.web.pages import render_call
from callqa.web.render import templates
from callqa.web.security import csrf_token

router = APIRouter()
Text = Annotated[str, Form(max_length=2000)]
OptionalText = Annotated[str, Form(max_length=2000)]


def _page(request: Request, user: User, name: str, status_code: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    context = {"user": user, "csrf": csrf_token(request.session), **extra}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/review")
def my_queue(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = session.get_one(User, user.id)
        mine = [case_dict(c) for c in list_cases(session, actor, owner=actor)]
        unassigned = [case_dict(c) for c in list_cases(session, actor, state="unassigned")]
        everything = [case_dict(c) for c in list_cases(session, actor)] if user.role == "supervisor" else []
    return _page(request, user, "review.html", mine=mine, unassigned=unassigned, everything=everything)


@router.get("/appeals")
def appeals_page(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = session.get_one(User, user.id)
        cases = [
            case_dict(c)
            for c in list_cases(session, actor)
            if c.appeals or c.state in ("submitted", "decided")
        ]
    return _page(request, user, "appeals.html", cases=cases)


@router.get("/rules")
def rules_page(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    with request.app.state.db.session() as session:
        actor = session.get_one(User, user.id)
        precision = rule_precision(session, actor)
        counts = dict(
            session.execute(
                select(Violation.rule_id, func.count(Violation.id)).group_by(Violation.rule_id)
            ).all()
        )
    pack = request.app.state.pack if hasattr(request.app.state, "pack") else None
    fields = ("id", "name", "category", "severity", "deduction")
    rules = [{f: getattr(r, f) for f in fields} for r in (pack.rules if pack else [])]
    return _page(request, user, "rules.html", rules=rules, counts=counts, precision=precision)


def _require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(403, "not allowed for this role")


@router.get("/audit")
def audit_page(request: Request, user: CurrentUser):  # type: ignore[no-untyped-def]
    _require(user, "admin", "supervisor")
    with request.app.state.db.session() as session:
        rows = audit.export_rows(session)[-500:][::-1]
        problems = audit.verify(session)
    return _page(request, user, "audit.html", rows=rows, problems=problems)


@router.get("/users")
def users_page(request: Request, user: CurrentUser, created: str | None = None):  # type: ignore[no-untyped-def]
    _require(user, "admin")
    with request.app.state.db.session() as session:
        users = [accounts.user_dict(u) for u in accounts.list_users(session)]
    return _page(request, user, "users.html", users=users, created=None)


@router.post("/users", dependencies=[Depends(require_csrf)])
def users_add(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    username: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    team: Annotated[str, Form(max_length=100)] = "",
):
    _require(user, "admin")
    try:
        with request.app.state.db.session() as session:
            _, password = accounts.create_user(
                session, session.get_one(User, user.id), username, role, team or None
            )
    except InvalidInput as exc:
        with request.app.state.db.session() as session:
            users = [accounts.user_dict(u) for u in accounts.list_users(session)]
        return _page(request, user, "users.html", status_code=422, users=users, created=None, error=str(exc))
    with request.app.state.db.session() as session:
        users = [accounts.user_dict(u) for u in accounts.list_users(session)]
    return _page(
        request, user, "users.html", users=users, created={"username": username, "password": password}
    )


def _act(request: Request, user: User, call_id: str, action) -> object:  # type: ignore[no-untyped-def]
    """Run one workflow action as `user`; back to the call page, or the reason with 409/403/404."""
    try:
        with request.app.state.db.session() as session:
            action(session, session.get_one(User, user.id))
    except NotFound:
        raise HTTPException(404, "no such call") from None
    except PermissionDenied as exc:
        raise HTTPException(403, exc.reason) from None
    except (TransitionError, InvalidInput) as exc:
        status = 409 if isinstance(exc, TransitionError) else 422
        return render_call(request, user, call_id, review_error=exc.reason, status_code=status)
    return RedirectResponse(f"/calls/{call_id}", status_code=303)


@router.post("/calls/{call_id}/claim", dependencies=[Depends(require_csrf)])
def claim(request: Request, user: CurrentUser, call_id: str):  # type: ignore[no-untyped-def]
    return _act(request, user, call_id, lambda s, u: workflow.claim(s, u, call_id))


@router.post("/calls/{call_id}/reassign", dependencies=[Depends(require_csrf)])
def reassign(request: Request, user: CurrentUser, call_id: str, owner: Annotated[str, Form(max_length=100)]):  # type: ignore[no-untyped-def]
    return _act(request, user, call_id, lambda s, u: workflow.reassign(s, u, call_id, owner))


@router.post("/calls/{call_id}/violations/{violation_id}", dependencies=[Depends(require_csrf)])
def decide(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    call_id: str,
    violation_id: int,
    decision: Annotated[str, Form(pattern="^(confirmed|false_positive)$")],
    comment: OptionalText = "",
):
    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.decide_violation(s, u, violation_id, decision, comment or None)

    return _act(request, user, call_id, act)


@router.post("/calls/{call_id}/verdict", dependencies=[Depends(require_csrf)])
def verdict(request: Request, user: CurrentUser, call_id: str):  # type: ignore[no-untyped-def]
    return _act(request, user, call_id, lambda s, u: workflow.submit_verdict(s, u, call_id))


@router.post("/calls/{call_id}/escalate", dependencies=[Depends(require_csrf)])
def escalate(request: Request, user: CurrentUser, call_id: str, proposed_action: OptionalText = ""):  # type: ignore[no-untyped-def]
    return _act(request, user, call_id, lambda s, u: workflow.escalate(s, u, call_id, proposed_action))


@router.post("/calls/{call_id}/escalation", dependencies=[Depends(require_csrf)])
def escalation(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    call_id: str,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    comment: OptionalText = "",
):
    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.decide_escalation(s, u, call_id, decision == "approve", comment or None)

    return _act(request, user, call_id, act)


@router.post("/calls/{call_id}/appeal", dependencies=[Depends(require_csrf)])
def appeal(request: Request, user: CurrentUser, call_id: str, reason: OptionalText = ""):  # type: ignore[no-untyped-def]
    days = request.app.state.ws.settings.appeal_window_days
    return _act(request, user, call_id, lambda s, u: workflow.appeal(s, u, call_id, reason, window_days=days))


@router.post("/calls/{call_id}/appeal/decision", dependencies=[Depends(require_csrf)])
def appeal_decision(  # type: ignore[no-untyped-def]
    request: Request,
    user: CurrentUser,
    call_id: str,
    outcome: Annotated[str, Form(pattern="^(uphold|overturn)$")],
    comment: OptionalText = "",
):
    return _act(request, user, call_id,
                lambda s, u: workflow.decide_appeal(s, u, call_id, outcome, comment or None))  # fmt: skip


@router.post("/calls/{call_id}/final", dependencies=[Depends(require_csrf)])
def final(request: Request, user: CurrentUser, call_id: str, comment: OptionalText = ""):  # type: ignore[no-untyped-def]
    return _act(request, user, call_id, lambda s, u: workflow.final_judgement(s, u, call_id, comment or None))
