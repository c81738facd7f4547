"""Run the rendered bank recordings through the speech model; write what it heard of each sentence.

    PYTHONPATH=src python bench/data/heard/transcribe.py /tmp/heard0 [/tmp/heard1 ...]

Each recording's segments (the pipeline's transcription of a stereo call) are given to the written
turn they overlap; a segment that overlaps two turns is dropped, and so is a turn that was only partly
heard that way. Writes src/callqa/rules/packs/examples/heard.json: {"model": ..., "heard": {written:
heard}} with the raw transcription (training corrects it as the pipeline does); sentences heard as
written are kept too, so the file says which ones the model gets right.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from callqa.asr.engine import DecodeSettings
from callqa.asr.model_files import resolve_model_dir
from callqa.pipeline import transcribe_worker
from callqa.rules.learned.banks import default_banks_dir

OVERLAP_S = 0.25  # a segment belongs to a turn it overlaps by at least this much


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def heard_turns(turns: list[dict], segments: list) -> dict[str, str]:
    """Written turn text -> the speech model's text of it, for turns heard whole and alone."""
    parts: dict[int, list[str]] = {}
    spoiled: set[int] = set()
    for seg in segments:
        role = "agent" if seg.speaker == "agent" else "customer"
        hits = [
            i
            for i, t in enumerate(turns)
            if overlap(seg.start_s, seg.end_s, t["start"], t["end"]) >= OVERLAP_S
        ]
        if len(hits) != 1 or turns[hits[0]]["role"] != role:
            spoiled.update(hits)
            continue
        parts.setdefault(hits[0], []).append(seg.text)
    return {turns[i]["text"]: "".join(p) for i, p in parts.items() if i not in spoiled}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=default_banks_dir() / "heard.json")
    ap.add_argument("--add", action="store_true", help="merge into the sentences --out holds already")
    args = ap.parse_args()
    model_dir = resolve_model_dir(None)
    transcribe_worker.init_worker(str(model_dir), DecodeSettings(cpu_threads=2))
    heard: dict[str, str] = json.loads(args.out.read_text(encoding="utf-8"))["heard"] if args.add else {}
    for root in args.dirs:
        files = {}
        for line in (root / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:]:
            file, call_id = line.split(",")[:2]
            files[call_id] = root / file
        for line in (root / "turns.jsonl").read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            t = time.perf_counter()
            result = transcribe_worker.transcribe_file(0, str(files[call["call_id"]]), "agent,customer")
            got = heard_turns(call["turns"], list(result.segments))
            heard.update(got)
            took = time.perf_counter() - t
            print(f"{call['call_id']}: {len(got)}/{len(call['turns'])} turns in {took:.0f} s", flush=True)
    data = {"model": model_dir.name, "heard": dict(sorted(heard.items()))}
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(heard)} sentences")


if __name__ == "__main__":
    main()
