"""The real speech model through the broker: 2 example calls, 2 worker processes, the same results as
in-process `callqa process` (slow: the model runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import outcome, run_cli

from .conftest import RedisServer, Workers, calls_json, cli_env, ingest_examples
from .test_workers import assert_exactly_once, process

TWO = ("p02", "p07")


@pytest.mark.slow
def test_real_model_through_two_workers_equals_in_process(
    tmp_path: Path, broker: RedisServer, workers: Workers
) -> None:
    in_process = ingest_examples(tmp_path / "in-process", TWO)
    code, _, stderr = run_cli("process", "-w", str(in_process), "--workers", "2")
    assert code == 0, stderr
    ws = ingest_examples(tmp_path / "ws", TWO, lease_s=60)
    env = cli_env(broker.url)
    for _ in range(2):
        workers.start(ws, env, engine=None)
    done = process(ws, env)
    assert done.returncode == 0, done.stderr + workers.output()
    expected = calls_json(in_process)
    assert expected["p02"]["violations"] and outcome(calls_json(ws)) == outcome(expected)
    assert_exactly_once(ws)
