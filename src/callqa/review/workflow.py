"""The review workflow's transitions (see the table in ``callqa.review``).

Every function takes the caller's Session (the caller commits), checks in this order — the actor's
account is active (PermissionDenied), the call is visible to them (NotFound), their role and
ownership (PermissionDenied), the case's state and the action's preconditions (TransitionError) —
then changes the case and appends an audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callqa.errors import InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.review import audit
from callqa.review.cases import case_dict, case_of, reviewed_score
from callqa.review.sampling import draw_point, is_drawn
from callqa.rules.model import SEVERITIES, TEXT_CATEGORIES
from callqa.store.models import (
    ACTIVE_CASE_STATES,
    DECISIONS,
    Appeal,
    AppealHit,
    Call,
    ReviewCase,
    User,
    Violation,
    ViolationDecision,
    db_now,
)
from callqa.store.visibility import get_visible_call, restrict

APPEAL_WINDOW_DAYS = 3
OWNER_ROLES = ("inspector", "supervisor")  # who may own (and so decide) a case
APPEAL_OUTCOMES = {"uphold": "upheld", "overturn": "overturned"}  # the 终审 on one contested violation
MAX_BULK = 500  # cases one bulk reassignment may name
# what an inspector may record as missed on a sampled call: the categories found in the words (the
# others come from call metadata and cannot be missed)
MISSED_CATEGORIES = TEXT_CATEGORIES
SPEAKERS = ("agent", "customer")
MANUAL_RULE = "manual"  # rule_id of a violation recorded by an inspector
SYSTEM = "system"


def _require_role(actor: User, *roles: str) -> None:
    if not actor.active:
        raise PermissionDenied("this account is disabled")
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role} may not do this; needs {' or '.join(roles)}")


def _require_owner(actor: User, case: ReviewCase) -> None:
    if case.owner_id != actor.id:
        owner = case.owner.username if case.owner else "nobody"
        raise PermissionDenied(f"this case is owned by {owner}")


def decided_by(actor: User, case: ReviewCase) -> bool:
    """Whether `actor` submitted the case's verdict or decided any of its violations."""
    return case.submitted_by == actor.id or any(d.decided_by == actor.id for d in case.decisions)


def _require_second_pair_of_eyes(actor: User, case: ReviewCase) -> None:
    """Four eyes: the supervisor who judges a case finally (escalation, appeal, 终审) must not be the
    one who submitted its verdict or decided any of its violations (e.g. after reassigning it to
    themselves)."""
    if decided_by(actor, case):
        raise PermissionDenied("you decided this case yourself: another supervisor must judge it")


def _require_state(case: ReviewCase, *states: str, why: str = "") -> None:
    if case.state not in states:
        reason = why or f"needs state {' or '.join(states)}"
        raise TransitionError(f"this case is {case.state}: {reason}")


def _open_case(session: Session, actor: User, call_id: str, *roles: str) -> ReviewCase:
    """Active account → visible call → role → the call's case (TransitionError when it has none)."""
    if not actor.active:
        raise PermissionDenied("this account is disabled")
    call = get_visible_call(session, actor, call_id)
    _require_role(actor, *roles)
    case = case_of(session, call)
    if case is None:
        raise TransitionError(f"this call is not under review (status {call.status})")
    return case


def _record(
    session: Session,
    actor: audit.Actor,
    action: str,
    case: ReviewCase,
    before: object,
    **extra: object,
) -> None:
    """Audit a change of `case`: its snapshot before and after, plus `extra` (a reason) in the after."""
    session.flush()
    session.refresh(case)  # relationships (owner, decisions, appeals) as now stored
    audit.append(session, actor, action, "review_case", case.call.call_id, before, case_dict(case) | extra)


def _give_verdict(case: ReviewCase, actor_id: int | None) -> None:
    """Set the verdict from the case's decisions (the caller flushed and refreshed them), with the
    score after review; `actor_id` None: the system gave it."""
    decided = [d.decision for d in case.decisions]
    case.verdict = "confirmed" if "confirmed" in decided else _nothing_found(case)
    case.state, case.submitted_by, case.submitted_at = "submitted", actor_id, db_now()
    case.score = reviewed_score(case)


