"""What review operations refuse with; the web layer maps each to one HTTP status."""

from __future__ import annotations


class ReviewError(Exception):
    """Base of every refusal; `reason` is a sentence fit to show the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(ReviewError):
    """No such thing, or the user may not see it (HTTP 404)."""


class PermissionDenied(ReviewError):
    """The user sees it but their role or ownership does not allow the action (HTTP 403)."""


class TransitionError(ReviewError):
    """The action is not allowed in the case's current state (HTTP 409)."""


class InvalidInput(ReviewError, ValueError):
    """A malformed argument: unknown role or decision, duplicate username (HTTP 422)."""
