"""Request bodies over 1 MiB are refused with 413 before they are read: at once when Content-Length
says so, and as soon as the limit is passed while a chunked body streams in (the rest is never
waited for). Uploads (POST /api/calls) keep their own, larger `max_upload_mb` limit.

The requests go over a socket to a real uvicorn server, so that "not read" is observable: the test
sends only the start of a declared 250 MB body, or stops a chunked one after 1.25 MiB, and expects
the 413 anyway. Without the limit the server would wait for the rest, and the test would time out.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from callqa.web.app import MAX_BODY_BYTES
from tests.web.test_api import build_api, client, wav_bytes

CHUNK = 64 * 1024
ANONYMOUS_POSTS = [
    ("/api/calls/p03/appeal", "application/json"),  # JSON body, read before the 401
    ("/api/calls/p03/claim", "application/json"),  # no body parameter: never read
    ("/calls/p03/appeal", "application/x-www-form-urlencoded"),  # a page's form
    ("/login", "application/x-www-form-urlencoded"),
    ("/api/nowhere", "application/json"),
]


@pytest.fixture(scope="module")
def server(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    env = build_api(example_workspace, tmp_path_factory.mktemp("limits") / "ws")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(env.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    env.port = port
    yield env
    running.should_exit = True
    thread.join(timeout=10)
    env.db.close()


def status_of(sock: socket.socket) -> int:
    """The status code of the response on `sock` (its status line is all that is read)."""
    head = b""
    while b"\r\n" not in head:
        data = sock.recv(4096)
        assert data, f"connection closed without a response: {head!r}"
        head += data
    return int(head.split(b" ", 2)[1])


def open_request(port: int, path: str, content_type: str, framing: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)  # every wait below fails after 5 s
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{framing}\r\n"
    sock.sendall(head.encode())
    return sock


@pytest.mark.parametrize(("path", "content_type"), ANONYMOUS_POSTS)
def test_declared_large_body_refused_unread(server, path: str, content_type: str) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with open_request(server.port, path, content_type, "Content-Length: 250000000\r\n") as sock:
        sock.sendall(b"x" * CHUNK)  # 64 KiB of the 250 MB announced; the rest never comes
        assert status_of(sock) == 413
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("path", "content_type"), ANONYMOUS_POSTS[:4])
def test_chunked_body_refused_once_past_the_limit(server, path: str, content_type: str) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with open_request(server.port, path, content_type, "Transfer-Encoding: chunked\r\n") as sock:
        for _ in range(MAX_BODY_BYTES // CHUNK + 4):  # 1.25 MiB, and no closing chunk
            sock.sendall(f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n")
        status = status_of(sock)
    if path.endswith("/claim"):  # nothing reads a body there: the anonymous caller is simply refused
        assert status == 401
    else:
        assert status == 413
    assert time.monotonic() - started < 5


def test_small_bodies_and_large_uploads_still_pass(server) -> None:  # type: ignore[no-untyped-def]
    lead = client(server, "lead_a")
    assert lead.post("/api/calls/p03/appeal", json={"reason": "x" * 1500}).status_code != 413
    big = wav_bytes(seconds=45, tone=9)  # 1.4 MB: over the general limit, within max_upload_mb
    assert len(big) > MAX_BODY_BYTES
    r = client(server, "inspector").post("/api/calls", files=[("files", ("long.wav", big, "audio/wav"))])
    assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "added", r.text
