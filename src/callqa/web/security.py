"""Web security primitives: session secret, CSRF tokens, the client address and proxy trust."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request

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
    """Constant-time comparison, of bytes: any text a client sends compares (unequal), none raises."""
    expected = session.get("csrf")
    if not (expected and submitted):
        return False
    return hmac.compare_digest(str(expected).encode(), submitted.encode("utf-8", "surrogatepass"))


def client_address(request: Request) -> str:
    """The peer's address as the server sees it: the TCP peer, or the address a trusted proxy
    forwarded (uvicorn rewrites it only for `trusted_proxies`, see `proxy_options`)."""
    return request.client.host[:64] if request.client and request.client.host else "unknown"


def proxy_options(trusted_proxies: tuple[str, ...]) -> dict[str, Any]:
    """uvicorn's proxy settings: believe X-Forwarded-For/-Proto only from the configured proxies.

    uvicorn's own default believes them from 127.0.0.1, so anyone able to connect from the host
    itself (or through a local port forward) could claim any address to the sign-in throttle."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(trusted_proxies)}
