"""`callqa serve` believes X-Forwarded-For only from `trusted_proxies` (a real server process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from callqa.review import throttle
from callqa.store.models import LoginThrottle
from tests.conftest import ROOT

from .accounts_app import csrf_of, make_env

SPOOFED = "198.51.100.23"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(workspace: Path) -> Iterator[str]:
    port = _free_port()
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "callqa.cli.main", "serve", "--port", str(port), "-w", str(workspace), "--no-worker"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    proc.stdout.read() if proc.stdout else ""
                )
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def wrong_logins(base: str, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=base) as client:
        token = csrf_of(client.get("/login").text)
        return [
            client.post("/login", data={"csrf_token": token, "username": "insp", "password": "wrong"},
                        headers={"X-Forwarded-For": xff}).status_code
            for xff in forwarded_for
        ]  # fmt: skip


def seen_addresses(env) -> set[str]:  # type: ignore[no-untyped-def]
    with env.db.session() as session:
        return set(session.scalars(select(LoginThrottle.address).where(LoginThrottle.username == "insp")))


def test_spoofed_forwarded_for_is_ignored_from_untrusted_peers(tmp_path: Path) -> None:
    """Regression (#15): uvicorn believed X-Forwarded-For from 127.0.0.1, so a local attacker could
    claim a new address on every attempt and never be throttled."""
    env = make_env(tmp_path / "ws")
    rotating = [f"198.51.100.{k}" for k in range(throttle.PAIR_FREE + 1)]
    with serve(env.ws.root) as base:
        codes = wrong_logins(base, rotating)
    assert codes == [401] * throttle.PAIR_FREE + [429]
    assert seen_addresses(env) == {"127.0.0.1"}
    env.db.close()


def test_forwarded_for_is_believed_from_a_trusted_proxy(tmp_path: Path) -> None:
    env = make_env(tmp_path / "ws", 'trusted_proxies = ["127.0.0.1/32"]\n')
    with serve(env.ws.root) as base:
        assert wrong_logins(base, [SPOOFED]) == [401]
    assert seen_addresses(env) == {SPOOFED}
    env.db.close()
