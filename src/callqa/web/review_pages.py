"""Review pages: my queue (with bulk reassignment), the escalation queue, appeals, review actions on
a call, rules.

Every action is a plain HTML form (CSRF token included) that posts here and returns to the call
page, or to the queue page it was on. The domain layer (callqa.review) decides what is allowed; a
refusal propagates to the one error handler (callqa.web.errors), which shows the call page again
with the reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from callqa.errors import InvalidInput, TransitionError
from callqa.pipeline.recheck import Selection
from callqa.review import workflow
from callqa.review.cases import queue_record
from callqa.review.precision import RuleFigures, phrasing_suggestions, rule_precision
from callqa.rules.active import learned_rules
from callqa.rules.learned.versions import list_versions
from callqa.store.models import User, db_now
from callqa.store.queries import DEFAULT_QUEUE_SORT, QUEUE_SORTS, CaseFilters, CaseRow, hits_of, page_cases
from callqa.store.records import violation_record
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


PAGE_SIZE = 50
SCOPES = {"mine": "我的", "unassigned": "待认领", "all": "全部"}
SCOPE = "^(mine|unassigned|all)?$"
ORIGIN = "^(flagged|sample)?$"
SORT = f"^({'|'.join(QUEUE_SORTS)})?$"
BACK = "^(call|appeals|escalations)?$"  # where a queue page's form returns to on success
ESCALATION_LIMIT = 100  # cases of each kind on the escalation queue, oldest first


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _hit_records(session: Session, viewer: Viewer, rows: list[CaseRow]) -> dict[int, list[dict[str, object]]]:
    """Per case id, its call's hits as records (one query for the page's cases)."""
    decided = {r.case.id: {d.violation_id: d.decision for d in r.case.decisions} for r in rows}
    found = hits_of(session, viewer.user, [r.case.call_pk for r in rows])
    return {
        r.case.id: [
            violation_record(v, viewer.mask, decided[r.case.id].get(v.id)) for v in found[r.case.call_pk]
        ]
        for r in rows
    }


@router.get("/review")
def my_queue(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    scope: Annotated[str, Query(pattern=SCOPE)] = "",
    origin: Annotated[str, Query(pattern=ORIGIN)] = "",
    sort: Annotated[str, Query(pattern=SORT)] = "",
    finished: bool = False,
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    moved: Annotated[int | None, Query(ge=0, le=workflow.MAX_BULK)] = None,
):
    """我的复核: the review queue, paged and sorted in SQL (`page_cases`). `scope`: my cases (the
    default for those who own cases), unassigned ones, or all the viewer may see; `finished` adds
    the cases whose review is over. Supervisors select cases here and reassign them in bulk."""
    scope = scope or ("mine" if viewer.role in workflow.OWNER_ROLES else "all")
    sort = sort or DEFAULT_QUEUE_SORT
    filters = CaseFilters(
        states=("unassigned",) if scope == "unassigned" else (),
        owner_id=viewer.user.id if scope == "mine" else None,
        origin=origin or None,
        finished=finished,
    )
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        found = page_cases(session, actor, filters, sort, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
        now = db_now()
        rows = [queue_record(r, viewer.mask, now) for r in found.rows]
        owners = []
        if viewer.role == "supervisor":
            owners = [u.username for u in workflow.owner_candidates(session)]
    query = {"scope": scope, "origin": origin, "sort": sort} | ({"finished": "1"} if finished else {})
    return page(
        request,
        viewer,
        "review.html",
        rows=rows,
        total=found.total,
        page=page_no,
        pages=_pages(found.total),
        query=query,
        scope=scope,
        origin=origin,
        sort=sort,
        finished=finished,
        owners=owners,
        moved=moved,
        SCOPES=SCOPES,
    )


@router.post("/review/reassign", dependencies=CSRF)
def reassign_many(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    owner: Annotated[str, Form(max_length=100)],
    reason: OptionalText = "",
    call: Annotated[list[str], Form(max_length=workflow.MAX_BULK)] = [],  # noqa: B006 (FastAPI's form default)
    scope: Annotated[str, Form(pattern=SCOPE)] = "",
    origin: Annotated[str, Form(pattern=ORIGIN)] = "",
    sort: Annotated[str, Form(pattern=SORT)] = "",
    finished: Annotated[str, Form(pattern="^1?$")] = "",
):
    """批量改派 from the queue: the selected cases to one owner, with the required reason (audited
    per case); back to the queue as it was, saying how many moved."""
    with request.app.state.db.session() as session:
        moved = workflow.reassign_many(session, viewer.actor(session), call, owner, reason)
    back = {"scope": scope, "origin": origin, "sort": sort, "finished": finished, "moved": len(moved)}
    return RedirectResponse(
        "/review?" + urlencode({k: v for k, v in back.items() if v != ""}), status_code=303
    )


@router.get("/escalations")
def escalations_page(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """升级与申诉: what awaits a supervisor's decision, oldest first — escalations (approve, which
    closes the case, or reject) and appeals (the 终审 on each contested violation)."""
    viewer.require("supervisor")
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        now = db_now()
        queues: dict[str, dict[str, object]] = {}
        hits: dict[int, list[dict[str, object]]] = {}
        for state in ("escalated", "appealed"):
            found = page_cases(session, actor, CaseFilters(states=(state,)), "age", ESCALATION_LIMIT)
            rows = [
                queue_record(r, viewer.mask, now) | {"own": workflow.decided_by(actor, r.case)}
                for r in found.rows
            ]
            queues[state] = {"total": found.total, "rows": rows}
            hits |= _hit_records(session, viewer, found.rows)
    return page(
        request,
        viewer,
        "escalations.html",
        escalated=queues["escalated"],
        appealed=queues["appealed"],
        hits=hits,
    )


@router.get("/review/next")
def next_case(request: Request, viewer: CurrentViewer) -> RedirectResponse:
    """提交并下一条: the first open case I own, in my queue's order (`page_cases`); the queue itself
    when none is left."""
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        mine = CaseFilters(states=("open",), owner_id=actor.id)
        rows = page_cases(session, actor, mine, limit=1).rows
        if not rows:
            return RedirectResponse("/review", status_code=303)
        call = rows[0].case.call
        ref = viewer.mask.call_ref(call.call_id, call.id)
    return RedirectResponse(f"/calls/{quote(ref, safe='~')}", status_code=303)


@router.get("/appeals")
def appeals_page(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
):
    """申诉: for a team lead, the confirmed verdicts of their team still open to appeal, each with the
    form to appeal chosen violations; for everyone, the cases with appeals and the 终审 on each
    contested violation."""
    window = request.app.state.ws.settings.appeal_window_days
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        now = db_now()
        appealable: dict[str, object] = {"total": 0, "rows": []}
        shown: list[CaseRow] = []
        if viewer.role == "team_lead":
            open_to_appeal = CaseFilters(
                states=("submitted", "decided"),
                verdict="confirmed",
                verdict_since=now - timedelta(days=window),
            )
            found = page_cases(session, actor, open_to_appeal, "age", PAGE_SIZE)
            appealable = {
                "total": found.total,
                "rows": [_with_deadline(r, viewer, window) for r in found.rows],
            }
            shown += found.rows
        offset = (page_no - 1) * PAGE_SIZE
        appealed = page_cases(session, actor, CaseFilters(appealed=True), "age", PAGE_SIZE, offset)
        shown += appealed.rows
        records = {
            "total": appealed.total,
            "rows": [queue_record(r, viewer.mask, now) for r in appealed.rows],
        }
        hits = _hit_records(session, viewer, shown)
    return page(
        request,
        viewer,
        "appeals.html",
        appealable=appealable,
        appealed=records,
        hits=hits,
        window_days=window,
        page=page_no,
        pages=_pages(appealed.total),
    )


def _with_deadline(row: CaseRow, viewer: Viewer, window: int) -> dict[str, object]:
    deadline = workflow.appeal_deadline(row.case, window)
    shown = f"{deadline:%Y-%m-%d %H:%M}（世界协调时）" if deadline else None
    return queue_record(row, viewer.mask) | {"deadline": shown}


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
    fields = ("id", "name", "category", "severity", "deduction", "auto_confirm")
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


def _act(request: Request, viewer: Viewer, call_id: str, action, back: str = "") -> RedirectResponse:  # type: ignore[no-untyped-def]
    """Run one workflow action as the viewer, then back to the call page (or to the queue page
    `back` names, when the form was on one)."""
    with request.app.state.db.session() as session:
        actor = viewer.actor(session)
        action(session, actor)
        ref = viewer.mask.call_ref(*_call_names(session, actor, call_id))
    target = f"/{back}" if back in ("appeals", "escalations") else f"/calls/{ref}"
    return RedirectResponse(target, status_code=303)


def _call_names(session, actor: User, ref: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    call = get_visible_call(session, actor, ref)
    return call.call_id, call.id


@router.post("/calls/{call_id}/claim", dependencies=CSRF)
def claim(request: Request, viewer: CurrentViewer, call_id: str):  # type: ignore[no-untyped-def]
    return _act(request, viewer, call_id, lambda s, u: workflow.claim(s, u, call_id))


@router.post("/calls/{call_id}/reassign", dependencies=CSRF)
def reassign(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    owner: Annotated[str, Form(max_length=100)],
    reason: OptionalText = "",
):
    return _act(
        request, viewer, call_id, lambda s, u: workflow.reassign(s, u, call_id, owner, reason or None)
    )


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


Back = Annotated[str, Form(pattern=BACK)]


@router.post("/calls/{call_id}/escalation", dependencies=CSRF)
def escalation(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    comment: OptionalText = "",
    back: Back = "",
):
    """Approve (which closes the case) or reject an escalation's proposed action."""

    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.decide_escalation(s, u, call_id, decision == "approve", comment or None)

    return _act(request, viewer, call_id, act, back)


