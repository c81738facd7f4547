"""`callqa bench`'s measurement: real pipeline on a throw-away database, recorded in the workspace."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from callqa.audio.decode import decode
from callqa.capacity.bench import BENCH_FILE, BenchError, BenchRecord, load, save
from callqa.store.database import open_database
from callqa.store.models import Call
from callqa.workspace import Workspace
from tests.capacity.conftest import SAMPLE, measured
from tests.conftest import EXAMPLES, run_cli


def test_measures_the_examples_and_stores_nothing_in_the_workspace(
    benched: tuple[Path, BenchRecord],
) -> None:
    root, record = benched
    assert record.files == 3 and record.failed == 0
    assert record.audio_s == pytest.approx(sum(decode(p).duration_s for p in SAMPLE), abs=0.01)
    assert record.audio_h_per_wall_h == record.audio_s / record.wall_s > 1
    assert record.per_core == record.audio_h_per_wall_h / (record.workers * record.threads_per_worker)
    # content-addressed copies: exactly the bytes of the sample's files
    assert record.recordings_bytes == sum(p.stat().st_size for p in SAMPLE)
    assert record.database_bytes > 0 and record.peak_worker_mib > 0
    assert record.machine.cores >= 1 and record.machine.ram_gib > 0 and record.machine.cpu_model
    assert not list(root.glob(".bench-*")), "the throw-away workspace is removed"
    db = open_database(Workspace.open(root))
    with db.session() as session:
        assert session.scalar(select(func.count(Call.id))) == 0, "the workspace's own database is untouched"
    db.close()


def test_record_is_private_and_reads_back(benched: tuple[Path, BenchRecord]) -> None:
    root, record = benched
    path = root / BENCH_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["machine"]["cores"] == record.machine.cores
    assert data["derived"]["audio_h_per_wall_h"] == round(record.audio_h_per_wall_h, 3)
    assert load(Workspace.open(root)) == record


def test_never_writes_to_the_configured_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With CALLQA_DATABASE_URL pointing at the shared database, the bench still measures on its own."""
    shared = tmp_path / "shared.db"
    monkeypatch.setenv("CALLQA_DATABASE_URL", f"sqlite:///{shared}")
    ws = Workspace.open(tmp_path / "ws")
    record = measured(ws, [EXAMPLES / "calls" / "p02.wav"])
    assert record.files == 1 and record.audio_s > 0
    assert not shared.exists()


def test_missing_and_broken_records_say_what_to_run(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(BenchError, match=r"run `callqa bench` first"):
        load(ws)
    (ws.root / BENCH_FILE).write_text('{"machine": {"cores": 2}}')
    with pytest.raises(BenchError, match=r"cannot be read .*run `callqa bench` again"):
        load(ws)
    (ws.root / BENCH_FILE).write_text("not json")
    with pytest.raises(BenchError, match=r"run `callqa bench` again"):
        load(ws)


def test_a_record_of_nothing_is_refused(tmp_path: Path, benched: tuple[Path, BenchRecord]) -> None:
    ws = Workspace.open(tmp_path / "ws")
    save(ws, benched[1])
    data = json.loads((ws.root / BENCH_FILE).read_text())
    (ws.root / BENCH_FILE).write_text(json.dumps(data | {"wall_s": 0}))
    with pytest.raises(BenchError, match="must be positive"):
        load(ws)


def test_nothing_ingestible_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.wav").write_text("not audio")
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(BenchError) as caught:
        measured(ws, [folder])
    assert "\n" not in str(caught.value)
    assert not list(ws.root.glob(".bench-*"))


def test_bench_command_without_example_calls_or_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import callqa.cli.capacity as cli

    monkeypatch.setattr(cli, "EXAMPLES", tmp_path / "nowhere")
    code, _, stderr = run_cli("bench", "-w", str(tmp_path / "ws"))
    assert code == 2 and "give recordings with --files" in stderr


@pytest.mark.slow
def test_bench_command_runs_the_real_model_on_one_short_file(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    code, stdout, stderr = run_cli("bench", "--files", str(EXAMPLES / "calls" / "p13.ogg"), "-w", str(ws))
    assert code == 0, stderr
    assert "audio hours per hour" in stdout and "bench.json" in stdout
    record = load(Workspace.open(ws))
    assert record.files == 1 and record.failed == 0 and record.audio_s > 5
    assert record.model != "scripted" and record.peak_worker_mib > 100  # the speech model was loaded
