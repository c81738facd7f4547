"""kill -9 in the middle of `callqa process`, then re-run: same result as an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLES, outcome, run_cli

CALLS = ("p02", "p07", "p11", "p13", "p14")


def _done(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("select count(*) from calls where status in ('clean','flagged')").fetchone()[
                0
            ]
    except sqlite3.Error:
        return 0


def test_kill_9_then_rerun_equals_uninterrupted(tmp_path: Path, corpus_calls: dict[str, dict]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [
        line
        for line in (EXAMPLES / "manifest.csv").read_text().splitlines()[1:]
        if line.split(",")[1] in CALLS
    ]
    for row in rows:
        shutil.copy(EXAMPLES / row.split(",")[0], folder / Path(row.split(",")[0]).name)
    manifest = folder / "manifest.csv"
    manifest.write_text(
        (EXAMPLES / "manifest.csv").read_text().splitlines()[0]
        + "\n"
        + "\n".join(r.replace("calls/", "") for r in rows)
        + "\n"
    )
    ws = tmp_path / "ws"
    assert run_cli("ingest", str(folder), "--manifest", str(manifest), "--workspace", str(ws))[0] == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "callqa.cli.main", "process", "--workspace", str(ws)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while _done(ws / "callqa.db") < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "process finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    interrupted = {
        c["call_id"]: c["status"] for c in json.loads(run_cli("calls", "-w", str(ws), "-f", "json")[1])
    }
    assert "processing" in interrupted.values() or "pending" in interrupted.values()
    code, _, stderr = run_cli("process", "--workspace", str(ws))
    assert code == 0, stderr
    resumed = {c["call_id"]: c for c in json.loads(run_cli("calls", "-w", str(ws), "-f", "json")[1])}
    assert outcome(resumed) == outcome({cid: corpus_calls[cid] for cid in CALLS})
    with sqlite3.connect(ws / "callqa.db") as conn:
        dup = conn.execute(
            "select call_pk, position, count(*) from segments group by call_pk, position having count(*) > 1"
        ).fetchall()
    assert dup == []
