"""Sign-in throttling that slows password guessing without letting a stranger lock anyone out.

Why not an account lockout: "N wrong passwords lock the account" hands every stranger a switch that
turns any account off, admins included, from anywhere. Instead failures are counted in the database
(so every worker process and the command line see the same state) under two keys:

- the pair (submitted username, client address): from the ``PAIR_FREE``-th failure on, each failure
  delays the pair's next attempt exponentially (2 s, 4 s, ... capped at ``PAIR_MAX_DELAY``).
  An attacker guessing one user's password slows only themselves: the real user signs in from
  their own address untouched. Unknown names are counted exactly like real ones, so the throttle's
  answer says nothing about which names exist.
- the address alone, over every name: lenient (no delay before the ``ADDRESS_FREE``-th failure, and
  never more than ``ADDRESS_MAX_DELAY``), against one address spraying a password over many names. It
  only ever delays that address, and never for long: an office behind one NAT address is not held
  up by its people's typos, and one person there failing on purpose can delay the others by at
  most a minute per attempt, not lock them out.

An attempt refused while delayed is not counted (retrying does not make the wait longer). A
successful sign-in forgets its pair, not the address (else one valid account would reset a sprayer's
count). State is forgotten ``FORGET_AFTER`` after the last failure. ``clear`` (``callqa users reset``,
``callqa users unlock``, the admin 解除锁定 button) forgets every pair of a username at once.

Generated passwords (the only kind callqa hands out) cannot be guessed online at these rates; the
delays bound load and the audit volume of failed sign-ins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callqa.store.models import LoginThrottle

PAIR_FREE = 5
PAIR_MAX_DELAY = timedelta(minutes=5)
ADDRESS_FREE = 50
ADDRESS_MAX_DELAY = timedelta(minutes=1)
FORGET_AFTER = timedelta(hours=1)
ANY_NAME = ""  # the username of an address-wide row
MAX_NAME = 100
MAX_ADDRESS = 64


@dataclass(frozen=True)
class Policy:
    free: int
    max_delay: timedelta

    def delay(self, failures: int) -> timedelta | None:
        """How long to refuse after this many failures: nothing before `free`, then 2 s, 4 s, 8 s, ..."""
        if failures < self.free:
            return None
        return min(timedelta(seconds=2 ** min(failures - self.free + 1, 20)), self.max_delay)


PAIR = Policy(PAIR_FREE, PAIR_MAX_DELAY)
ADDRESS = Policy(ADDRESS_FREE, ADDRESS_MAX_DELAY)


def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
    address = address[:MAX_ADDRESS]
    return (username[:MAX_NAME], address), (ANY_NAME, address)


def retry_after(session: Session, username: str, address: str, now: datetime) -> timedelta | None:
    """How long this pair (or this address) must still wait before another attempt, or None."""
    waits = []
    for name, addr in _keys(username, address):
        row = session.scalar(
            select(LoginThrottle).where(LoginThrottle.username == name, LoginThrottle.address == addr)
        )
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            waits.append(row.blocked_until - now)
    return max(waits) if waits else None


def _row(session: Session, username: str, address: str, now: datetime) -> LoginThrottle:
    """The pair's row, created when missing (a concurrent creator wins the unique key; use theirs)."""
    query = select(LoginThrottle).where(LoginThrottle.username == username, LoginThrottle.address == address)
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(username=username, address=address, failures=0, last_failed_at=now)
                session.add(row)
        except IntegrityError:
            row = session.scalar(query)
            assert row is not None
    return row


def record_failure(session: Session, username: str, address: str, now: datetime) -> datetime | None:
    """Count one failed sign-in; returns until when the pair is now delayed (None: not delayed)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failed_at < now - FORGET_AFTER))
    pair_until = None
    for (name, addr), policy in zip(_keys(username, address), (PAIR, ADDRESS), strict=True):
        row = _row(session, name, addr, now)
        row.failures += 1
        row.last_failed_at = now
        delay = policy.delay(row.failures)
        row.blocked_until = now + delay if delay else None
        if name != ANY_NAME:
            pair_until = row.blocked_until
    session.flush()
    return pair_until


def succeeded(session: Session, username: str, address: str) -> None:
    """Forget the pair's failures (not the address's)."""
    name, addr = _keys(username, address)[0]
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.username == name, LoginThrottle.address == addr)
    )


def clear(session: Session, username: str) -> int:
    """Forget every failure recorded under this username, from every address; returns rows removed."""
    if not username:
        return 0
    result = session.execute(delete(LoginThrottle).where(LoginThrottle.username == username[:MAX_NAME]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
