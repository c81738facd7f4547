"""Speakers on mono recordings: the example calls mixed down to one channel, transcribed as mono, then
separated (`callqa.speakers.separate`); each character of the transcript is checked against the role
of the reference turn it was said in (tests/data/turns.jsonl, the stereo channels' ground truth).

Prints per call and overall the share of transcript characters given to the right role (unknown
counts as wrong) and to `unknown`, and what separation and acoustics cost as a share of the whole
call's processing (decoding, transcription, separation, acoustics). The speech model runs once per
call; `--cache DIR` keeps its transcripts (and timings) for the next run.

Run: PYTHONPATH=src python bench/bench_speakers.py [--cache /tmp/speakers-cache] [--calls p01,p02]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callqa.asr.transcribe import speaker_energy, transcribe_audio
from callqa.audio.acoustics import measure
from callqa.audio.decode import DecodedAudio, decode
from callqa.speakers import separate
from callqa.transcript import Segment, Word

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@dataclass
class Transcribed:
    """One call mixed down and transcribed as mono, with what that took (seconds)."""

    segments: list[Segment]
    decode_s: float
    transcribe_s: float

    def to_json(self) -> str:
        segs = [
            [s.start_s, s.end_s, s.text, [[w.start_s, w.end_s, w.text] for w in s.words]]
            for s in self.segments
        ]
        return json.dumps({"segments": segs, "decode_s": self.decode_s, "transcribe_s": self.transcribe_s})

    @classmethod
    def from_json(cls, text: str) -> Transcribed:
        data = json.loads(text)
        segments = [
            Segment("unknown", a, b, t, tuple(Word(*w) for w in ws)) for a, b, t, ws in data["segments"]
        ]
        return cls(segments, data["decode_s"], data["transcribe_s"])


def downmixed(path: Path) -> tuple[DecodedAudio, float]:
    """The recording as one channel (the mean of its channels), and the decoding time."""
    start = time.perf_counter()
    audio = decode(path)
    mono = DecodedAudio(audio.samples.mean(axis=0, keepdims=True), audio.codec, audio.source_rate)
    return mono, time.perf_counter() - start


def transcribe(model: object, audio: DecodedAudio) -> tuple[list[Segment], float]:
    start = time.perf_counter()
    measured = speaker_energy(audio)
    segments = transcribe_audio(model, audio, measured=measured)  # type: ignore[arg-type]
    return segments, time.perf_counter() - start


def role_at(turns: list[dict], t: float) -> str | None:
    """The reference role speaking at time t (the nearest turn within 1 s when none covers t)."""
    best, gap = None, 1.0
    for turn in turns:
        d = max(turn["start"] - t, t - turn["end"], 0.0)
        if d < gap or (d == gap == 0.0):
            best, gap = turn["role"], d
    return best


def score(segments: list[Segment], turns: list[dict]) -> tuple[int, int, int]:
    """(characters, characters given the right role, characters left unknown); each character is
    timed by its word (by interpolation over the segment when it has no words)."""
    total = right = unknown = 0
    for seg in segments:
        words = seg.words or ()
        timed = [(w.start_s + w.end_s) / 2 for w in words for ch in w.text if ch.isalnum()]
        if not words:
            chars = [ch for ch in seg.text if ch.isalnum()]
            step = (seg.end_s - seg.start_s) / max(1, len(chars))
            timed = [seg.start_s + step * (k + 0.5) for k in range(len(chars))]
        for t in timed:
            total += 1
            unknown += seg.speaker == "unknown"
            right += seg.speaker == role_at(turns, t)
    return total, right, unknown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="a folder keeping the speech model's transcripts")
    parser.add_argument("--calls", help="comma-separated call ids (default: all 14)")
    parser.add_argument("--repeat", type=int, default=3, help="separation runs per call (timing)")
    args = parser.parse_args()
    with (EXAMPLES / "manifest.csv").open(encoding="utf-8") as fh:
        rows = {r["call_id"]: r for r in csv.DictReader(fh)}
    truth = {
        (c := json.loads(line))["call_id"]: c["turns"]
        for line in (ROOT / "tests/data/turns.jsonl").read_text(encoding="utf-8").splitlines()
    }
    wanted = args.calls.split(",") if args.calls else list(rows)
    model = None
    sums = {"stereo": np.zeros(3), "mixed": np.zeros(3)}
    cost = np.zeros(3)  # whole processing, separation, acoustics
    for call_id in wanted:
        row = rows[call_id]
        audio, decode_s = downmixed(EXAMPLES / row["file"])
        cached = args.cache / f"{call_id}.json" if args.cache else None
        if cached and cached.exists():
            done = Transcribed.from_json(cached.read_text())
        else:
            if model is None:
                from callqa.asr.engine import DecodeSettings, SpeechModel
                from callqa.asr.model_files import resolve_model_dir

                model = SpeechModel(resolve_model_dir(), DecodeSettings())
            segments, took = transcribe(model, audio)
            done = Transcribed(segments, decode_s, took)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(done.to_json())
        measured = speaker_energy(audio)
        start = time.perf_counter()
        for _ in range(args.repeat):
            separated = separate(audio, done.segments, measured.energy_db)
        separate_s = (time.perf_counter() - start) / args.repeat
        start = time.perf_counter()
        measure(separated.segments, measured.energy_db, measured.roles, audio.duration_s)
        acoustics_s = time.perf_counter() - start
        whole = done.decode_s + done.transcribe_s + separate_s + acoustics_s
        cost += (whole, separate_s, acoustics_s)
        total, right, unknown = score(separated.segments, truth[call_id])
        kind = "mixed" if row["channels"] == "mixed" else "stereo"
        sums[kind] += (total, right, unknown)
        print(
            f"{call_id} ({kind:6s} {audio.duration_s:5.1f} s) right {100 * right / max(1, total):5.1f}%  "
            f"unknown {100 * unknown / max(1, total):5.1f}%  of {total} chars;  agent = cluster "
            f"{separated.agent_cluster}, confidence {separated.confidence:.2f};  separation "
            f"{1000 * separate_s:.0f} ms = {100 * separate_s / whole:.1f}% of {whole:.1f} s"
        )
    for kind, (total, right, unknown) in sums.items():
        if total:
            print(f"{kind} calls downmixed: {100 * right / total:.1f}% of {int(total)} characters right, "
                  f"{100 * unknown / total:.1f}% unknown")  # fmt: skip
    every = sums["stereo"] + sums["mixed"]
    print(
        f"all calls: {100 * every[1] / max(1, every[0]):.1f}% right, "
        f"{100 * every[2] / max(1, every[0]):.1f}% unknown"
    )
    print(
        f"cost: separation {cost[1]:.2f} s + acoustics {cost[2]:.3f} s of {cost[0]:.1f} s "
        f"whole-call processing = {100 * (cost[1] + cost[2]) / cost[0]:.1f}%"
    )


if __name__ == "__main__":
    main()
