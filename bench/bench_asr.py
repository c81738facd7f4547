"""Speech-to-text throughput: whole callqa calls versus raw faster-whisper on the same files.

Prints audio-seconds per wall-second for (a) the callqa pipeline (decode, bleed removal, VAD,
packed batched decoding, cleanup, rules, storage) and (b) plain faster-whisper `transcribe`
with VAD and the same beam on each channel (the same job: who said what) and on the mono mix
(less: no speakers), plus peak memory. Run: `.venv/bin/python bench/bench_asr.py`.
"""

from __future__ import annotations

import os
import platform
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def raw_faster_whisper(model_dir: Path, files: list[Path], per_channel: bool) -> tuple[float, float]:
    """Plain faster-whisper `transcribe` (VAD on, same beam) on each file's channels or mono mix."""
    from faster_whisper import WhisperModel

    from callqa.asr.engine import DecodeSettings
    from callqa.audio.decode import decode

    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1,
                         local_files_only=True)  # fmt: skip
    audio_s = wall = 0.0
    for path in files:
        audio = decode(path)
        channels = list(audio.samples) if per_channel else [audio.samples.mean(axis=0)]
        t0 = time.perf_counter()
        for channel in channels:
            segments, _ = model.transcribe(channel, language="zh", beam_size=DecodeSettings().beam_size,
                                           vad_filter=True)  # fmt: skip
            list(segments)
        wall += time.perf_counter() - t0
        audio_s += audio.duration_s
    return audio_s, wall


def callqa_pipeline(files_dir: Path, manifest: Path, workers: int) -> tuple[float, float]:
    from callqa.asr.model_files import resolve_model_dir
    from callqa.pipeline.ingest import ingest_one, rows_for
    from callqa.pipeline.process import process_pending
    from callqa.rules import load_default_pack
    from callqa.store.database import open_database
    from callqa.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws")
        db = open_database(ws)
        for row in rows_for([files_dir], manifest):
            ingest_one(ws, db, row)
        pack = load_default_pack()
        t0 = time.perf_counter()
        process_pending(ws, db, pack, str(resolve_model_dir()), workers=workers)
        wall = time.perf_counter() - t0
        from sqlalchemy import func, select

        from callqa.store.models import Call

        with db.session() as session:
            audio_s = session.scalar(select(func.sum(Call.duration_s))) or 0.0
    return audio_s, wall


def main() -> None:
    from callqa.asr.model_files import resolve_model_dir

    files = sorted((ROOT / "examples" / "calls").iterdir())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    for workers in (2, 1):
        audio_s, wall = callqa_pipeline(
            ROOT / "examples" / "calls", ROOT / "examples" / "manifest.csv", workers
        )
        print(
            f"callqa whole calls, {workers} worker(s) (decode, ASR, rules, storage; model load included): "
            f"{audio_s:7.1f} audio-s in {wall:6.1f} s  = {audio_s / wall:5.1f}x real time"
        )
    peak_pipeline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for label, per_channel in (("each channel", True), ("mono mix", False)):
        raw_audio, raw_wall = raw_faster_whisper(resolve_model_dir(), files, per_channel)
        print(
            f"raw faster-whisper, {label:12s}: {raw_audio:7.1f} audio-s in {raw_wall:6.1f} s  = "
            f"{raw_audio / raw_wall:5.1f}x real time; callqa time / this = {wall / raw_wall:.2f}"
        )
    print(f"peak RSS (1-worker pipeline run, this process): {peak_pipeline:.0f} MiB")


if __name__ == "__main__":
    main()
