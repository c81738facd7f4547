"""What the acoustics cost against transcription (issue 9's budget: separation and acoustics together
add at most 15% to whole-call processing).

The acoustics reuse the energy the transcription measures (`speaker_energy`), so their own cost is
`measure()` alone. It is timed on every example call with its reference transcript; with
`--model-call ID` one example call is also transcribed once with the real speech model, and the
ratio printed. Run: PYTHONPATH=src python bench/bench_acoustics.py [--model-call p01]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from callqa.asr.transcribe import speaker_energy, transcribe_audio
from callqa.audio.acoustics import measure
from callqa.audio.decode import decode
from callqa.transcript import Segment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-call", help="an example call id to transcribe once with the real model")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with (EXAMPLES / "manifest.csv").open(encoding="utf-8") as fh:
        files = {r["call_id"]: (EXAMPLES / r["file"], r["channels"]) for r in csv.DictReader(fh)}
    turns = {
        (c := json.loads(line))["call_id"]: c["turns"]
        for line in (ROOT / "tests/data/turns.jsonl").read_text(encoding="utf-8").splitlines()
    }
    total_audio = total_measure = 0.0
    for call_id, raw in turns.items():
        path, channels = files[call_id]
        audio = decode(path)
        measured = speaker_energy(audio, channels or None)
        mono = measured.roles == ["unknown"]
        segments = [Segment("unknown" if mono else t["role"], t["start"], t["end"], t["text"]) for t in raw]
        start = time.perf_counter()
        for _ in range(args.repeat):
            result = measure(segments, measured.energy_db, measured.roles, audio.duration_s)
        took = (time.perf_counter() - start) / args.repeat
        total_audio += audio.duration_s
        total_measure += took
        print(f"{call_id} {audio.duration_s:5.1f}s measure {1000 * took:6.2f} ms  {result.summary()}")
    print(f"all {len(turns)} calls: {total_audio:.0f} s of audio, measure {1000 * total_measure:.1f} ms")
    if args.model_call:
        from callqa.asr.engine import DecodeSettings, SpeechModel
        from callqa.asr.model_files import resolve_model_dir

        path, channels = files[args.model_call]
        model = SpeechModel(resolve_model_dir(), DecodeSettings())
        audio = decode(path)
        start = time.perf_counter()
        measured = speaker_energy(audio, channels or None)
        segments = transcribe_audio(model, audio, channels or None, measured=measured)
        transcribing = time.perf_counter() - start
        start = time.perf_counter()
        measure(segments, measured.energy_db, measured.roles, audio.duration_s)
        acoustics = time.perf_counter() - start
        print(
            f"{args.model_call} ({audio.duration_s:.1f} s): transcription {transcribing:.2f} s, acoustics "
            f"{1000 * acoustics:.2f} ms = {100 * acoustics / transcribing:.3f}% of transcription"
        )


if __name__ == "__main__":
    main()
