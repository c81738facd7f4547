"""Whether payments kept a promise: the rule, apart from where promises and payments are stored.

A payment counts towards a promise when it was made to the call's number on or after the call's
day and at the latest `grace_days` after the promised day. The promise is kept when those payments
reach the promised sum (any payment when no sum was said), broken when the payments are known past
that last day (`as_of`, the day of the payments import) and it is not kept, else pending. A payment
may count towards several promises of the same number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")


def phone_key(raw: str | None) -> str | None:
    """A phone number as payments and calls are matched on: its digits, without +86 / 0086 before a
    mobile number (None when it holds no digits)."""
    if not raw:
        return None
    digits = re.sub(r"\D", "", raw.translate(_WIDE))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
    return digits or None


@dataclass(frozen=True)
class Verdict:
    status: str  # pending | kept | broken
    paid_yuan: float  # the payments that count towards the promise


def judge(
    due: date,
    amount: float | None,
    call_day: date,
    payments: Iterable[tuple[date, float]],
    as_of: date | None,
    grace_days: int,
) -> Verdict:
    """The promise's status given the payments to its number, known up to `as_of` (None: none known)."""
    last = due + timedelta(days=grace_days)
    paid = sum(value for day, value in payments if call_day <= day <= last)
    if paid > 0 and (amount is None or paid >= amount - 0.005):
        return Verdict("kept", paid)
    if as_of is not None and as_of > last:
        return Verdict("broken", paid)
    return Verdict("pending", paid)
