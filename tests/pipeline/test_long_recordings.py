"""Recordings longer than `max_call_minutes`: refused at ingest from their declared length, or at
processing when they declare none; either way with one readable line, and the batch goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.audio.synth import silence
from tests.conftest import EXAMPLES, run_cli


def _calls(ws: Path) -> dict[str, dict]:
    code, stdout, _ = run_cli("calls", "--workspace", str(ws), "--format", "json")
    assert code == 0
    return {c["call_id"]: c for c in json.loads(stdout)}


def test_two_hours_of_silence_refused_at_ingest(tmp_path: Path) -> None:
    """The reported case: a FLAC of 2 hours of silence, under a megabyte, with the default limit."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    silence(folder / "silent.flac", 121 * 60)
    shutil.copy(EXAMPLES / "calls" / "p14.wav", folder / "good.wav")
    ws = tmp_path / "ws"
    code, _, stderr = run_cli("ingest", str(folder), "--workspace", str(ws))
    assert code == 1 and "Traceback" not in stderr
    assert "silent.flac: 录音长 121.0 分钟，超过 120 分钟的上限（max_call_minutes）" in stderr
    assert "1 added, 0 already present, 1 failed" in stderr
    assert set(_calls(ws)) == {"good"}
    assert len(list((ws / "recordings").rglob("*.*"))) == 1  # the refused file was not copied in


def test_limit_from_config_at_ingest_and_processing(tmp_path: Path) -> None:
    """A file that states no length (written through a pipe) gets past ingest and is stopped while
    decoding; the good call beside it is processed."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    silence(folder / "declared.flac", 40)
    silence(folder / "undeclared.flac", 60, declared=False)
    shutil.copy(EXAMPLES / "calls" / "p14.wav", folder / "good.wav")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "config.toml").write_text("max_call_minutes = 0.5\n")
    code, _, stderr = run_cli("ingest", str(folder), "--workspace", str(ws))
    assert code == 1 and "declared.flac: 录音长 0.7 分钟，超过 0.5 分钟的上限（max_call_minutes）" in stderr
    assert set(_calls(ws)) == {"undeclared", "good"}
    code, _, stderr = run_cli("process", "--workspace", str(ws))
    assert code == 1 and "Traceback" not in stderr
    calls = _calls(ws)
    assert calls["good"]["status"] == "flagged"
    assert calls["undeclared"]["status"] == "failed"
    assert calls["undeclared"]["error"] == ("录音超过 0.5 分钟的上限（max_call_minutes），解码已在上限处停止")
    assert "failed: undeclared: 录音超过 0.5 分钟的上限" in stderr
