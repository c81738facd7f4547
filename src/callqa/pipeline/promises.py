"""Find and store a call's promise to pay: the step processing and recheck both run after the hits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from callqa.ptp import find_promise
from callqa.ptp.version import reader_version
from callqa.store.models import Call
from callqa.store.promises import call_day, save_promise
from callqa.transcript import Segment


def store_promise(
    session: Session, call: Call, segments: list[Segment], *, unless_read: bool = False
) -> bool:
    """Read the customer's promise from the transcript and store it (or its absence); whether the
    stored promise changed. With `unless_read`, a call this reader already read is left as it is
    (recheck: its transcript has not changed, so neither has its promise)."""
    version = reader_version()
    if unless_read and call.promise_reader == version:
        return False
    call.promise_reader = version
    return save_promise(session, call, find_promise(segments, call_day(call)))
