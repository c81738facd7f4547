"""Real brokers and real workers: a throw-away redis-server in tmp_path, `callqa worker` and `callqa
process` as subprocesses, with the fake speech engine (tests.fakes.worker_engine) unless a test says
otherwise. The database is a workspace's SQLite file, shared by the processes; a PostgreSQL fixture
swaps in through CALLQA_DATABASE_URL (`env(database_url=...)`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import Connection

from callqa.pipeline.process import process_pending
from callqa.rules import load_default_pack
from callqa.store.database import make_engine, open_database
from callqa.workspace import Workspace
from tests.conftest import EXAMPLES, ROOT, run_cli
from tests.fakes import ScriptedSpeech
from tests.pg import use_database

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (make services)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A redis-server of our own, without persistence (a restart loses every queued task: the worst
    case for callqa's reaper), that can be killed and started again on the same port."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", netns: str | None = None) -> None:
        self.folder, self.host, self.port, self.netns = folder, host, free_port(), netns
        self.proc: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> RedisServer:
        args = [str(REDIS_SERVER), "--port", str(self.port), "--bind", self.host, "--save", "",
                "--appendonly", "no", "--dir", str(self.folder), "--protected-mode", "no"]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host=self.host, port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline and self.proc.poll() is None, "redis-server did not start"
                time.sleep(0.1)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


def cli_env(broker_url: str, **extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return os.environ | {"PYTHONPATH": path, "CALLQA_BROKER_URL": broker_url} | extra


class Workers:
    """`callqa worker` processes (each in its own process group), stopped at the end of the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = tmp_path / "worker-logs"
        self.logs.mkdir()

    def start(
        self,
        ws: Path,
        env: dict[str, str],
        concurrency: int = 1,
        prefix: tuple[str, ...] = (),
        engine: str | None = "tests.fakes:worker_engine",  # None: the real speech model
    ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker{len(self.procs)}.log").open("wb")
        args = [*prefix, sys.executable, "-m", "callqa.cli.main", "worker", "-w", str(ws),
                "--concurrency", str(concurrency), *(["--engine", engine] if engine else [])]  # fmt: skip
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill_9(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 the worker and its pool processes, as a machine that dies."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def output(self, tail: int = 3000) -> str:
        return "\n".join(p.read_text(errors="replace")[-tail:] for p in sorted(self.logs.iterdir()))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop()


CALLS = ("p01", "p02", "p05")  # clean, flagged, flagged (stereo and mono)
ALL_CALLS = tuple(
    line.split(",")[1] for line in (EXAMPLES / "manifest.csv").read_text().splitlines()[1:] if line
)


def ingest_examples(
    ws: Path, calls: tuple[str, ...] = CALLS, lease_s: float = 5, database_url: str | None = None
) -> Path:
    """A workspace with some example calls ingested (pending), workers' leases of `lease_s`, on its
    own SQLite file or on `database_url`."""
    lines = (EXAMPLES / "manifest.csv").read_text().splitlines()
    rows = [
        line.replace("calls/", f"{EXAMPLES / 'calls'}/") for line in lines[1:] if line.split(",")[1] in calls
    ]
    if database_url:
        use_database(ws, database_url)
    else:
        ws.mkdir(parents=True)
    manifest = ws.parent / f"{ws.name}-manifest.csv"
    manifest.write_text(lines[0] + "\n" + "\n".join(rows) + "\n")
    code, _, stderr = run_cli("ingest", "--manifest", str(manifest), "-w", str(ws))
    assert code == 0, stderr
    with (ws / "config.toml").open("a") as fh:
        fh.write(f"worker_lease_s = {lease_s}\n")
    return ws


def in_process_outcome(tmp_path: Path, calls: tuple[str, ...] = CALLS) -> dict[str, dict]:
    """What in-process processing makes of the same calls (`callqa calls -f json`, keyed by call id)."""
    ws_dir = ingest_examples(tmp_path / "in-process", calls)
    ws = Workspace.open(ws_dir)
    db = open_database(ws)
    process_pending(ws, db, load_default_pack(), "", transcriber=ScriptedSpeech.for_examples())
    db.close()
    return calls_json(ws_dir)


@contextmanager
def database_of(ws: Path) -> Iterator[Connection]:
    """A connection to the workspace's database (its SQLite file, or the PostgreSQL of its config)."""
    engine = make_engine(Workspace.open(ws).database_url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def calls_json(ws: Path) -> dict[str, dict]:
    code, stdout, stderr = run_cli("calls", "-w", str(ws), "-f", "json")
    assert code == 0, stderr
    return {c["call_id"]: c for c in json.loads(stdout)}
