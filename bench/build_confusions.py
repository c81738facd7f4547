"""Learn src/callqa/text/confusions.json from what the speech model heard against what was said.

Sources: the 14 example calls (tests/data/turns.jsonl against tests/data/asr_transcripts.json) and
the rendered measurement dialogues (bench/data/confusion_asr.json, made by measure_confusions.py).
Re-runnable: `.venv/bin/python bench/build_confusions.py` rewrites the table and prints what it learned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from callqa.text.confusions import ConfusionTable, learn, sound_pairs

ROOT = Path(__file__).resolve().parent.parent
TURNS = ROOT / "tests" / "data" / "turns.jsonl"
ASR = ROOT / "tests" / "data" / "asr_transcripts.json"
MEASURED = ROOT / "bench" / "data" / "confusion_asr.json"
OUT = ROOT / "src" / "callqa" / "text" / "confusions.json"


def corpus_texts() -> Iterator[tuple[str, str, str]]:
    """(call id, reference text, heard text) of every call of both sources."""
    asr = json.loads(ASR.read_text(encoding="utf-8"))
    for line in TURNS.read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        heard = "，".join(s["text"] for s in asr.get(call["call_id"], []))
        yield call["call_id"], "，".join(t["text"] for t in call["turns"]), heard
    if MEASURED.exists():
        for call_id, call in json.loads(MEASURED.read_text(encoding="utf-8")).items():
            yield call_id, "，".join(call["reference"]), "，".join(call["asr"])


def build() -> ConfusionTable:
    """The table learned from every aligned call of both sources."""
    return learn(p for _, ref, heard in corpus_texts() for p in sound_pairs(ref, heard))


def main() -> None:
    tab = build()
    OUT.write_text(json.dumps(tab.to_json(), ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{tab.pairs} aligned character pairs, {tab.substitutions} with a different sound")
    print("unseen-pair costs:", tab.unseen)
    for component in ("initial", "final", "tone"):
        cheapest = sorted(
            (c, a, b) for a, row in tab.costs[component].items() for b, c in row.items() if a < b
        )
        print(component, ", ".join(f"{a or '∅'}~{b or '∅'} {c:.1f}" for c, a, b in cheapest[:14]))
    print("wrote", OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
