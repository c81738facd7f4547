"""Workers on a shared PostgreSQL database: the example calls through 2 workers give the result of
in-process processing on SQLite, and a database restart while workers are mid-call loses and
duplicates nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import outcome
from tests.pg import LocalPostgres, PostgresServer, local_postgres

from .conftest import (
    ALL_CALLS,
    RedisServer,
    Workers,
    calls_json,
    cli_env,
    in_process_outcome,
    ingest_examples,
)
from .test_workers import assert_exactly_once, holder, process


@pytest.fixture
def restartable_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL server of this test's own (the session's is shared by other tests)."""
    server = local_postgres()
    yield server
    server.remove()


def test_two_workers_on_postgres_give_the_sqlite_in_process_result(
    tmp_path: Path, broker: RedisServer, workers: Workers, postgres_server: PostgresServer
) -> None:
    """The whole example corpus (the fake speech engine's transcripts of it)."""
    expected = in_process_outcome(tmp_path, ALL_CALLS)  # SQLite, in-process
    assert len(expected) == 14
    url = postgres_server.create_database()
    try:
        ws = ingest_examples(tmp_path / "ws", ALL_CALLS, database_url=url)
        env = cli_env(broker.url)
        for _ in range(2):
            workers.start(ws, env)
        done = process(ws, env)
        assert done.returncode == 0, done.stderr + workers.output()
        assert outcome(calls_json(ws)) == outcome(expected)
        assert_exactly_once(ws)
    finally:
        postgres_server.drop_database(url)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_database_restart_mid_call_loses_no_call(
    tmp_path: Path, broker: RedisServer, workers: Workers, restartable_postgres: LocalPostgres, mode: str
) -> None:
    """The database goes down while a worker holds a call (a clean shutdown, or a crash: "immediate")
    and comes back 3 s later: the workers' connections die with it; every call ends stored once."""
    expected = in_process_outcome(tmp_path)
    url = restartable_postgres.server.create_database()
    ws = ingest_examples(tmp_path / "ws", database_url=url)
    env = cli_env(broker.url, CALLQA_TEST_SPEECH_SECONDS="3")
    assert process(ws, env, "--no-wait").returncode == 0
    for _ in range(2):
        workers.start(ws, env)
    holder(ws)
    restartable_postgres.stop(mode)
    time.sleep(3)
    restartable_postgres.start()
    done = process(ws, env)
    assert done.returncode == 0, done.stderr + workers.output()
    assert outcome(calls_json(ws)) == outcome(expected)
    assert_exactly_once(ws, attempts=2)
    felt = workers.output(20000)
    assert "server closed the connection" in felt or "Connection refused" in felt  # the outage was felt
