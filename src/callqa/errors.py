"""What domain operations refuse with. Each maps to one HTTP status in one place (callqa.web.errors)
and to a one-line message and exit code at the command line."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal; `reason` is a sentence fit to show the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(DomainError):
    """No such thing, or the user may not see it (indistinguishable on purpose)."""


class PermissionDenied(DomainError):
    """The user sees it but their role or ownership does not allow the action."""


class TransitionError(DomainError):
    """The action is not allowed in the current state."""


class InvalidInput(DomainError, ValueError):
    """A malformed argument: unknown role or decision, duplicate username."""
