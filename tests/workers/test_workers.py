"""Calls through the broker to `callqa worker` processes: the same result as in-process processing,
every call stored exactly once, whatever dies (a worker mid-call, the broker, the database's lock)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from tests.conftest import outcome, run_cli

from .conftest import (
    RedisServer,
    Workers,
    calls_json,
    cli_env,
    database_of,
    in_process_outcome,
    ingest_examples,
)

WAIT_S = 600  # a loaded 2-core machine: the text model alone takes seconds per call


def process(ws: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "callqa.cli.main", "process", "-w", str(ws), *args],
                          env=env, capture_output=True, text=True, timeout=WAIT_S)  # fmt: skip


def assert_exactly_once(ws: Path, attempts: int = 1) -> None:
    """Every call stored once: `attempts` attempts (a call whose worker lost its database is tried
    again), no duplicate segments, at most one case and one case-opening audit entry, and the audit
    chain intact after concurrent writers (on the workspace's database, SQLite or PostgreSQL)."""
    with database_of(ws) as conn:
        rows = conn.execute(
            sql("select call_id, status, attempts, claimed_by, lease_expires_at from calls")
        ).all()
        assert rows and all(
            r[1] in ("clean", "flagged") and 1 <= r[2] <= attempts and r[3:] == (None, None) for r in rows
        ), rows
        dup = conn.execute(
            sql("select call_pk, position from segments group by 1, 2 having count(*) > 1")
        ).all()
        cases = conn.execute(sql("select call_pk from review_cases group by 1 having count(*) > 1")).all()
        opened = conn.execute(
            sql("select entity_id from audit_log where action = 'case.open' group by 1 having count(*) > 1")
        ).all()
    assert (dup, cases, opened) == ([], [], [])
    code, _, stderr = run_cli("audit", "verify", "-w", str(ws))
    assert code == 0, stderr


def holder(ws: Path, timeout_s: float = 120) -> tuple[str, int]:
    """(call_id, pid) of the first call a worker holds, as soon as one does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with database_of(ws) as conn:
            row = conn.execute(
                sql("select call_id, claimed_by from calls where status = 'processing'")
            ).first()
        if row:
            return row[0], int(row[1].split(":")[1])
        time.sleep(0.05)
    raise AssertionError("no worker took a call")


def test_two_workers_give_the_in_process_result_once_each(
    tmp_path: Path, broker: RedisServer, workers: Workers
) -> None:
    expected = in_process_outcome(tmp_path)
    ws = ingest_examples(tmp_path / "ws")
    env = cli_env(broker.url)
    for _ in range(2):
        workers.start(ws, env)
    done = process(ws, env)
    assert done.returncode == 0, done.stderr + workers.output()
    assert "0 failed" in done.stderr  # (the workers' reaper may have sent some calls before `process` ran)
    assert outcome(calls_json(ws)) == outcome(expected)
    assert_exactly_once(ws)


@pytest.mark.parametrize("victim", ["pool process", "whole worker"])
def test_kill_9_of_a_worker_mid_call(
    tmp_path: Path, broker: RedisServer, workers: Workers, victim: str
) -> None:
    """The pool process holding a call is killed (Celery puts its task back), or the whole worker is
    (its task waits in Redis; the lease runs out and the reaper sends the call again)."""
    expected = in_process_outcome(tmp_path)
    ws = ingest_examples(tmp_path / "ws")
    env = cli_env(broker.url, CALLQA_TEST_SPEECH_SECONDS="4")
    assert process(ws, env, "--no-wait").returncode == 0
    started = [workers.start(ws, env) for _ in range(2)]
    call_id, pid = holder(ws)
    if victim == "pool process":
        os.kill(pid, 9)
    else:
        workers.kill_9(next(p for p in started if p.pid == os.getpgid(pid)))
    with database_of(ws) as conn:
        status = conn.execute(sql("select status from calls where call_id = :c"), {"c": call_id}).scalar()
    assert status == "processing"
    done = process(ws, env)
    assert done.returncode == 0, done.stderr + workers.output()
    assert outcome(calls_json(ws)) == outcome(expected)
    assert_exactly_once(ws)


def test_a_broker_restart_loses_no_call(tmp_path: Path, broker: RedisServer, workers: Workers) -> None:
    """The broker dies with every queued task (no persistence) while a worker is mid-call, and comes
    back empty: the call in flight is stored, the lost ones are sent again, none twice."""
    expected = in_process_outcome(tmp_path)
    ws = ingest_examples(tmp_path / "ws")
    env = cli_env(broker.url, CALLQA_TEST_SPEECH_SECONDS="3")
    assert process(ws, env, "--no-wait").returncode == 0
    workers.start(ws, env)
    holder(ws)
    broker.kill()
    time.sleep(1)
    broker.start()
    done = process(ws, env)
    assert done.returncode == 0, done.stderr + workers.output()
    assert outcome(calls_json(ws)) == outcome(expected)
    assert_exactly_once(ws)


@pytest.mark.slow
def test_a_database_locked_for_longer_than_the_busy_timeout_loses_no_call(
    tmp_path: Path, broker: RedisServer, workers: Workers
) -> None:
    """SQLite's stand-in for a database restart: another process holds the write lock for 35 s,
    longer than the 30 s a connection waits, while workers are mid-call."""
    expected = in_process_outcome(tmp_path)
    ws = ingest_examples(tmp_path / "ws")
    env = cli_env(broker.url, CALLQA_TEST_SPEECH_SECONDS="2")
    assert process(ws, env, "--no-wait").returncode == 0
    for _ in range(2):
        workers.start(ws, env)
    holder(ws)
    locked = threading.Event()

    def hold_lock() -> None:
        conn = sqlite3.connect(ws / "callqa.db", timeout=60, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(35)
        conn.execute("ROLLBACK")
        conn.close()

    locker = threading.Thread(target=hold_lock)
    locker.start()
    assert locked.wait(60)
    locker.join()
    done = process(ws, env)
    assert done.returncode == 0, done.stderr + workers.output()
    assert outcome(calls_json(ws)) == outcome(expected)
    assert_exactly_once(ws)
    assert "database is locked" in workers.output()  # the lock was felt, and waited out
