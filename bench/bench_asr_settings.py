"""Choose decoding settings by measurement: CER and speed on the corpus calls and the real clips.

For each candidate setting, transcribes the 14 example calls (CER against tests/data/turns.jsonl,
per speaker channel joined in time order) and the 5 real Mandarin clips (tests/data/real), and
prints pooled CER and audio-seconds per wall-second. Run: `.venv/bin/python bench/bench_asr_settings.py`.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from callqa.asr.accuracy import normalise_for_cer
from callqa.asr.engine import SIMPLIFIED_PROMPT, DecodeSettings, SpeechModel
from callqa.asr.model_files import resolve_model_dir
from callqa.asr.transcribe import transcribe_audio
from callqa.audio.decode import decode
from callqa.chinese import edit_distance

ROOT = Path(__file__).resolve().parent.parent
KEY_PHRASES = "催收，逾期，还款，工号，坐牢，冻结，通讯录，滞纳金，征信，起诉。"
CANDIDATES = {
    "beam1 (default)": DecodeSettings(),
    "beam3": DecodeSettings(beam_size=3),
    "beam5": DecodeSettings(beam_size=5),
    "beam1+simplified prompt": DecodeSettings(initial_prompt=SIMPLIFIED_PROMPT),
    "beam5+simplified prompt": DecodeSettings(beam_size=5, initial_prompt=SIMPLIFIED_PROMPT),
    "beam5+key-phrase prompt": DecodeSettings(beam_size=5, initial_prompt=KEY_PHRASES),
}


def corpus_cases() -> list[tuple[Path, str, str]]:
    with (ROOT / "examples" / "manifest.csv").open() as fh:
        manifest = {r["call_id"]: r for r in csv.DictReader(fh)}
    cases = []
    for line in (ROOT / "tests" / "data" / "turns.jsonl").read_text().splitlines():
        call = json.loads(line)
        row = manifest[call["call_id"]]
        reference = "".join(t["text"] for t in call["turns"])
        cases.append((ROOT / "examples" / row["file"], row["channels"], reference))
    return cases


def real_cases() -> list[tuple[Path, str, str]]:
    real = ROOT / "tests" / "data" / "real"
    with (real / "transcripts.tsv").open() as fh:
        return [(real / r["file"], "", r["transcript"]) for r in csv.DictReader(fh, delimiter="\t")]


def measure(model: SpeechModel, cases: list[tuple[Path, str, str]]) -> tuple[float, float]:
    errors = chars = 0
    audio_s = wall = 0.0
    for path, channels, reference in cases:
        audio = decode(path)
        t0 = time.perf_counter()
        segments = transcribe_audio(model, audio, channels or None)
        wall += time.perf_counter() - t0
        audio_s += audio.duration_s
        ref = normalise_for_cer(reference)
        errors += edit_distance(ref, normalise_for_cer("".join(s.text for s in segments)))
        chars += len(ref)
    return errors / chars, audio_s / wall


def main() -> None:
    chosen = sys.argv[1:] or list(CANDIDATES)
    model_dir = resolve_model_dir()
    corpus, real = corpus_cases(), real_cases()
    print(f"{'setting':28s} {'corpus CER':>10s} {'corpus x RT':>11s} {'real CER':>9s} {'real x RT':>9s}")
    for name in chosen:
        model = SpeechModel(model_dir, replace(CANDIDATES[name]))
        c_cer, c_speed = measure(model, corpus)
        r_cer, r_speed = measure(model, real)
        print(f"{name:28s} {c_cer:10.3f} {c_speed:11.1f} {r_cer:9.3f} {r_speed:9.1f}", flush=True)


if __name__ == "__main__":
    main()
