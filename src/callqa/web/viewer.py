"""The signed-in viewer of a request: the user, and the masking their role calls for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from callqa.errors import PermissionDenied
from callqa.masking import Masker, masker_for
from callqa.names import role_refusal
from callqa.store.database import Database
from callqa.store.models import User
from callqa.web.auth import CurrentUser


@dataclass(frozen=True)
class Viewer:
    user: User
    mask: Masker

    @property
    def role(self) -> str:
        return self.user.role

    def require(self, *roles: str) -> None:
        """PermissionDenied unless the viewer has one of `roles`."""
        if self.user.role not in roles:
            raise PermissionDenied(role_refusal(self.user.role, roles))

    def actor(self, session: Session) -> User:
        """The viewer's account attached to `session`, as stored now."""
        return session.get_one(User, self.user.id)


def current_viewer(request: Request, user: CurrentUser) -> Viewer:
    return Viewer(user, masker_for(user.role, request.app.state.ws.settings.unmasked_roles))


def database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def masked_audit_row(row: dict[str, object], mask: Masker) -> dict[str, object]:
    """An audit entry as a viewer may see it: numbers in its ids, actor and snapshots masked."""
    if not mask.active:
        return row
    return row | {
        "entity_id": mask.text(str(row["entity_id"])),
        "actor": mask.text(str(row["actor"])),
        "before": mask.json(row["before"]),
        "after": mask.json(row["after"]),
    }
