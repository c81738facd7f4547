"""Web security primitives: session secret, CSRF tokens, login throttling."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from pathlib import Path

from callqa.workspace import secret_file

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def session_secret(root: Path) -> str:
    """The workspace's session-signing key, created once with owner-only permissions."""
    return secret_file(root / "session.key", 48)


def csrf_token(session: dict) -> str:
    """The session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def csrf_valid(session: dict, submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


class LoginThrottle:
    """At most `limit` failed logins per account and per client address within `window_s`."""

    def __init__(self, limit: int = 5, window_s: float = 300.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        now = time.monotonic()
        failures = self._failures[key]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def blocked(self, username: str, client: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in (f"user:{username}", f"addr:{client}"))

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        for key in (f"user:{username}", f"addr:{client}"):
            self._failures[key].append(now)

    def succeeded(self, username: str) -> None:
        self._failures.pop(f"user:{username}", None)
