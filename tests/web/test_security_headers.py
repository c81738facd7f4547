"""Security headers on every response of the workbench (every route, error responses, static files,
streamed exports and ranged audio), HSTS under --tls, and the API docs served from local files only."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response

from callqa.web.app import WEB_DIR, create_app
from callqa.web.middleware import CONTENT_SECURITY_POLICY
from tests.web.test_api import build_api, client, violation_ids

ALWAYS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    built = build_api(example_workspace, tmp_path_factory.mktemp("headers") / "ws")
    yield built
    built.db.close()


def assert_secured(response: Response, *, dynamic: bool = True) -> None:
    where = f"{response.request.method} {response.request.url} → {response.status_code}"
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, f"{where}: {name} = {response.headers.get(name)!r}"
    if dynamic:
        assert response.headers.get("cache-control") == "no-store", where
    else:
        assert response.headers.get("cache-control") != "no-store", where
    assert "strict-transport-security" not in response.headers, where


def path_values(env: SimpleNamespace) -> dict[str, str]:
    return {"call_id": "p03", "violation_id": str(violation_ids(env, "p03")[0]), "username": "a_insp",
            "token_id": "1", "session_id": "1", "action": "unlock"}  # fmt: skip


def test_every_route_carries_the_headers(env) -> None:  # type: ignore[no-untyped-def]
    """Every route of the app, GET as an admin where it has GET, else an anonymous request (401/303/403)."""
    admin, anonymous = client(env, "admin"), client(env, "anon")
    values = path_values(env)
    seen = set()
    for route in iter_route_contexts(env.app.routes):
        if route.methods is None:  # the /static mount, below
            continue
        path = route.path_format.format(**{name: values[name] for name in re.findall(r"{(\w+)}", route.path)})
        for method in sorted(route.methods - {"HEAD"}):
            response = (admin if method == "GET" else anonymous).request(method, path)
            assert response.status_code < 500, (method, path, response.text)
            assert_secured(response)
            seen.add((method, route.path))
    assert ("GET", "/calls/{call_id}/audio") in seen and ("POST", "/api/calls") in seen and len(seen) > 50


def test_error_responses_carry_the_headers(env) -> None:  # type: ignore[no-untyped-def]
    admin, inspector, anonymous = client(env, "admin"), client(env, "inspector"), client(env, "anon")
    cases = [
        (anonymous.get("/api/calls"), 401),
        (anonymous.get("/calls"), 303),
        (inspector.get("/api/users"), 403),
        (inspector.get("/users"), 403),
        (admin.get("/api/calls/nope"), 404),
        (admin.get("/calls/nope"), 404),
        (admin.get("/no/such/page"), 404),
        (admin.get("/api/calls", params={"limit": 0}), 422),
        (admin.get("/calls", params={"since": "soon"}), 422),
        (admin.put("/api/calls"), 405),
        (anonymous.post("/api/calls/p03/appeal", content=b"x" * (2 << 20)), 413),  # read, refused
        (anonymous.post("/api/calls/p03/claim", content=b"x" * (2 << 20)), 413),  # never read
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert_secured(response)


def test_a_server_error_carries_the_headers(env) -> None:  # type: ignore[no-untyped-def]
    """A 500 is made by Starlette's outermost error middleware; the headers are added outside it."""
    app = create_app(env.ws, env.db)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_static_files_may_be_cached(env) -> None:  # type: ignore[no-untyped-def]
    anonymous = client(env, "anon")
    for path in ("/static/app.css", "/static/vendor/htmx.min.js", "/static/nope.js"):
        assert_secured(anonymous.get(path), dynamic=False)
    css = anonymous.get("/static/app.css")
    assert css.status_code == 200 and css.content == (WEB_DIR / "static" / "app.css").read_bytes()


def test_streams_and_ranges_pass_through(env) -> None:  # type: ignore[no-untyped-def]
    """The middleware only adds headers: a streamed CSV export and a ranged audio request arrive whole."""
    admin = client(env, "admin")
    export = admin.get("/calls", params={"export": "csv"})
    assert export.status_code == 200 and export.text.count("\n") >= 15
    assert_secured(export)
    recording = env.ws.recordings_dir.rglob("*")
    whole = admin.get("/calls/p03/audio")
    assert whole.status_code == 200 and whole.content in {f.read_bytes() for f in recording if f.is_file()}
    part = admin.get("/calls/p03/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert_secured(part)


def test_hsts_only_over_tls(env) -> None:  # type: ignore[no-untyped-def]
    secure = TestClient(create_app(env.ws, env.db, tls=True), base_url="https://testserver")
    for path in ("/login", "/static/app.css", "/api/calls"):
        assert secure.get(path).headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in client(env).get("/login").headers


def test_templates_have_no_inline_script_or_style() -> None:
    """What the Content-Security-Policy would block: inline scripts, style attributes or elements,
    on* handlers, javascript: URLs. (A JSON data block is not script and is allowed.)"""
    for template in (WEB_DIR / "templates").glob("*.html"):
        html = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", html, re.I), template.name


def test_docs_load_only_local_files(env) -> None:  # type: ignore[no-untyped-def]
    anonymous = client(env, "anon")
    page = anonymous.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert_secured(page)
    urls = [u for u in re.findall(r'(?:src|href)="([^"]+)"', page.text) if u != "data:,"]  # no favicon
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert not re.search(r"<script>(?!</script>)|<script\b(?![^>]*\bsrc=)", page.text), "inline script"
    for url in urls:
        asset = anonymous.get(url)
        assert asset.status_code == 200 and len(asset.content) > 200, url
    assert "SwaggerUIBundle(" in anonymous.get("/static/docs.js").text
    assert anonymous.get("/openapi.json").json()["info"]["title"] == "callqa"
    assert anonymous.get("/docs/oauth2-redirect").status_code == 404  # FastAPI's page with an inline script
