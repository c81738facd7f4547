"""Load the scripted corpus (reference turns, manifest, labels) as rule-engine inputs."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from callqa.transcript import CallInfo, Segment

ROOT = Path(__file__).resolve().parents[2]
TURNS = ROOT / "tests" / "data" / "turns.jsonl"
LABELS = ROOT / "tests" / "data" / "labels.csv"
MANIFEST = ROOT / "examples" / "manifest.csv"
ASR = ROOT / "tests" / "data" / "asr_transcripts.json"

# Mishearings measured in /work/shared/ASR-NOTES.md (Whisper base on these calls).
ASR_ERRORS = {
    "逾期": "一期",
    "坐牢": "做劳",
    "冻结": "动检",
    "通讯录": "通线录",
    "欠钱": "先前",
    "工号": "公号",
    "滞纳金": "制纳金",
    "还款": "海款",
    "征信": "争信",
    "起诉": "起苏",
    "身败名裂": "生败名列",
    "催收": "村收",
}


def labels() -> dict[str, set[str]]:
    with LABELS.open(encoding="utf-8") as fh:
        return {r["call_id"]: {c for c in r["categories"].split(";") if c} for r in csv.DictReader(fh)}


def calls() -> dict[str, CallInfo]:
    turns = {d["call_id"]: d for d in map(json.loads, TURNS.read_text(encoding="utf-8").splitlines())}
    out = {}
    with MANIFEST.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["call_id"]] = CallInfo(
                r["call_id"],
                r["agent_id"],
                r["customer_phone"],
                datetime.fromisoformat(r["started_at"]),
                turns[r["call_id"]]["duration_s"],
            )
    return out


def mono(call_id: str) -> bool:
    with MANIFEST.open(encoding="utf-8") as fh:
        return any(r["call_id"] == call_id and r["channels"] == "mixed" for r in csv.DictReader(fh))


def reference_segments(call_id: str, asr_errors: bool = False) -> list[Segment]:
    """Reference turns as segments; mono calls get speaker 'unknown' as ASR would give them."""
    for line in TURNS.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if d["call_id"] != call_id:
            continue
        segs = []
        for t in d["turns"]:
            text = t["text"]
            if asr_errors:
                for right, wrong in ASR_ERRORS.items():
                    text = text.replace(right, wrong)
            speaker = "unknown" if mono(call_id) else t["role"]
            segs.append(Segment(speaker, t["start"], t["end"], text))
        return segs
    raise KeyError(call_id)


def same_number_counts() -> dict[str, int]:
    """Calls to the same number on the same local day up to and including each call."""
    seen: dict[tuple[str, str], int] = {}
    out = {}
    for cid, info in sorted(calls().items(), key=lambda kv: kv[1].started_at or datetime.min):
        key = (info.customer_phone or "", f"{info.started_at:%Y-%m-%d}")
        seen[key] = seen.get(key, 0) + 1
        out[cid] = seen[key]
    return out
