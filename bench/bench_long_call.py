"""Benchmark: one long stereo call through the real pipeline, for speed and a worker's peak memory.

Builds a call of `--minutes` (default 120) by looping the stereo example recordings with pauses
between them, writes it as an 8 kHz stereo FLAC to a temp folder, then ingests and processes it
(`ingest_one` + `process_pending`, one worker, so the worker is that process) in a fresh Python
process and prints the call's duration, x real time, that process's peak RSS (ru_maxrss), and the
character error rate against the looped calls' reference transcripts (tests/data/turns.jsonl).
Run: `.venv/bin/python bench/bench_long_call.py [--minutes 32]` (120 minutes take ~10 min on 2 cores).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RATE = 8000
PAUSES_S = (1.5, 4.0, 2.5, 8.0, 3.0)  # silence between the looped recordings, cycled


@dataclass(frozen=True)
class Clip:
    """One example call placed in the long call: where, and what is said in it."""

    start_s: float
    end_s: float
    reference: str


def _stereo_examples() -> list[tuple[np.ndarray, str]]:
    """Each stereo example call as interleaved int16 at 8 kHz, shape (frames, 2), with its reference."""
    import av

    references = {}
    for line in (ROOT / "tests" / "data" / "turns.jsonl").read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        references[call["call_id"]] = "".join(t["text"] for t in call["turns"])
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
        clips.append((np.concatenate(frames), references[path.stem]))
    return clips


def build_call(target: Path, minutes: float) -> tuple[float, list[Clip]]:
    """Write a `minutes`-long stereo FLAC of example calls and pauses (whole calls only, then
    silence to the end); returns its length in seconds and where each call went."""
    import av

    examples = _stereo_examples()
    total = round(minutes * 60 * RATE)
    written = 0
    placed: list[Clip] = []
    with av.open(str(target), "w") as container:
        stream = container.add_stream("flac", rate=RATE, layout="stereo")

        def write(block: np.ndarray) -> None:
            nonlocal written
            if block.size:
                frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="stereo")
                frame.sample_rate = RATE
                container.mux(stream.encode(frame))
                written += block.shape[0]

        for i in itertools.count():
            samples, reference = examples[i % len(examples)]
            if written + samples.shape[0] > total:  # no room for a whole call: silence to the end
                write(np.zeros((total - written, 2), np.int16))
                break
            placed.append(Clip(written / RATE, (written + samples.shape[0]) / RATE, reference))
            write(np.ascontiguousarray(samples))
            write(np.zeros((min(int(PAUSES_S[i % len(PAUSES_S)] * RATE), total - written), 2), np.int16))
        container.mux(stream.encode(None))
    return written / RATE, placed


def error_rate(clips: list[Clip], segments: list[tuple[float, str]]) -> float:
    """Character error rate over the placed calls, each against the segments that start inside it
    (a whole-call edit distance would be quadratic in hours of text)."""
    from callqa.asr.accuracy import normalise_for_cer
    from callqa.chinese import edit_distance

    errors = chars = 0
    starts = [start for start, _ in segments]
    for clip in clips:
        lo, hi = bisect.bisect_left(starts, clip.start_s - 0.5), bisect.bisect_right(starts, clip.end_s)
        reference = normalise_for_cer(clip.reference)
        errors += edit_distance(reference, normalise_for_cer("".join(text for _, text in segments[lo:hi])))
        chars += len(reference)
    return errors / max(chars, 1)


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
        rows = session.scalars(select(TranscriptSegment).order_by(TranscriptSegment.position)).all()
        figures = {"ingest": outcome.status, "ingest_message": outcome.message, "status": call.status,
                   "error": call.error, "duration_s": call.duration_s, "wall_s": wall,
                   "segments": [(r.start_s, r.text) for r in rows],
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
        seconds, clips = build_call(recording, args.minutes)
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
          f"{len(figures['segments'])} transcript segments")  # fmt: skip
    cer = error_rate(clips, figures["segments"])
    print(f"CER {cer:.3f} over the {len(clips)} example calls looped into it")
    print(f"duration {duration / 60:.1f} min, processed in {figures['wall_s']:.0f} s (model load included) "
          f"= {duration / figures['wall_s']:.1f}x real time")  # fmt: skip
    print(f"peak RSS of the worker process: {figures['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
