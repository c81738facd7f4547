"""Detection quality on a labelled call set: recall per category and false flags, three ways.

    .venv/bin/python bench/bench_detection.py [--set tests/data/heldout] [--modes reference,confused,audio]

- reference: the written turns as the transcript (stereo calls keep agent/customer; mono calls are
  'unknown' speech, as the pipeline sees them);
- confused: the same text with the speech model's measured confusions applied (per-character
  substitutions and deletions counted on aligned reference/Whisper text of bench/data/confusion_asr.json,
  fixed seed);
- audio: the rendered recordings through the real speech model, correction and the rules — the
  pipeline's path (transcripts cached in build/ so a rerun costs nothing; --fresh redoes them).

Each mode is run with the whole default pack and with its keyword rules only (no `learned` rules), and
prints per category: recall (labelled calls flagged with that category), false flags (calls flagged with
a category they are not labelled with), and the share of compliant calls flagged at all. With audio it
also prints the text model's share of the processing time.

The held-out set (tests/data/heldout) is for measuring only: never tune rules, banks or thresholds on it.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from callqa.chinese import is_ideograph
from callqa.rules import CallContext, RulePack, evaluate, load_default_pack
from callqa.rules.conditions import Leaf
from callqa.rules.learned.detector import default_detector, load_detector
from callqa.rules.model import TEXT_CATEGORIES
from callqa.rules.operators import Learned
from callqa.text.correct import correct
from callqa.transcript import CallInfo, Segment

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class TestCall:
    call_id: str
    info: CallInfo
    mono: bool
    labels: frozenset[str]
    turns: list[dict]
    audio: Path


def load_set(root: Path) -> list[TestCall]:
    labels = {
        r["call_id"]: frozenset(c for c in r["categories"].split(";") if c)
        for r in csv.DictReader((root / "labels.csv").open(encoding="utf-8"))
    }
    turns = {}
    for line in (root / "turns.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        turns[row["call_id"]] = row
    out = []
    for r in csv.DictReader((root / "manifest.csv").open(encoding="utf-8")):
        cid = r["call_id"]
        info = CallInfo(
            cid,
            r["agent_id"],
            r["customer_phone"],
            datetime.fromisoformat(r["started_at"]),
            turns[cid]["duration_s"],
            r.get("team"),
        )
        out.append(
            TestCall(cid, info, r["channels"] == "mixed", labels[cid], turns[cid]["turns"], root / r["file"])
        )
    return out


def reference_segments(call: TestCall) -> list[Segment]:
    return [
        Segment("unknown" if call.mono else t["role"], t["start"], t["end"], t["text"]) for t in call.turns
    ]


class Confusions:
    """Per-character substitutions/deletions measured on aligned reference and speech-model text."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        for ref, hyp in pairs:
            ref, hyp = _ideographs(ref), _ideographs(hyp)
            for op, a, b, c, d in difflib.SequenceMatcher(None, ref, hyp, autojunk=False).get_opcodes():
                if op == "equal":
                    for ch in ref[a:b]:
                        self.outcomes[ch][ch] += 1
                elif op == "replace" and b - a == d - c:
                    for x, y in zip(ref[a:b], hyp[c:d], strict=True):
                        self.outcomes[x][y] += 1
                elif op == "delete":
                    for ch in ref[a:b]:
                        self.outcomes[ch][""] += 1
        seen = sum(sum(c.values()) for c in self.outcomes.values())
        changed = sum(n for ch, c in self.outcomes.items() for y, n in c.items() if y != ch)
        self.rate = changed / max(seen, 1)

    def apply(self, text: str, rng: random.Random) -> str:
        out = []
        for ch in text:
            seen = self.outcomes.get(ch)
            if seen and is_ideograph(ch):
                choices, weights = zip(*seen.items(), strict=True)
                out.append(rng.choices(choices, weights)[0])
            else:
                out.append(ch)
        return "".join(out)


def _ideographs(text: str) -> str:
    return "".join(ch for ch in text if is_ideograph(ch))


def measured_confusions() -> Confusions:
    data = json.loads((ROOT / "bench" / "data" / "confusion_asr.json").read_text(encoding="utf-8"))
    pairs = [("".join(v["reference"]), "".join(v["asr"])) for v in data.values()]
    return Confusions(pairs)


def confused_segments(call: TestCall, confusions: Confusions, seed: int) -> list[Segment]:
    rng = random.Random(f"{seed}-{call.call_id}")
    return [replace(s, text=confusions.apply(s.text, rng)) for s in reference_segments(call)]


