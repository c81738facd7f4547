"""Security headers on every response (pure ASGI, so streamed bodies, range requests and uploads pass
through untouched: only the `http.response.start` message is rewritten).

The pages load scripts, styles and images from this server only (`/static`), so the policy allows
nothing else: no inline script or style, no framing (a signed-in call page cannot be framed by
another site), no plugins, no form posts elsewhere. Dynamic responses (pages, API, audio) hold
personal data and are never stored by browsers or proxies; static assets may be cached.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000"
STATIC_PREFIX = "/static/"


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response, `Cache-Control: no-store` to every dynamic one
    (whatever the route set), and HSTS when the app is served over TLS."""

    def __init__(self, app: ASGIApp, *, tls: bool = False) -> None:
        self.app = app
        self.headers = SECURITY_HEADERS | ({"Strict-Transport-Security": HSTS} if tls else {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dynamic = not scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if dynamic:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