@router.post("/calls/{call_id}/appeal", dependencies=CSRF)
def appeal(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    reason: OptionalText = "",
    violation: Annotated[list[int], Form(max_length=1000)] = [],  # noqa: B006 (FastAPI's form default)
    picked: Annotated[str, Form(pattern="^1?$")] = "",
    back: Back = "",
):
    """File an appeal against the chosen confirmed violations (`violation`, at least one when the
    form offers a choice: `picked`); without a choice, against every confirmed one."""
    days = request.app.state.ws.settings.appeal_window_days
    chosen = violation if (picked or violation) else None

    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.appeal(s, u, call_id, reason, violation_ids=chosen, window_days=days)

    return _act(request, viewer, call_id, act, back)


@router.post("/calls/{call_id}/appeal/decision", dependencies=CSRF)
def appeal_decision(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    call_id: str,
    outcome: Annotated[str, Form(pattern="^(uphold|overturn)?$")] = "",
    violation: Annotated[list[int], Form(max_length=1000)] = [],  # noqa: B006
    hit_outcome: Annotated[list[str], Form(max_length=1000)] = [],  # noqa: B006
    comment: OptionalText = "",
    back: Back = "",
):
    """The 终审 on a pending appeal: `outcome` for every contested violation, or one `hit_outcome`
    (uphold / overturn) per contested `violation`, in the same order."""
    per_hit = None
    if not outcome:
        if len(violation) != len(hit_outcome) or not all(o in workflow.APPEAL_OUTCOMES for o in hit_outcome):
            raise InvalidInput("请对申诉的每一条违规作出终审（维持或改判）")
        per_hit = dict(zip(violation, hit_outcome, strict=True))

    def act(s, u):  # type: ignore[no-untyped-def]
        return workflow.decide_appeal(s, u, call_id, outcome or None, comment or None, per_hit=per_hit)

    return _act(request, viewer, call_id, act, back)


@router.post("/calls/{call_id}/final", dependencies=CSRF)
def final(request: Request, viewer: CurrentViewer, call_id: str, comment: OptionalText = ""):  # type: ignore[no-untyped-def]
    return _act(
        request, viewer, call_id, lambda s, u: workflow.final_judgement(s, u, call_id, comment or None)
    )
