"""Which calls a viewer may see, written once as a WHERE clause every query uses.

Team leads see their own team's calls, everyone else all of them; a disabled account none. The
viewer None is the local operator at the command line, who sees everything.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from callqa.errors import NotFound
from callqa.store.models import Call, User

_PK_REF = re.compile(r"~([1-9][0-9]{0,15})")
# the same words whether the call does not exist or the viewer may not see it (nor is the ref echoed)
NO_SUCH_CALL = "没有这通通话，或你无权查看"


def visible_calls(
    viewer: User | None, team: InstrumentedAttribute[str | None] | None = None
) -> ColumnElement[bool]:
    """A WHERE clause over `calls` for the calls `viewer` may see; over another table of calls' figures
    (the tallies) when `team` names its team column."""
    if viewer is None:
        return true()
    if not viewer.active:
        return false()
    if viewer.role == "team_lead":
        column = Call.team if team is None else team
        return column == viewer.team if viewer.team else false()
    return true()


def only_team(viewer: User | None) -> str | None:
    """The one team whose calls `viewer` may see, when `visible_calls` restricts them to a team (for
    indexes keyed by team: search's facets); None when the viewer sees all, or none at all."""
    if viewer is not None and viewer.active and viewer.role == "team_lead" and viewer.team:
        return viewer.team
    return None


def sees_all(viewer: User | None) -> bool:
    """Whether `viewer` sees every call (so queries may skip joining `calls` to restrict them)."""
    return viewer is None or (viewer.active and viewer.role != "team_lead")


def restrict(query: Select, viewer: User | None) -> Select:
    """`query` (which must select from or join `calls`) limited to what `viewer` may see."""
    return query.where(visible_calls(viewer))


def call_by_ref(ref: str) -> ColumnElement[bool]:
    """A call named by its call_id, or by '~<pk>' (the form masked viewers' links use)."""
    match = _PK_REF.fullmatch(ref)
    return Call.id == int(match.group(1)) if match else Call.call_id == ref


def get_visible_call(session: Session, viewer: User | None, ref: str) -> Call:
    """The call, or NotFound when it does not exist or the viewer may not see it (indistinguishable)."""
    call = session.scalar(restrict(select(Call).where(call_by_ref(ref)), viewer))
    if call is None:
        raise NotFound(NO_SUCH_CALL)
    return call
