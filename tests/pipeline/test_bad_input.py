"""Bad input: each gets a one-line reason, the batch goes on, exit code 1, nothing stored changes."""

from __future__ import annotations

import json
import os
import shutil
import struct
import wave
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli


def _zero_sample_wav(path: Path) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"")


def _unreadable(path: Path) -> None:
    if os.geteuid() == 0:  # root reads any mode: a file whose every read fails is /proc/self/mem
        path.symlink_to("/proc/self/mem")
    else:
        path.write_bytes(b"RIFF")
        path.chmod(0)


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "empty.wav").write_bytes(b"")
    good = (EXAMPLES / "calls" / "p01.wav").read_bytes()
    (folder / "truncated.wav").write_bytes(good[: len(good) // 3])
    (folder / "random.wav").write_bytes(os.urandom(4096))
    _zero_sample_wav(folder / "zero_samples.wav")
    (folder / "text.mp3").write_text("this is not audio at all\n" * 50)
    _unreadable(folder / "unreadable.wav")
    shutil.copy(EXAMPLES / "calls" / "p14.wav", folder / "good.wav")
    return folder


EXPECTED_REASONS = {
    "empty": "文件为空",
    "truncated": "文件不完整",
    "random": "不是可读取的音频文件",
    "zero_samples": "没有音频",
    "text": "不是可读取的音频文件",
    "unreadable": "cannot read file",  # refused by ingest (the command line's words)
}


@pytest.mark.slow
def test_bad_files_fail_with_reasons_and_batch_continues(tmp_path: Path, bad_folder: Path) -> None:
    ws = str(tmp_path / "ws")
    code, _, stderr = run_cli("ingest", str(bad_folder), "--workspace", ws)
    assert code == 1
    assert "Traceback" not in stderr
    assert "unreadable.wav: cannot read file" in stderr
    code, _, stderr = run_cli("process", "--workspace", ws)
    assert code == 1, stderr
    assert "Traceback" not in stderr
    calls = {c["call_id"]: c for c in json.loads(run_cli("calls", "--workspace", ws, "--format", "json")[1])}
    assert calls["good"]["status"] == "flagged"  # p14: abuse, processed despite its bad neighbours
    for call_id, reason in EXPECTED_REASONS.items():
        if call_id == "unreadable":
            assert call_id not in calls  # never got in: its bytes could not be read
            continue
        assert calls[call_id]["status"] == "failed"
        assert reason in calls[call_id]["error"], calls[call_id]["error"]
        assert "\n" not in calls[call_id]["error"]
        assert f"failed: {call_id}: " in stderr or call_id == "empty"


@pytest.mark.slow
def test_retry_failed_keeps_finished_calls(tmp_path: Path, bad_folder: Path) -> None:
    ws = str(tmp_path / "ws")
    run_cli("ingest", str(bad_folder), "--workspace", ws)
    run_cli("process", "--workspace", ws)
    before = json.loads(run_cli("calls", "--workspace", ws, "--format", "json")[1])
    code, _, stderr = run_cli("process", "--retry-failed", "--workspace", ws)
    assert code == 1 and "5 processed" in stderr
    after = json.loads(run_cli("calls", "--workspace", ws, "--format", "json")[1])
    assert after == before


def test_manifest_problems(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    shutil.copy(EXAMPLES / "calls" / "p14.wav", tmp_path / "a.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "file,call_id,agent_id,customer_phone,started_at,channels\n"
        "missing.wav,m1,A1,138,2026-11-20T10:00:00+08:00,mixed\n"
        'a.wav,a1,A1,138,yesterday at noon,"agent,customer"\n'
    )
    code, _, stderr = run_cli("ingest", "--manifest", str(manifest), "--workspace", ws)
    assert code == 1 and "Traceback" not in stderr
    assert "file not found" in stderr
    assert "清单第 3 行：started_at “yesterday at noon”不是有效的时间" in stderr
    broken = tmp_path / "broken.csv"
    broken.write_text("name,when\nx.wav,2026\n")
    code, _, stderr = run_cli("ingest", "--manifest", str(broken), "--workspace", ws)
    assert code == 1 and "缺少列 file、call_id" in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_bad_rule_pack_stops_processing_without_changes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copy(EXAMPLES / "calls" / "p14.wav", tmp_path / "a.wav")
    run_cli("ingest", str(tmp_path / "a.wav"), "--workspace", str(ws))
    pack = tmp_path / "pack.yaml"
    pack.write_text("rules:\n  - id: r1\n    category: not_a_category\n")
    code, _, stderr = run_cli("rules", "check", str(pack))
    assert code == 1 and "pack.yaml:" in stderr and "Traceback" not in stderr
    (ws / "config.toml").write_text(f'rule_pack = "{pack}"\n')
    code, _, stderr = run_cli("process", "--workspace", str(ws))
    assert code == 1 and "rule pack has errors" in stderr
    calls = json.loads(run_cli("calls", "--workspace", str(ws), "--format", "json")[1])
    assert [c["status"] for c in calls] == ["pending"]


def test_usage_error_exit_code(tmp_path: Path) -> None:
    code, _, _ = run_cli("process", "--workers", "0", "--workspace", str(tmp_path / "ws"))
    assert code == 2
    code, _, _ = run_cli("search", "x", "--since", "not-a-date", "--workspace", str(tmp_path / "ws"))
    assert code == 2


def test_header_declares_more_than_present(tmp_path: Path) -> None:
    """A WAV whose data chunk claims more bytes than the file holds is reported as truncated."""
    from callqa.audio.decode import AudioError, decode

    data = struct.pack("<h", 1000) * 8000
    path = tmp_path / "cut.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(data * 4)
    path.write_bytes(path.read_bytes()[: 44 + len(data)])
    with pytest.raises(AudioError, match="文件不完整"):
        decode(path)