# --- assignment ----------------------------------------------------------------------------------


def _active_inspectors(session: Session) -> list[User]:
    query = select(User).where(User.role == "inspector", User.active.is_(True)).order_by(User.id)
    return list(session.scalars(query))


def _next_inspector(session: Session, inspectors: list[User] | None = None) -> User | None:
    """The active inspector after the one the rotation picked last (by id, wrapping round)."""
    inspectors = _active_inspectors(session) if inspectors is None else inspectors
    if not inspectors:
        return None
    last = session.scalar(
        select(ReviewCase.rotation_owner_id)
        .where(ReviewCase.rotation_owner_id.is_not(None))
        .order_by(ReviewCase.id.desc())
        .limit(1)
    )
    return next((u for u in inspectors if last is not None and u.id > last), inspectors[0])


def _new_case(session: Session, call: Call, origin: str, owner: User | None, action: str) -> ReviewCase:
    case = ReviewCase(
        call_pk=call.id,
        state="open" if owner else "unassigned",
        origin=origin,
        owner_id=owner.id if owner else None,
        rotation_owner_id=owner.id if owner else None,
        created_at=db_now(),
    )
    session.add(case)
    _record(session, SYSTEM, action, case, None)
    return case


def assign_round_robin(session: Session, call: Call, origin: str = "flagged") -> ReviewCase:
    """Open the case of a newly flagged call (or of a clean call drawn for 抽检, origin 'sample'),
    owned by the next active inspector in rotation (unassigned, to be claimed, when there is none)."""
    needs = "clean" if origin == "sample" else "flagged"
    if call.status != needs:
        raise TransitionError(f"this call is {call.status}: only {needs} calls get a {origin} case")
    if case_of(session, call) is not None:
        raise TransitionError("this call already has a review case")
    action = "case.sample" if origin == "sample" else "case.auto_assign"
    return _new_case(session, call, origin, _next_inspector(session), action)


