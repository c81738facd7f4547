"""Character error rate of the transcripts before and after `callqa.text.correct`, and what changed.

Over the example calls (tests/data/asr_transcripts.json against tests/data/turns.jsonl) and the
measurement dialogues (bench/data/confusion_asr.json), each segment corrected on its own.
Run: `.venv/bin/python bench/bench_correct.py`.
"""

from __future__ import annotations

import json
from collections import Counter

from build_confusions import ASR, MEASURED, TURNS  # bench/ is on sys.path when this script runs
from callqa.asr.accuracy import edit_distance, normalise_for_cer
from callqa.text.correct import correct


def sources() -> dict[str, list[tuple[str, list[str]]]]:
    """Per source, (reference text, heard segment texts) per call."""
    asr = json.loads(ASR.read_text(encoding="utf-8"))
    example = []
    for line in TURNS.read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        heard = [s["text"] for s in asr.get(call["call_id"], [])]
        example.append(("".join(t["text"] for t in call["turns"]), heard))
    measured = [("".join(c["reference"]), c["asr"]) for c in json.loads(MEASURED.read_text("utf-8")).values()]
    return {"example calls (tests/data)": example, "measurement dialogues (bench/data)": measured}


def main() -> None:
    for name, calls in sources().items():
        chars = before = after = 0
        changes: Counter[tuple[str, str]] = Counter()
        for reference, heard in calls:
            fixed = [correct(text) for text in heard]
            ref = normalise_for_cer(reference)
            chars += len(ref)
            before += edit_distance(ref, normalise_for_cer("".join(heard)))
            after += edit_distance(ref, normalise_for_cer("".join(f.text for f in fixed)))
            changes.update((c.heard, c.word) for f in fixed for c in f.changes)
        print(
            f"{name}: CER {before / chars:.4f} -> {after / chars:.4f} ({before} -> {after} errors / {chars})"
        )
        print("  " + ", ".join(f"{h}->{w} x{n}" for (h, w), n in changes.most_common()))


if __name__ == "__main__":
    main()
