"""Which calls a user may see: team leads their own team's, everyone else all; disabled users none."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from callqa.review.errors import NotFound
from callqa.store.models import Call, User


def visible_calls(user: User) -> ColumnElement[bool]:
    """A WHERE clause over `calls` for the calls `user` may see."""
    if not user.active:
        return false()
    if user.role == "team_lead":
        return Call.team == user.team if user.team else false()
    return true()


def restrict(query: Select, user: User) -> Select:
    """`query` (which must select from or join `calls`) limited to what `user` may see."""
    return query.where(visible_calls(user))


def get_visible_call(session: Session, user: User, call_id: str) -> Call:
    """The call, or NotFound when it does not exist or the user may not see it (indistinguishable)."""
    call = session.scalar(restrict(select(Call).where(Call.call_id == call_id), user))
    if call is None:
        raise NotFound(f"no call {call_id!r}")
    return call
