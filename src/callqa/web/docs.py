"""The API documentation page (/docs): Swagger UI from the vendored files in static/vendor, started by
static/docs.js. FastAPI's own page loads Swagger from a public CDN and starts it with an inline
script; this one loads nothing from outside the machine and works under the Content-Security-Policy."""

from __future__ import annotations

from fastapi import APIRouter, Request

from callqa.web.render import templates
from callqa.web.security import csrf_token

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs_page(request: Request):  # type: ignore[no-untyped-def]
    """Swagger UI over this app's OpenAPI document; "Try it out" sends the session's CSRF token."""
    context = {"csrf": csrf_token(request.session), "openapi_url": request.app.openapi_url}
    return templates.TemplateResponse(request, "docs.html", context)
