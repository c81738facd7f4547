"""Write devset's dialogues in the input format of /work/shared/tools/render_calls.py, to render them.

    python bench/data/devset/render_audio.py [SET_DIR] > /tmp/devset-dialogues.json
    TTS_PYTHON /work/shared/tools/render_calls.py /tmp/devset-dialogues.json bench/data/devset/audio

Stereo calls become Opus, `mixed` ones mono MP3; 还 meaning "repay" is respelled 环 for the voice (it
reads 还 as hai2). `bench/bench_detection.py --set bench/data/devset/audio --modes audio` then measures
detection on the recordings through the speech model (a development set: tune on it freely).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPAY = [
    "还款",
    "还钱",
    "还上",
    "还清",
    "先还",
    "还了",
    "能还",
    "会还",
    "就还",
    "再还",
    "没还",
    "不还",
    "要还",
    "得还",
    "去还",
    "来还",
    "都还",
    "还给",
    "还完",
    "还掉",
    "还一",
    "还两",
    "还三",
    "还五",
    "还多少",
    "还不",
    "还的",
    "按时还",
    "还这",
    "还那",
    "慢慢还",
    "早点还",
]


def main() -> None:
    here = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE  # another set written the same way
    with (here / "manifest.csv").open(encoding="utf-8") as fh:
        manifest = {r["call_id"]: r for r in csv.DictReader(fh)}
    with (here / "labels.csv").open(encoding="utf-8") as fh:
        labels = {r["call_id"]: [c for c in r["categories"].split(";") if c] for r in csv.DictReader(fh)}
    calls = []
    for line in (here / "turns.jsonl").read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        row = manifest[call["call_id"]]
        mono = row["channels"] == "mixed"
        calls.append({
            "id": call["call_id"], "started_at": row["started_at"], "agent": row["agent_id"],
            "phone": row["customer_phone"], "team": row["team"], "layout": "mono" if mono else "stereo",
            "fmt": "mp3" if mono else "opus", "labels": labels[call["call_id"]],
            "turns": [["A" if t["role"] == "agent" else "C", t["text"], t["labels"]] for t in call["turns"]],
        })  # fmt: skip
    say = {w: w.replace("还", "环") for w in REPAY}
    say["〇"] = "零"  # the voice's front end fails on 〇 (case numbers such as 二〇二六)
    json.dump({"say": say, "calls": calls}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
