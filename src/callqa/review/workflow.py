"""The review workflow's transitions (see the table in ``callqa.review``).

Every function takes the caller's Session (the caller commits), checks in this order — the actor's
account is active (PermissionDenied), the call is visible to them (NotFound), their role and
ownership (PermissionDenied), the case's state and the action's preconditions (TransitionError) —
then changes the case and appends an audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callqa.errors import InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.review import audit
from callqa.review.cases import case_dict, case_of
from callqa.review.sampling import draw_point, is_drawn
from callqa.rules.model import SEVERITIES, TEXT_CATEGORIES
from callqa.store.models import (
    DECISIONS,
    Appeal,
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
APPEAL_OUTCOMES = {"uphold": "upheld", "overturn": "overturned"}
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


def _require_second_pair_of_eyes(actor: User, case: ReviewCase) -> None:
    """Four eyes: the supervisor who judges a case finally (escalation, appeal, 终审) must not be the
    one who submitted its verdict or decided any of its violations (e.g. after reassigning it to
    themselves)."""
    if case.submitted_by == actor.id or any(d.decided_by == actor.id for d in case.decisions):
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


def _record(session: Session, actor: audit.Actor, action: str, case: ReviewCase, before: object) -> None:
    session.flush()
    session.refresh(case)  # relationships (owner, decisions, appeals) as now stored
    audit.append(session, actor, action, "review_case", case.call.call_id, before, case_dict(case))


# --- assignment ----------------------------------------------------------------------------------


def _next_inspector(session: Session) -> User | None:
    """The active inspector after the one the rotation picked last (by id, wrapping round)."""
    inspectors = list(
        session.scalars(select(User).where(User.role == "inspector", User.active.is_(True)).order_by(User.id))
    )
    if not inspectors:
        return None
    last = session.scalar(
        select(ReviewCase.rotation_owner_id)
        .where(ReviewCase.rotation_owner_id.is_not(None))
        .order_by(ReviewCase.id.desc())
        .limit(1)
    )
    return next((u for u in inspectors if last is not None and u.id > last), inspectors[0])


def assign_round_robin(session: Session, call: Call, origin: str = "flagged") -> ReviewCase:
    """Open the case of a newly flagged call (or of a clean call drawn for 抽检, origin 'sample'),
    owned by the next active inspector in rotation (unassigned, to be claimed, when there is none)."""
    needs = "clean" if origin == "sample" else "flagged"
    if call.status != needs:
        raise TransitionError(f"this call is {call.status}: only {needs} calls get a {origin} case")
    if case_of(session, call) is not None:
        raise TransitionError("this call already has a review case")
    inspector = _next_inspector(session)
    case = ReviewCase(
        call_pk=call.id,
        state="open" if inspector else "unassigned",
        origin=origin,
        owner_id=inspector.id if inspector else None,
        rotation_owner_id=inspector.id if inspector else None,
        created_at=db_now(),
    )
    session.add(case)
    _record(session, SYSTEM, "case.sample" if origin == "sample" else "case.auto_assign", case, None)
    return case


def on_call_processed(session: Session, call: Call, sample_rate: float = 0.0) -> ReviewCase | None:
    """Pipeline hook after a call's result is stored: a flagged call gets its case, and a clean call
    drawn at `sample_rate` a 抽检 case (idempotent: a call keeps the case it has)."""
    if call.status not in ("flagged", "clean"):
        return None
    existing = case_of(session, call)
    if existing is not None:
        return existing
    if call.status == "flagged":
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


def on_hits_stored(
    session: Session, call: Call, new_hits: int, actor: audit.Actor = SYSTEM, sample_rate: float = 0.0
) -> str | None:
    """Pipeline hook after a call's hits are stored (first processing or a recheck); returns what
    happened to its case: 'opened', 'reopened', 'withdrawn' or None.

    - A call without a case gets one as `on_call_processed` gives it (flagged, or drawn for 抽检 at
      `sample_rate`; a recheck passes 0: drawing over processed calls is `sample_clean_calls`).
    - A call now clean whose flagged case nobody has decided anything on loses that case: nothing
      was reviewed, and a later run that flags it again opens a fresh one.
    - New hits on a case whose verdict is given but not final (REOPENABLE) reopen it to its owner
      (unassigned when the owner may no longer own cases): a verdict must cover every hit. A final
      case or one with an appeal pending keeps its state; the new hits show, undecided."""
    case = case_of(session, call)
    if case is None:
        return "opened" if on_call_processed(session, call, sample_rate) else None
    if call.status == "clean" and case.origin == "flagged" and not case.decisions and not case.appeals:
        audit.append(session, actor, "case.withdraw", "review_case", call.call_id, case_dict(case), None)
        session.delete(case)
        return "withdrawn"
    if new_hits and case.state in REOPENABLE:
        before = case_dict(case)
        owner = case.owner
        keeps = owner is not None and owner.active and owner.role in OWNER_ROLES
        case.state, case.owner_id = ("open", owner.id) if keeps else ("unassigned", None)  # type: ignore[union-attr]
        case.verdict, case.submitted_by, case.submitted_at = None, None, None
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


def reassign(session: Session, actor: User, call_id: str, to_username: str) -> ReviewCase:
    """A supervisor gives a case not yet submitted to another active inspector or supervisor."""
    case = _open_case(session, actor, call_id, "supervisor")
    target = session.scalar(select(User).where(User.username == to_username))
    if target is None:
        raise NotFound(f"no user {to_username!r}")
    if not target.active or target.role not in OWNER_ROLES:
        raise InvalidInput(f"{to_username} cannot own a case: needs an active inspector or supervisor")
    _require_state(case, "unassigned", "open", why="the verdict is already submitted")
    if case.owner_id == target.id:
        raise TransitionError(f"this case is already owned by {to_username}")
    before = case_dict(case)
    case.owner_id, case.state = target.id, "open"
    _record(session, actor, "case.reassign", case, before)
    return case


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
    case.verdict = "confirmed" if "confirmed" in decided.values() else _nothing_found(case)
    case.state, case.submitted_by, case.submitted_at = "submitted", actor.id, db_now()
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
    """A supervisor approves or rejects the proposed action of an escalated case."""
    case = _open_case(session, actor, call_id, "supervisor")
    _require_second_pair_of_eyes(actor, case)
    _require_state(case, "escalated", why="only an escalated case awaits this decision")
    before = case_dict(case)
    case.state = "decided"
    case.escalation_decision = "approved" if approve else "rejected"
    case.escalation_comment = (comment or "").strip() or None
    case.escalation_decided_by, case.escalation_decided_at = actor.id, db_now()
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
    window_days: int = APPEAL_WINDOW_DAYS,
    now: datetime | None = None,
) -> Appeal:
    """The team lead of the call's team appeals a confirmed verdict within the window, with a reason."""
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
    before = case_dict(case)
    row = Appeal(case_id=case.id, reason=reason.strip(), filed_by=actor.id, filed_at=now or db_now())
    session.add(row)
    case.state = "appealed"
    _record(session, actor, "appeal.file", case, before)
    return row


