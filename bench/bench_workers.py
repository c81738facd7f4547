"""Whole-call throughput through the broker: 2 worker processes versus in-process `callqa process`.

Both runs take the same recordings (default: the 14 example calls) through the real speech model,
each in a fresh workspace on this machine: (a) `callqa process --workers 2`; (b) a throw-away
redis-server, one `callqa worker --concurrency 2` started and ready (its model loaded) before the
clock starts, and `callqa process` with the broker, which sends the calls and waits for them. Prints
audio seconds per wall second of each, their ratio (target >= 95%), the worker's start-up time, and
whether both gave the same results.
Run: `.venv/bin/python bench/bench_workers.py [--calls DIR --manifest CSV]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "callqa.cli.main"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"callqa {' '.join(args)} failed:\n{done.stderr}")
    return done


def ingest(ws: Path, calls: Path, manifest: Path) -> None:
    cli("ingest", str(calls), "--manifest", str(manifest), "-w", str(ws), "-f", "csv")


def audio_seconds(ws: Path) -> float:
    with sqlite3.connect(ws / "callqa.db") as conn:
        return float(conn.execute("select coalesce(sum(duration_s), 0) from calls").fetchone()[0])


def results(ws: Path) -> dict[str, object]:
    calls = json.loads(cli("calls", "-w", str(ws), "-f", "json").stdout)
    return {
        c["call_id"]: (c["status"], c["score"], [(v["rule_id"], v["start_s"]) for v in c["violations"]])
        for c in calls
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=Path, default=ROOT / "examples" / "calls")
    parser.add_argument("--manifest", type=Path, default=ROOT / "examples" / "manifest.csv")
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is not installed (make services)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("CALLQA_BROKER_URL", None)

    inproc = tmp / "in-process"
    ingest(inproc, args.calls, args.manifest)
    t0 = time.perf_counter()
    cli("process", "-w", str(inproc), "--workers", "2", env=env)
    inproc_s = time.perf_counter() - t0

    port = free_port()
    redis_args = ["--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp)]
    redis = subprocess.Popen([redis_server, *redis_args], stdout=subprocess.DEVNULL)
    queued = tmp / "workers"
    ingest(queued, args.calls, args.manifest)
    broker_env = env | {"CALLQA_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    log = (tmp / "worker.log").open("w")
    t_start = time.perf_counter()
    worker = subprocess.Popen([*CLI, "worker", "-w", str(queued), "--concurrency", "2"], env=broker_env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        while (tmp / "worker.log").read_text().count("] worker process") < 2:  # both models loaded
            if worker.poll() is not None:
                raise SystemExit((tmp / "worker.log").read_text()[-3000:])
            time.sleep(0.2)
        startup_s = time.perf_counter() - t_start
        t0 = time.perf_counter()
        cli("process", "-w", str(queued), env=broker_env)
        queued_s = time.perf_counter() - t0
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        redis.terminate()
        redis.wait()

    audio = audio_seconds(inproc)
    same = results(inproc) == results(queued)
    print(f"machine: {os.cpu_count()} cores; {audio:.0f} s of audio in {len(results(inproc))} calls")
    print(f"in-process `callqa process --workers 2`: {inproc_s:.1f} s = {audio / inproc_s:.1f}x real time")
    print(f"2 worker processes through redis:        {queued_s:.1f} s = {audio / queued_s:.1f}x real time "
          f"(worker start-up {startup_s:.1f} s, not counted)")  # fmt: skip
    print(f"throughput through the broker: {inproc_s / queued_s:.1%} of in-process (target >= 95%)")
    print(f"same results: {same}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
