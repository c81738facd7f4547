"""A worker on "another machine": its own network namespace joined to this one by a veth pair. It reaches
the broker and `callqa serve` (for the recordings, with the worker token) only over that link; its
workspace holds no recordings. `serve` sends the ingested calls to it; nobody runs `callqa process`.
The database is still the server's SQLite file, reached through the file system (a PostgreSQL URL in
CALLQA_DATABASE_URL would go over the link the same way)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import outcome

from .conftest import (
    CALLS,
    RedisServer,
    Workers,
    calls_json,
    cli_env,
    free_port,
    in_process_outcome,
    ingest_examples,
)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def netns() -> Iterator[tuple[str, str]]:
    """(namespace, this side's address); the namespace's side is .2 of the same /30."""
    name, k = f"cqa{os.getpid() % 100000}", os.getpid() % 250 + 1
    host_if, ns_if = f"cqh{k}", f"cqn{k}"
    try:
        _ip("netns", "add", name)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no network namespaces here: {exc}")
    try:
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", name)
        _ip("addr", "add", f"10.231.{k}.1/30", "dev", host_if)
        _ip("link", "set", host_if, "up")
        _ip("-n", name, "addr", "add", f"10.231.{k}.2/30", "dev", ns_if)
        _ip("-n", name, "link", "set", ns_if, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield name, f"10.231.{k}.1"
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def test_a_worker_in_its_own_network_namespace_processes_what_serve_sends(
    tmp_path: Path, netns: tuple[str, str], workers: Workers
) -> None:
    name, address = netns
    expected = in_process_outcome(tmp_path)
    broker = RedisServer(tmp_path / "redis", host=address).start()
    server_ws = ingest_examples(tmp_path / "server")
    port = free_port(address)
    serve = subprocess.Popen(
        [sys.executable, "-m", "callqa.cli.main", "serve", "-w", str(server_ws), "--host", address, "--port", str(port)],
        env=cli_env(broker.url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://{address}:{port}/login", timeout=1)
                break
            except httpx.TransportError:
                assert serve.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        worker_ws = tmp_path / "worker"
        worker_ws.mkdir()
        (worker_ws / "config.toml").write_text(
            f'recordings_url = "http://{address}:{port}"\n'
            f'worker_token_file = "{server_ws / "worker.key"}"\n'
            f'audit_key_file = "{server_ws / "audit.key"}"\n'
            "worker_lease_s = 5\n"
        )
        env = cli_env(broker.url, CALLQA_DATABASE_URL=f"sqlite:///{server_ws / 'callqa.db'}")
        workers.start(worker_ws, env, prefix=("ip", "netns", "exec", name))
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with sqlite3.connect(server_ws / "callqa.db", timeout=30) as conn:
                left = conn.execute(
                    "select count(*) from calls where status in ('pending', 'processing')"
                ).fetchone()
            if left == (0,):
                break
            time.sleep(0.5)
        assert left == (0,), workers.output()
    finally:
        os.killpg(serve.pid, 15)
        serve.wait(timeout=30)
        broker.kill()
    assert outcome(calls_json(server_ws)) == outcome(expected)
    assert len(expected) == len(CALLS)
    assert not list((worker_ws / "recordings").iterdir()) and not list((worker_ws / "fetched").iterdir())
    log = workers.output(
        tail=10**6
    )  # the namespace's worker processed every call (serve has no speech model)
    assert f"broker redis://{address}" in log and all(f"call {c}: " in log for c in CALLS)