def decide_appeal(
    session: Session, actor: User, call_id: str, outcome: str, comment: str | None = None
) -> ReviewCase:
    """A supervisor's final judgement (终审) on an appeal: `uphold` keeps the verdict, `overturn`
    turns every confirmed violation into a false positive. Either way the case becomes final."""
    case = _open_case(session, actor, call_id, "supervisor")
    _require_second_pair_of_eyes(actor, case)
    _require_state(case, "appealed", why="there is no pending appeal")
    if outcome not in APPEAL_OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome!r}; one of {', '.join(APPEAL_OUTCOMES)}")
    before = case_dict(case)
    now, note = db_now(), (comment or "").strip() or None
    pending = next(a for a in reversed(case.appeals) if a.decision is None)
    pending.decision, pending.decided_by, pending.decided_at = APPEAL_OUTCOMES[outcome], actor.id, now
    pending.comment = note
    if outcome == "overturn":
        for decision in case.decisions:
            if decision.decision == "confirmed":
                decision.decision, decision.decided_by, decision.decided_at = "false_positive", actor.id, now
                decision.comment = f"overturned on appeal {pending.id}" + (f": {note}" if note else "")
        case.verdict = _nothing_found(case)
    case.state, case.final_outcome, case.final_by, case.final_at = (
        "final",
        APPEAL_OUTCOMES[outcome],
        actor.id,
        now,
    )
    case.final_comment = note
    _record(session, actor, "appeal.decide", case, before)
    return case


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
