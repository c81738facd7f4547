"""Benchmark: one long stereo call through the real pipeline, for speed and a worker's peak memory.

Builds a call of `--minutes` (default 120) by looping the stereo example recordings with pauses
between them, writes it as an 8 kHz stereo FLAC to a temp folder, then ingests and processes it
(`ingest_one` + `process_pending`, one worker, so the worker is that process) in a fresh Python
process and prints the call's duration, x real time and that process's peak RSS (ru_maxrss).
Run: `.venv/bin/python bench/bench_long_call.py [--minutes 32]` (120 minutes take ~10 min on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RATE = 8000
PAUSES_S = (1.5, 4.0, 2.5, 8.0, 3.0)  # silence between the looped recordings, cycled


def _stereo_examples() -> list[np.ndarray]:
    """Each stereo example call as interleaved int16 at 8 kHz, shape (frames, 2)."""
    import av

    clips = []
    for path in sorted((ROOT / "examples" / "calls").iterdir()):
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            if stream.codec_context.channels != 2:
                continue
            resampler = av.AudioResampler(format="s16", layout="stereo", rate=RATE)
            frames = [out.to_ndarray().reshape(-1, 2) for f in container.decode(stream) for out in
                      resampler.resample(f)]  # fmt: skip
            frames += [out.to_ndarray().reshape(-1, 2) for out in resampler.resample(None)]
        clips.append(np.concatenate(frames))
    return clips


def build_call(target: Path, minutes: float) -> float:
    """Write a `minutes`-long stereo FLAC made of looped example calls; returns its length in s."""
    import av

    clips = _stereo_examples()
    total = round(minutes * 60 * RATE)
    written = 0
    with av.open(str(target), "w") as container:
        stream = container.add_stream("flac", rate=RATE, layout="stereo")
        i = 0
        while written < total:
            pause = np.zeros((int(PAUSES_S[i % len(PAUSES_S)] * RATE), 2), np.int16)
            for block in (clips[i % len(clips)], pause):
                block = block[: total - written]
                if not block.size:
                    continue
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block).reshape(1, -1), format="s16",
                                                   layout="stereo")  # fmt: skip
                frame.sample_rate = RATE
                container.mux(stream.encode(frame))
                written += block.shape[0]
            i += 1
        container.mux(stream.encode(None))
    return written / RATE


def child(recording: Path, workspace: Path) -> None:
    """Ingest and process one recording in this (fresh) process; print a JSON line of figures."""
    import resource

    from sqlalchemy import select

    from callqa.asr.model_files import resolve_model_dir
    from callqa.pipeline.ingest import ingest_one
    from callqa.pipeline.manifest import ManifestRow
    from callqa.pipeline.process import process_pending
    from callqa.rules import load_default_pack
    from callqa.store.database import Database
    from callqa.store.models import Call, TranscriptSegment
    from callqa.workspace import Workspace

    ws = Workspace.open(workspace)
    db = Database(ws.database_url)
    row = ManifestRow(line=0, path=recording, call_id="long", channels="agent,customer")
    outcome = ingest_one(ws, db, row)
    t0 = time.perf_counter()
    process_pending(ws, db, load_default_pack(), str(resolve_model_dir()), workers=1)
    wall = time.perf_counter() - t0
    with db.session() as session:
        call = session.scalars(select(Call)).one()
        segments = len(session.scalars(select(TranscriptSegment.id)).all())
        figures = {"ingest": outcome.status, "ingest_message": outcome.message, "status": call.status,
                   "error": call.error, "duration_s": call.duration_s, "segments": segments, "wall_s": wall,
                   "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    print(json.dumps(figures))


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0, help="length of the built call (default 120)")
    parser.add_argument("--child", nargs=2, metavar=("RECORDING", "WORKSPACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "long.flac"
        seconds = build_call(recording, args.minutes)
        size_mib = recording.stat().st_size >> 20
        print(f"built {recording.name}: {seconds / 60:.1f} min stereo 8 kHz, {size_mib} MiB")
        paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
        proc = subprocess.run([sys.executable, __file__, "--child", str(recording), str(Path(tmp) / "ws")],
                              env=env, capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            sys.exit(f"child failed:\n{proc.stderr}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
    duration = figures["duration_s"] or 0.0
    print(f"ingest: {figures['ingest']} {figures['ingest_message']}".rstrip())
    print(f"call: {figures['status']}{' (' + figures['error'] + ')' if figures['error'] else ''}, "
          f"{figures['segments']} transcript segments")  # fmt: skip
    print(f"duration {duration / 60:.1f} min, processed in {figures['wall_s']:.0f} s (model load included) "
          f"= {duration / figures['wall_s']:.1f}x real time")  # fmt: skip
    print(f"peak RSS of the worker process: {figures['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
