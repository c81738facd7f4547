"""Promises to pay and payments in the database: store a call's promise, judge promises against the
imported payments (`callqa.ptp.settle`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.ptp import Promise
from callqa.ptp.settle import judge, phone_key
from callqa.store.models import Call, Payment, PaymentImport, PaymentPromise, db_now

CHUNK = 500  # phones per payments query


def call_day(call: Call) -> date:
    """The day a call's relative dates count from: its own local date, else the day it was processed."""
    if call.local_date:
        return date.fromisoformat(call.local_date)
    return (call.processed_at or db_now()).date()


def last_import(session: Session) -> PaymentImport | None:
    return session.scalar(select(PaymentImport).order_by(PaymentImport.id.desc()).limit(1))


def save_promise(session: Session, call: Call, promise: Promise | None) -> bool:
    """Store the call's promise (None: remove it) and judge it as the last payments import judged the
    others. A promise unchanged in day and sum keeps its row; returns whether anything changed."""
    row = call.promise
    if promise is None:
        call.promise = None  # delete-orphan: the row goes
        return row is not None
    due = promise.day.isoformat()
    same = row is not None and row.due_on == due and row.amount_yuan == promise.amount_yuan
    if row is None:
        row = call.promise = PaymentPromise(status="pending", found_at=db_now())
    row.due_on, row.amount_yuan = due, promise.amount_yuan
    row.text, row.start_s, row.speaker = promise.text, promise.start_s, promise.speaker
    row.phone = phone_key(call.customer_phone)
    session.flush()
    latest = last_import(session)
    if latest is not None:
        settle(session, date.fromisoformat(latest.as_of), latest.grace_days, [row.id])
    return not same


@dataclass
class SettleCounts:
    """Promises per status after judging, and how many changed status."""

    pending: int = 0
    kept: int = 0
    broken: int = 0
    changed: int = 0


def settle(
    session: Session, as_of: date, grace_days: int, promise_ids: Sequence[int] | None = None
) -> SettleCounts:
    """Judge promises (all, or `promise_ids`) against the stored payments known up to `as_of`."""
    query = select(PaymentPromise, Call).join(Call, Call.id == PaymentPromise.call_pk)
    if promise_ids is not None:
        query = query.where(PaymentPromise.id.in_(promise_ids))
    rows = session.execute(query).all()
    phones = sorted({p.phone for p, _ in rows if p.phone})
    paid: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for k in range(0, len(phones), CHUNK):
        found = session.execute(
            select(Payment.phone, Payment.paid_on, Payment.amount_yuan).where(
                Payment.phone.in_(phones[k : k + CHUNK])
            )
        )
        for phone, day, value in found:
            paid[phone].append((date.fromisoformat(day), value))
    counts = SettleCounts()
    for promise, call in rows:
        verdict = judge(
            date.fromisoformat(promise.due_on),
            promise.amount_yuan,
            call_day(call),
            paid.get(promise.phone or "", []),
            as_of,
            grace_days,
        )
        if promise.status != verdict.status:
            counts.changed += 1
            promise.status = verdict.status
        promise.paid_yuan = round(verdict.paid_yuan, 2) or None
        promise.settled_on = as_of.isoformat()
        setattr(counts, verdict.status, getattr(counts, verdict.status) + 1)
    return counts
