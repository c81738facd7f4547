"""A full disk during `ingest` or `process`: one line naming what could not be written, exit 1, nothing
lost, and a re-run once there is space ends as an uninterrupted run would.

The disks are real: small tmpfs file systems mounted for the test (this needs root, as `make test`
runs here and in CI); without the right to mount, the tests are skipped saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from callqa.store.database import is_disk_full, open_database
from callqa.workspace import Workspace
from tests.conftest import EXAMPLES, run_cli

AGAIN = "free space, then run the same command again"


class SmallDisk:
    """A tmpfs of a given size at `path`, which a test can fill up, empty and enlarge."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        """Take every free byte."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for block in (1 << 20, 4096, 1):
                try:
                    while os.write(fd, b"\0" * block):
                        pass
                except OSError as exc:
                    assert is_disk_full(exc), exc
        finally:
            os.close(fd)

    def empty(self) -> None:
        self.filler.unlink(missing_ok=True)

    def resize(self, size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], SmallDisk]]:
    mounted: list[Path] = []

    def mount(size: str) -> SmallDisk:
        path = tmp_path / f"disk{len(mounted)}"
        path.mkdir()
        try:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "callqa-test", str(path)],
                capture_output=True,
                text=True,
            )
        except FileNotFoundError:
            pytest.skip("no `mount` command here: cannot make a size-limited file system")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a size-limited tmpfs (needs root): {done.stderr.strip()}")
        mounted.append(path)
        return SmallDisk(path)

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, as a user runs it (a traceback would show on stderr)."""
    command = [sys.executable, "-m", "callqa.cli.main", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def assert_disk_full(done: subprocess.CompletedProcess[str], reason: str) -> None:
    """Exit 1 and, last on stderr, the one-line reason matching `reason` (a regex)."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(f"error: disk full: {reason}: {AGAIN}", last), last


def calls_json(ws: Path) -> list[dict]:
    code, stdout, stderr = run_cli("calls", "-w", str(ws), "-f", "json")
    assert code == 0, stderr
    return json.loads(stdout)


def recordings(ws: Path) -> dict[str, str]:
    """Stored recording (relative path) → sha256 of its bytes; leftovers of a copy included."""
    return {
        str(p.relative_to(ws)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((ws / "recordings").rglob("*"))
        if p.is_file()
    }


def test_ingest_stops_when_recordings_do_not_fit(small_disk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    disk = small_disk("3m")  # room for the database and some of the 6 MB of example calls
    ws = disk.path / "ws"
    inputs = (EXAMPLES / "calls", "--manifest", EXAMPLES / "manifest.csv")

    stopped = cli("ingest", *inputs, "-w", ws)
    assert_disk_full(
        stopped,
        rf"cannot copy \S+ into {re.escape(str(ws / 'recordings'))}; "
        r"(the \d+ recordings added before it are kept|nothing was added)",
    )
    partial = calls_json(ws)
    assert len(partial) < 14 and {c["status"] for c in partial} <= {"pending"}

    disk.resize("32m")
    resumed = cli("ingest", *inputs, "-w", ws)
    assert resumed.returncode == 0, resumed.stderr
    plain = tmp_path / "plain"
    assert cli("ingest", *inputs, "-w", plain).returncode == 0
    assert calls_json(ws) == calls_json(plain)
    assert recordings(ws) == recordings(plain)  # every copy whole, no half-written leftovers


def test_a_full_database_stops_ingest_and_process(small_disk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The database on its own small disk, the recordings elsewhere: the copy succeeds, the row
    cannot be written. The disk fills while a reader holds the database open, as the server does."""
    disk = small_disk("1m")
    database = disk.path / "callqa.db"
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "config.toml").write_text(f'database_url = "sqlite:///{database}"\n', encoding="utf-8")
    assert cli("ingest", EXAMPLES / "calls" / "p04.mp3", "-w", ws).returncode == 0

    reader = sqlite3.connect(database)
    try:
        assert reader.execute("select status from calls").fetchall() == [("pending",)]
        disk.fill()
        database_line = rf"cannot write the database {re.escape(f'sqlite:///{database}')}"
        assert_disk_full(
            cli("process", "-w", ws),
            rf"{database_line}; finished calls are stored, the rest are pending",
        )
        assert_disk_full(
            cli("ingest", EXAMPLES / "calls" / "p07.amr", "-w", ws),
            rf"{database_line} \(adding \S+p07.amr\); nothing was added",
        )
        assert reader.execute("select call_id, status from calls").fetchall() == [("p04", "pending")]
    finally:
        reader.close()

    disk.empty()
    assert cli("ingest", EXAMPLES / "calls" / "p07.amr", "-w", ws).returncode == 0
    plain = tmp_path / "plain"
    for name in ("p04.mp3", "p07.amr"):
        assert cli("ingest", EXAMPLES / "calls" / name, "-w", plain).returncode == 0
    assert calls_json(ws) == calls_json(plain)
    assert recordings(ws) == recordings(plain)


@pytest.mark.slow
def test_disk_filling_up_during_processing_then_a_rerun(small_disk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The disk fills while a call is being transcribed: its result cannot be stored (nor its claim
    given back). The next run in the same process, as the server's worker makes it, finishes it."""
    from callqa.asr.model_files import resolve_model_dir
    from callqa.pipeline.process import process_pending
    from callqa.rules import load_default_pack

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "calls" / "p04.mp3", folder)
    manifest = folder / "manifest.csv"
    lines = (EXAMPLES / "manifest.csv").read_text(encoding="utf-8").splitlines()
    manifest.write_text(lines[0] + "\n" + lines[4].replace("calls/", "") + "\n", encoding="utf-8")
    disk = small_disk("8m")
    ws, plain = disk.path / "ws", tmp_path / "plain"
    for target in (ws, plain):
        assert run_cli("ingest", str(folder), "--manifest", str(manifest), "-w", str(target))[0] == 0
    model, pack = str(resolve_model_dir(None)), load_default_pack()

    db = open_database(Workspace.open(ws))
    try:
        with pytest.raises(Exception) as stopped:
            process_pending(Workspace.open(ws), db, pack, model, on_start=lambda _n: disk.fill())
        assert is_disk_full(stopped.value)
        assert [c["status"] for c in calls_json(ws)] != ["clean", "flagged"]  # nothing half-stored
        disk.empty()
        summary = process_pending(Workspace.open(ws), db, pack, model)
    finally:
        db.close()
    assert (summary.done, summary.failed) == (1, [])

    assert run_cli("process", "-w", str(plain))[0] == 0
    assert calls_json(ws) == calls_json(plain)
    transcripts = [run_cli("transcript", "p04", "-w", str(w), "-f", "json")[1] for w in (ws, plain)]
    assert transcripts[0] == transcripts[1]