def assign_backlog(session: Session) -> int:
    """Give every unassigned case to the active inspectors in rotation; returns how many it gave.

    Unassigned cases are those flagged while no inspector was active, and those whose owner could no
    longer own them when new hits reopened them. This runs when an inspector account is created or
    enabled again, when `callqa serve` starts and after every processing run or recheck, so no case
    waits for someone to claim it while an inspector exists. Audited as the system; a case claimed
    meanwhile by someone (a conditional update) is left to them."""
    backlog = list(
        session.scalars(select(ReviewCase).where(ReviewCase.state == "unassigned").order_by(ReviewCase.id))
    )
    inspectors = _active_inspectors(session) if backlog else []
    if not inspectors:
        return 0
    start = inspectors.index(_next_inspector(session, inspectors))  # type: ignore[arg-type]
    given = 0
    for case in backlog:
        inspector = inspectors[(start + given) % len(inspectors)]
        before = case_dict(case)
        taken = session.execute(
            update(ReviewCase)
            .where(ReviewCase.id == case.id, ReviewCase.state == "unassigned")
            .values(state="open", owner_id=inspector.id, rotation_owner_id=inspector.id)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            _record(session, SYSTEM, "case.auto_assign", case, before)
            given += 1
    return given


def on_call_processed(
    session: Session, call: Call, sample_rate: float = 0.0, auto_confirm: frozenset[str] = frozenset()
) -> ReviewCase | None:
    """Pipeline hook after a call's result is stored: a flagged call gets its case, and a clean call
    drawn at `sample_rate` a 抽检 case (idempotent: a call keeps the case it has). A flagged call
    whose every hit is of a rule in `auto_confirm` gets a case without an owner: the system gives its
    verdict (`confirm_automatically`), so it takes no inspector's turn."""
    if call.status not in ("flagged", "clean"):
        return None
    existing = case_of(session, call)
    if existing is not None:
        return existing
    if call.status == "flagged":
        hits = _current_hits(call)
        if auto_confirm and hits and all(v.rule_id in auto_confirm for v in hits):
            return _new_case(session, call, "flagged", None, "case.open")
        return assign_round_robin(session, call)
    return assign_round_robin(session, call, "sample") if is_drawn(call, sample_rate) else None


def sample_clean_calls(session: Session, rate: float, since: date | None = None) -> int:
    """Draw over the clean calls already processed (of `since` or later, by the call's own day) and
    open a 抽检 case for each drawn one that has no case yet; returns how many were opened. The
    draw is per recording, so running it again (at the same or a lower rate) opens none."""
    query = select(Call.id, Call.content_sha256).where(
        Call.status == "clean", ~Call.id.in_(select(ReviewCase.call_pk))
    )
    if since is not None:
        query = query.where(Call.local_date >= since.isoformat())
    drawn = [pk for pk, sha in session.execute(query.order_by(Call.id)) if draw_point(sha) < rate]
    for pk in drawn:
        assign_round_robin(session, session.get_one(Call, pk), "sample")
    return len(drawn)


REOPENABLE = ("submitted", "escalated", "decided")  # a verdict given, not final, no appeal pending


def _current_hits(call: Call) -> list[Violation]:
    """The call's hits a recheck still finds, and those a person added."""
    return [v for v in call.violations if v.vanished_at is None]


def _undecided(case: ReviewCase) -> list[Violation]:
    decided = {d.violation_id for d in case.decisions}
    return [v for v in _current_hits(case.call) if v.id not in decided]


def confirm_automatically(session: Session, case: ReviewCase, auto_confirm: frozenset[str]) -> int:
    """The system confirms the case's undecided current hits of the rules in `auto_confirm` (rules a
    pack marks `auto_confirm: true`: precise enough to skip manual review), each audited as
    `violation.auto_confirm`; returns how many. Only while a verdict can still change: on a case
    under review, or one with a verdict that is not final and has no appeal pending.

    Then, on a case under review whose every current hit the system has confirmed and that no person
    has decided anything on, the system gives the verdict (confirmed, `case.auto_verdict`); on a case
    with a verdict and nothing left undecided, the verdict becomes confirmed (if it was not) and its
    score counts the new confirmations, without reopening it."""
    if not auto_confirm or case.state not in (*ACTIVE_CASE_STATES, *REOPENABLE):
        return 0
    fresh = [v for v in _undecided(case) if v.source == "rule" and v.rule_id in auto_confirm]
    for violation in fresh:
        session.add(
            ViolationDecision(
                violation_id=violation.id,
                case_id=case.id,
                decision="confirmed",
                comment="规则设为自动确认，免人工复核",
                decided_by=None,
                decided_at=db_now(),
            )
        )
        after = {"call_id": case.call.call_id, "rule_id": violation.rule_id, "decision": "confirmed"}
        audit.append(session, SYSTEM, "violation.auto_confirm", "violation", violation.id, None, after)
    if not fresh:
        return 0
    session.flush()
    session.refresh(case)
    if _undecided(case):
        return len(fresh)
    before = case_dict(case)
    if case.state in ACTIVE_CASE_STATES and all(d.decided_by is None for d in case.decisions):
        _give_verdict(case, None)
        _record(session, SYSTEM, "case.auto_verdict", case, before)
    elif case.state in REOPENABLE:
        case.verdict, case.score = "confirmed", reviewed_score(case)
        _record(session, SYSTEM, "case.auto_verdict", case, before)
    return len(fresh)


def on_hits_stored(
    session: Session,
    call: Call,
    new_hits: int,
    actor: audit.Actor = SYSTEM,
    sample_rate: float = 0.0,
    auto_confirm: frozenset[str] = frozenset(),
) -> str | None:
    """Pipeline hook after a call's hits are stored (first processing or a recheck); returns what
    happened to its case: 'opened', 'reopened', 'withdrawn' or None.

    - A call without a case gets one as `on_call_processed` gives it (flagged, or drawn for 抽检 at
      `sample_rate`; a recheck passes 0: drawing over processed calls is `sample_clean_calls`).
    - A call now clean whose flagged case nobody has decided anything on loses that case: nothing
      was reviewed, and a later run that flags it again opens a fresh one.
    - Hits of the rules in `auto_confirm` are confirmed by the system (`confirm_automatically`).
    - New hits left undecided on a case whose verdict is given but not final (REOPENABLE) reopen it
      to its owner (unassigned when there is none, or the owner may no longer own cases): a verdict
      must cover every hit. A final case or one with an appeal pending keeps its state; the new hits
      show, undecided."""
    case = case_of(session, call)
    if case is None:
        opened = on_call_processed(session, call, sample_rate, auto_confirm)
        if opened is not None:
            confirm_automatically(session, opened, auto_confirm)
        return "opened" if opened else None
    if call.status == "clean" and case.origin == "flagged" and not case.decisions and not case.appeals:
        audit.append(session, actor, "case.withdraw", "review_case", call.call_id, case_dict(case), None)
        session.delete(case)
        return "withdrawn"
    confirm_automatically(session, case, auto_confirm)
    if new_hits and case.state in REOPENABLE and _undecided(case):
        before = case_dict(case)
        owner = case.owner
        keeps = owner is not None and owner.active and owner.role in OWNER_ROLES
        case.state, case.owner_id = ("open", owner.id) if keeps else ("unassigned", None)  # type: ignore[union-attr]
        case.verdict, case.submitted_by, case.submitted_at, case.score = None, None, None, None
        case.proposed_action, case.escalated_at, case.escalation_decision = None, None, None
        case.escalation_comment, case.escalation_decided_by, case.escalation_decided_at = None, None, None
        _record(session, actor, "case.reopen", case, before)
        return "reopened"
    return None


def claim(session: Session, actor: User, call_id: str) -> ReviewCase:
    """An inspector takes an unowned case (or opens the case of a flagged call that has none)."""
    if not actor.active:
        raise PermissionDenied("this account is disabled")
    call = get_visible_call(session, actor, call_id)
    _require_role(actor, "inspector")
    case = case_of(session, call)
    if case is None:
        if call.status != "flagged":
            raise TransitionError(f"this call is {call.status}: only flagged calls are reviewed")
        case = ReviewCase(call_pk=call.id, state="open", owner_id=actor.id, created_at=db_now())
        session.add(case)
        _record(session, actor, "case.claim", case, None)
        return case
    if case.owner_id is not None:
        holder = "you" if case.owner_id == actor.id else case.owner.username  # type: ignore[union-attr]
        raise TransitionError(f"this case is already owned by {holder}")
    _require_state(case, "unassigned")
    before = case_dict(case)
    taken = session.execute(  # conditional: of two concurrent claims exactly one updates the row
        update(ReviewCase)
        .where(ReviewCase.id == case.id, ReviewCase.owner_id.is_(None))
        .values(owner_id=actor.id, state="open")
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise TransitionError("this case was claimed by someone else")
    _record(session, actor, "case.claim", case, before)
    return case


def reassign(
    session: Session, actor: User, call_id: str, to_username: str, reason: str | None = None
) -> ReviewCase:
    """A supervisor gives a case not yet submitted to another active inspector or supervisor; the
    reason, if given, is in the audit entry."""
    case = _open_case(session, actor, call_id, "supervisor")
    target = _owner_to_be(session, to_username)
    _require_state(case, "unassigned", "open", why="the verdict is already submitted")
    if case.owner_id == target.id:
        raise TransitionError(f"this case is already owned by {to_username}")
    _hand_over(session, actor, case, target, (reason or "").strip() or None)
    return case


def owner_candidates(session: Session) -> list[User]:
    """Who may be given a case: the active inspectors and supervisors, by name."""
    query = select(User).where(User.active.is_(True), User.role.in_(OWNER_ROLES)).order_by(User.username)
    return list(session.scalars(query))


def _owner_to_be(session: Session, username: str) -> User:
    target = session.scalar(select(User).where(User.username == username))
    if target is None:
        raise NotFound(f"no user {username!r}")
    if not target.active or target.role not in OWNER_ROLES:
        raise InvalidInput(f"{username} cannot own a case: needs an active inspector or supervisor")
    return target


def _hand_over(session: Session, actor: User, case: ReviewCase, target: User, reason: str | None) -> None:
    before = case_dict(case)
    case.owner_id, case.state = target.id, "open"
    extra = {"reason": reason} if reason else {}
    _record(session, actor, "case.reassign", case, before, **extra)


def reassign_many(
    session: Session, actor: User, call_ids: list[str], to_username: str, reason: str
) -> list[ReviewCase]:
    """A supervisor gives several cases not yet submitted to one inspector or supervisor, with a
    reason (required), audited per case. All or nothing: a case that cannot be reassigned refuses
    the whole batch, naming it; cases the target already owns are left as they are. Returns the
    cases reassigned."""
    if not actor.active:
        raise PermissionDenied("this account is disabled")
    _require_role(actor, "supervisor")
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("请填写改派原因")
    names = list(dict.fromkeys(c for c in call_ids if c))
    if not names:
        raise InvalidInput("请至少选择一件复核任务")
    if len(names) > MAX_BULK:
        raise InvalidInput(f"一次最多改派 {MAX_BULK} 件")
    target = _owner_to_be(session, to_username)
    moved = []
    for name in names:
        try:
            case = _open_case(session, actor, name, "supervisor")
            _require_state(case, "unassigned", "open", why="the verdict is already submitted")
        except (NotFound, TransitionError) as exc:
            raise type(exc)(f"通话 {name}：{exc.reason}（本次未改派任何任务）") from None
        if case.owner_id != target.id:
            _hand_over(session, actor, case, target, why)
            moved.append(case)
    return moved


# --- review by the owner -------------------------------------------------------------------------


def decide_violation(
    session: Session, actor: User, violation_id: int, decision: str, comment: str | None = None
) -> ViolationDecision:
    """The owner marks one violation of an open case confirmed or false_positive (may change it
    until the verdict is submitted)."""
    if not actor.active:
        raise PermissionDenied("this account is disabled")
    # a violation on a call the actor may not see does not exist for them: same answer, no call id
    visible = restrict(select(Violation).join(Violation.call).where(Violation.id == violation_id), actor)
    violation = session.scalar(visible)
    if violation is None:
        raise NotFound(f"no violation {violation_id}")
    case = _open_case(session, actor, violation.call.call_id, *OWNER_ROLES)
    _require_owner(actor, case)
    _require_state(case, "open", why="violations are decided only before the verdict is submitted")
    if decision not in DECISIONS:
        raise InvalidInput(f"unknown decision {decision!r}; one of {', '.join(DECISIONS)}")
    row = session.scalar(select(ViolationDecision).where(ViolationDecision.violation_id == violation_id))
    before = None if row is None else {"decision": row.decision, "comment": row.comment}
    if row is None:
        row = ViolationDecision(violation_id=violation_id, case_id=case.id)
        session.add(row)
    row.decision, row.comment = decision, (comment or "").strip() or None
    row.decided_by, row.decided_at = actor.id, db_now()
    after = {
        "call_id": case.call.call_id,
        "rule_id": violation.rule_id,
        "decision": decision,
        "comment": row.comment,
    }
    audit.append(session, actor, "violation.decide", "violation", violation_id, before, after)
    return row


def _nothing_found(case: ReviewCase) -> str:
    """The verdict when no violation stands: a flagged call's hits were all false positives; a sampled
    call was clean (the system missed nothing)."""
    return "clean" if case.origin == "sample" else "all_false_positive"


def record_missed_violation(
    session: Session,
    actor: User,
    call_id: str,
    *,
    category: str,
    speaker: str,
    text: str,
    explanation: str | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    severity: str = "medium",
) -> ViolationDecision:
    """The owner of an open 抽检 case records a violation the system missed (补录漏检违规): a new
    violation with source 'inspector', confirmed by them. It counts as a confirmed violation from then
    on (verdict, escalation, appeal), and the owner may still mark it a false positive before
    submitting. Times are optional (0 when not given); the call's score and status stay what the
    system found, so the miss stays measurable."""
    case = _open_case(session, actor, call_id, *OWNER_ROLES)
    _require_owner(actor, case)
    _require_state(case, "open", why="violations are recorded only before the verdict is submitted")
    if case.origin != "sample":
        raise TransitionError("missed violations are recorded on 抽检 (sampled) cases only")
    words = (text or "").strip()
    if category not in MISSED_CATEGORIES:
        raise InvalidInput(f"unknown category {category!r}; one of {', '.join(MISSED_CATEGORIES)}")
    if speaker not in SPEAKERS:
        raise InvalidInput(f"unknown speaker {speaker!r}; one of {', '.join(SPEAKERS)}")
    if severity not in SEVERITIES:
        raise InvalidInput(f"unknown severity {severity!r}; one of {', '.join(SEVERITIES)}")
    if not words:
        raise InvalidInput("say what was said: the words of the missed violation")
    start = 0.0 if start_s is None else start_s
    end = start if end_s is None else end_s
    length = case.call.duration_s
    if not 0 <= start <= end or (length is not None and end > length + 1):
        raise InvalidInput(
            f"time out of range: needs 0 <= start <= end <= the call's length ({length or 0:.0f} s)"
        )
    note = (explanation or "").strip() or words
    violation = Violation(
        call_pk=case.call_pk,
        rule_id=MANUAL_RULE,
        rule_name="质检员补录",
        category=category,
        severity=severity,
        deduction=0,
        speaker=speaker,
        start_s=start,
        end_s=end,
        text=words,
        explanation=f"质检员补录：{note}",
        source="inspector",
    )
    session.add(violation)
    session.flush()
    row = ViolationDecision(
        violation_id=violation.id,
        case_id=case.id,
        decision="confirmed",
        decided_by=actor.id,
        decided_at=db_now(),
    )
    session.add(row)
    after = {
        "call_id": case.call.call_id,
        "category": category,
        "severity": severity,
        "speaker": speaker,
        "start_s": start,
        "end_s": end,
        "text": words,
        "explanation": violation.explanation,
        "decision": "confirmed",
    }
    audit.append(session, actor, "violation.add_missed", "violation", violation.id, None, after)
    return row


def submit_verdict(session: Session, actor: User, call_id: str) -> ReviewCase:
    """The owner closes the review: confirmed if any violation is confirmed, else all_false_positive
    (a flagged call) or clean (a sampled one: 未发现违规)."""
    case = _open_case(session, actor, call_id, *OWNER_ROLES)
    _require_owner(actor, case)
    _require_state(case, "open", why="the verdict is already submitted")
    decided = {d.violation_id: d.decision for d in case.decisions}
    undecided = [v.id for v in case.call.violations if v.id not in decided]
    if undecided:
        ids = ", ".join(map(str, undecided))
        raise TransitionError(f"decide every violation first; undecided: {ids}")
    before = case_dict(case)
    _give_verdict(case, actor.id)
    _record(session, actor, "case.submit", case, before)
    return case


def escalate(session: Session, actor: User, call_id: str, proposed_action: str) -> ReviewCase:
    """The owner refers a confirmed verdict to a supervisor, proposing in writing what to do."""
    case = _open_case(session, actor, call_id, *OWNER_ROLES)
    _require_owner(actor, case)
    _require_state(case, "submitted", why="only a submitted verdict can be escalated, once")
    if case.verdict != "confirmed":
        raise TransitionError("nothing to escalate: no violation was confirmed")
    if not (proposed_action or "").strip():
        raise TransitionError("an escalation needs a written proposed action")
    before = case_dict(case)
    case.state, case.proposed_action, case.escalated_at = "escalated", proposed_action.strip(), db_now()
    _record(session, actor, "case.escalate", case, before)
    return case


# --- supervisor and team lead ----------------------------------------------------------------------


def decide_escalation(
    session: Session, actor: User, call_id: str, approve: bool, comment: str | None = None
) -> ReviewCase:
    """A supervisor approves or rejects the proposed action of an escalated case. Approving closes
    the case (final, outcome 'approved': the supervisor's judgement, no appeal after it); after a
    rejection the verdict stands and may still be appealed or closed by a 终审."""
    case = _open_case(session, actor, call_id, "supervisor")
    _require_second_pair_of_eyes(actor, case)
    _require_state(case, "escalated", why="only an escalated case awaits this decision")
    before = case_dict(case)
    now, note = db_now(), (comment or "").strip() or None
    case.state = "final" if approve else "decided"
    case.escalation_decision = "approved" if approve else "rejected"
    case.escalation_comment = note
    case.escalation_decided_by, case.escalation_decided_at = actor.id, now
    if approve:
        case.final_outcome, case.final_by, case.final_at, case.final_comment = "approved", actor.id, now, note
    _record(session, actor, "case.decide_escalation", case, before)
    return case


def appeal_deadline(case: ReviewCase, window_days: int = APPEAL_WINDOW_DAYS) -> datetime | None:
    """Until when the team lead may appeal: N days after the verdict (or the escalation decision)."""
    since = case.escalation_decided_at or case.submitted_at
    return since + timedelta(days=window_days) if since else None


def appeal(
    session: Session,
    actor: User,
    call_id: str,
    reason: str,
    *,
    violation_ids: list[int] | None = None,
    window_days: int = APPEAL_WINDOW_DAYS,
    now: datetime | None = None,
) -> Appeal:
    """The team lead of the call's team appeals confirmed violations of a verdict within the window,
    with a reason. `violation_ids` names the contested violations (at least one, each confirmed on
    this case); None contests every confirmed one (a whole-case appeal)."""
    case = _open_case(session, actor, call_id, "team_lead")
    if case.state == "final":
        raise TransitionError("this case has had its final judgement (终审): no more appeals")
    _require_state(
        case, "submitted", "decided", why="an appeal needs a submitted verdict, not pending elsewhere"
    )
    if case.verdict != "confirmed":
        raise TransitionError("only a verdict with a confirmed violation can be appealed")
    deadline = appeal_deadline(case, window_days)
    if deadline is not None and (now or db_now()) > deadline:
        raise TransitionError(f"the {window_days}-day appeal window closed at {deadline:%Y-%m-%d %H:%M} UTC")
    if not (reason or "").strip():
        raise TransitionError("an appeal needs a reason")
    contested = _contested(case, violation_ids)
    before = case_dict(case)
    row = Appeal(case_id=case.id, reason=reason.strip(), filed_by=actor.id, filed_at=now or db_now())
    row.hits = [AppealHit(violation_id=vid) for vid in contested]
    session.add(row)
    case.state = "appealed"
    _record(session, actor, "appeal.file", case, before)
    return row


def _contested(case: ReviewCase, violation_ids: list[int] | None) -> list[int]:
    """The violations an appeal contests: those named, each a confirmed one of the case."""
    confirmed = sorted(d.violation_id for d in case.decisions if d.decision == "confirmed")
    if violation_ids is None:
        return confirmed
    named = sorted(set(violation_ids))
    if not named:
        raise InvalidInput("请至少选择一条要申诉的违规")
    if any(vid not in confirmed for vid in named):
        raise InvalidInput("只能对本通话已确认的违规提出申诉")
    return named


def decide_appeal(
    session: Session,
    actor: User,
    call_id: str,
    outcome: str | None = None,
    comment: str | None = None,
    *,
    per_hit: Mapping[int, str] | None = None,
) -> ReviewCase:
    """A supervisor's final judgement (终审) on an appeal, per contested violation: `uphold` keeps it
    confirmed, `overturn` turns it into a false positive (audited per violation). `per_hit` maps
    each contested violation id to its outcome; `outcome` alone applies to every contested one.
    The score after review is recomputed; when no confirmed violation is left the verdict becomes
    all_false_positive (clean, if sampled). Either way the case becomes final, its outcome upheld,
    overturned, or partly (some each way)."""
    case = _open_case(session, actor, call_id, "supervisor")
    _require_second_pair_of_eyes(actor, case)
    _require_state(case, "appealed", why="there is no pending appeal")
    pending = next(a for a in reversed(case.appeals) if a.decision is None)
    outcomes = _hit_outcomes(pending, outcome, per_hit)
    before = case_dict(case)
    now, note = db_now(), (comment or "").strip() or None
    decisions = {d.violation_id: d for d in case.decisions}
    for hit in pending.hits:
        hit.outcome = outcomes[hit.violation_id]
        decision = decisions.get(hit.violation_id)
        if hit.outcome == "overturned" and decision is not None and decision.decision == "confirmed":
            was = {"decision": decision.decision, "comment": decision.comment}
            decision.decision, decision.decided_by, decision.decided_at = "false_positive", actor.id, now
            decision.comment = f"overturned on appeal {pending.id}" + (f": {note}" if note else "")
            after = {"call_id": case.call.call_id, "rule_id": hit.violation.rule_id,
                     "decision": "false_positive", "comment": decision.comment}  # fmt: skip
            audit.append(session, actor, "violation.overturn", "violation", hit.violation_id, was, after)
    kinds = set(outcomes.values())
    verdict = kinds.pop() if len(kinds) == 1 else "partly"
    pending.decision, pending.decided_by, pending.decided_at, pending.comment = verdict, actor.id, now, note
    session.flush()
    session.refresh(case)
    if not any(d.decision == "confirmed" for d in case.decisions):
        case.verdict = _nothing_found(case)
    case.score = reviewed_score(case)
    case.state, case.final_outcome, case.final_by, case.final_at = "final", verdict, actor.id, now
    case.final_comment = note
    _record(session, actor, "appeal.decide", case, before)
    return case


def _hit_outcomes(pending: Appeal, outcome: str | None, per_hit: Mapping[int, str] | None) -> dict[int, str]:
    """Each contested violation's outcome ('upheld' or 'overturned') from a whole-appeal `outcome`
    or a per-violation `per_hit`, which must cover exactly the contested ones."""
    contested = {h.violation_id for h in pending.hits}
    for given in ([outcome] if outcome is not None else []) + list((per_hit or {}).values()):
        if given not in APPEAL_OUTCOMES:
            raise InvalidInput(f"unknown outcome {given!r}; one of {', '.join(APPEAL_OUTCOMES)}")
    if per_hit:
        if set(per_hit) != contested:
            raise InvalidInput("请对申诉的每一条违规作出终审（维持或改判）")
        return {vid: APPEAL_OUTCOMES[o] for vid, o in per_hit.items()}
    if outcome is None:
        raise InvalidInput("请对申诉的每一条违规作出终审（维持或改判）")
    return dict.fromkeys(contested, APPEAL_OUTCOMES[outcome])


def final_judgement(session: Session, actor: User, call_id: str, comment: str | None = None) -> ReviewCase:
    """A supervisor closes a submitted (or escalation-decided) case for good: no appeal after this."""
    case = _open_case(session, actor, call_id, "supervisor")
    _require_second_pair_of_eyes(actor, case)
    if case.state == "appealed":
        raise TransitionError("this case has a pending appeal: decide it (uphold/overturn)")
    _require_state(case, "submitted", "decided", why="only a case with a verdict and nothing pending")
    before = case_dict(case)
    case.state, case.final_outcome, case.final_by, case.final_at = "final", "closed", actor.id, db_now()
    case.final_comment = (comment or "").strip() or None
    _record(session, actor, "case.final", case, before)
    return case