def audio_segments(calls: list[TestCall], cache: Path, fresh: bool) -> tuple[dict[str, list[Segment]], float]:
    """Transcripts of the recordings (cached), and the seconds the speech model took."""
    if cache.exists() and not fresh:
        data = json.loads(cache.read_text(encoding="utf-8"))
    else:
        from callqa.asr.engine import DecodeSettings
        from callqa.asr.model_files import resolve_model_dir
        from callqa.pipeline import transcribe_worker

        transcribe_worker.init_worker(str(resolve_model_dir(None)), DecodeSettings(cpu_threads=2))
        data = {"seconds": 0.0, "calls": {}}
        for call in calls:
            t = time.perf_counter()
            result = transcribe_worker.transcribe_file(
                0, str(call.audio), "" if call.mono else "agent,customer"
            )
            data["seconds"] += time.perf_counter() - t
            data["calls"][call.call_id] = [[s.speaker, s.start_s, s.end_s, s.text] for s in result.segments]
            print(f"  transcribed {call.call_id} ({len(data['calls'])}/{len(calls)})", flush=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    segments = {cid: [Segment(*row) for row in rows] for cid, rows in data["calls"].items()}
    return segments, float(data["seconds"])


def keywords_only(pack: RulePack) -> RulePack:
    return replace(pack, rules=[r for r in pack.rules if not _is_learned(r.condition)])


def _is_learned(node: object) -> bool:
    return isinstance(node, Leaf) and isinstance(node.operator, Learned)


def run(
    pack: RulePack,
    calls: list[TestCall],
    transcripts: dict[str, list[Segment]],
    vectors: dict[str, np.ndarray] | None = None,
) -> tuple[dict, float]:
    """{call_id: set of categories flagged}, and the seconds evaluation took. `vectors` shares
    embeddings between calls and runs (None: every call embeds its own, as the pipeline does)."""
    flagged = {}
    t = time.perf_counter()
    for call in calls:
        segments = [replace(s, text=correct(s.text).text) for s in transcripts[call.call_id]]
        context = CallContext(one_track=call.mono)  # a mono recording's roles are guessed from the voices
        hits = evaluate(pack, call.info, segments, context, {} if vectors is None else vectors)
        flagged[call.call_id] = {h.category for h in hits}
    return flagged, time.perf_counter() - t


def report(name: str, calls: list[TestCall], flagged: dict[str, set[str]]) -> dict[str, object]:
    rows: dict[str, object] = {}
    print(f"\n{name}")
    print(f"  {'category':<24}{'recall':>12}{'false flags':>14}")
    for cat in TEXT_CATEGORIES:
        pos = [c for c in calls if cat in c.labels]
        neg = [c for c in calls if cat not in c.labels]
        hit = sum(cat in flagged[c.call_id] for c in pos)
        false = sum(cat in flagged[c.call_id] for c in neg)
        rows[cat] = {"recall": hit / len(pos) if pos else None, "false_flags": false}
        if pos:
            print(f"  {cat:<24}{hit:>5}/{len(pos):<3} {hit / len(pos):>4.2f}{false:>10}/{len(neg)}")
    compliant = [c for c in calls if not c.labels]
    wrong = [c.call_id for c in compliant if flagged[c.call_id]]
    violating = [c for c in calls if c.labels]
    caught = sum(bool(c.labels & flagged[c.call_id]) for c in violating)
    print(f"  violating calls flagged with a right category: {caught}/{len(violating)}")
    share = len(wrong) / max(len(compliant), 1)
    print(f"  compliant calls flagged: {len(wrong)}/{len(compliant)} = {share:.1%}  {' '.join(wrong)}")
    rows["compliant_flagged"] = share
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "heldout")
    ap.add_argument("--modes", default="reference,confused,audio")
    ap.add_argument("--model", type=Path, help="a detector .npz (default: the shipped one)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fresh", action="store_true", help="transcribe the recordings again")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    calls = load_set(args.set)
    detector = load_detector(args.model) if args.model else default_detector()
    full = replace(load_default_pack(), detector=detector)
    figures: dict[str, object] = {"model": detector.version, "calls": len(calls)}
    shared: dict[str, np.ndarray] = {}  # text modes: each distinct sentence embedded once
    print(f"{len(calls)} calls from {args.set}; model {detector.version}")
    for mode in args.modes.split(","):
        asr_seconds, keyword_seconds = None, 0.0
        if mode == "reference":
            transcripts = {c.call_id: reference_segments(c) for c in calls}
        elif mode == "confused":
            confusions = measured_confusions()
            print(
                f"\nmeasured confusions: {len(confusions.outcomes)} characters, {confusions.rate:.1%} changed"
            )
            transcripts = {c.call_id: confused_segments(c, confusions, args.seed) for c in calls}
        elif mode == "audio":
            cache = ROOT / "build" / f"asr-{args.set.name}.json"
            transcripts, asr_seconds = audio_segments(calls, cache, args.fresh)
        else:
            raise SystemExit(f"unknown mode {mode!r}")
        for label, pack in (("keyword rules only", keywords_only(full)), ("with the text model", full)):
            run(pack, calls[:1], transcripts)  # warm: the model loads once, not inside the timing
            flagged, seconds = run(pack, calls, transcripts, None if mode == "audio" else shared)
            figures[f"{mode}/{label}"] = report(
                f"[{mode}] {label}  ({seconds:.1f} s to evaluate)", calls, flagged
            )
            figures[f"{mode}/{label}/seconds"] = seconds
            keyword_seconds = seconds if pack is not full else keyword_seconds
        if asr_seconds is not None:
            model_s = seconds - keyword_seconds
            print(
                f"\n  speech model {asr_seconds:.1f} s; text model adds {model_s:.1f} s"
                f" = {model_s / asr_seconds:.1%} of the speech model's time"
            )
            figures["model_share_of_asr"] = model_s / asr_seconds
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
