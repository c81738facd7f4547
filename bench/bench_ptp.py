"""Promise-to-pay extraction on labelled written calls: day exact, sum exact, false promises.

    python bench/bench_ptp.py [--set FILE ...] [--verbose] [--show-test]

Each set is a `render_calls.py` dialogue file: each call has `turns` ([["A" | "C", text], ...]),
`started_at`, `layout` (mono calls are read as `unknown` speech, as callqa stores them) and `ptp`
({"date", "amount_yuan"} or null). Reads the written text (no speech model): it measures the parser.

By default it reads three sets: dialogues.json (written with the parser), dialogues2.json (written
in other speakers' wording before the parser read it) and dialogues5.json (negotiation: counter-offers,
corrections, changes of day; written before the parser read it). The last third of dialogues2 is
its test part: its figures are printed apart and its misses only with --show-test, so nobody tunes
on them.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from callqa.ptp import find_promise
from callqa.transcript import Segment

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "ptp"
DEFAULT_SETS = [DATA / "dialogues.json", DATA / "dialogues2.json", DATA / "dialogues5.json"]
SPLIT_SETS = {"dialogues2.json"}  # sets whose last third is held back as a test part


def segments_of(call: dict) -> list[Segment]:
    """The call's turns as stored transcript segments, 3 s apart."""
    mono = call.get("layout") == "mono"
    roles = {"A": "agent", "C": "customer"}
    return [
        Segment("unknown" if mono else roles[turn[0]], 3.0 * k, 3.0 * k + 2.5, turn[1])  # type: ignore[arg-type]
        for k, turn in enumerate(call["turns"])
    ]


@dataclass
class Score:
    promised: int = 0
    unpromised: int = 0
    found: int = 0
    date_ok: int = 0
    amount_ok: int = 0
    both_ok: int = 0
    false_ptp: int = 0
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)


def score(calls: list[dict], verbose: bool) -> Score:
    out = Score()
    for call in calls:
        today = datetime.fromisoformat(call["started_at"]).date()
        started = time.perf_counter()
        got = find_promise(segments_of(call), today)
        out.seconds += time.perf_counter() - started
        want = call.get("ptp")
        got_date = got.day.isoformat() if got else None
        got_amount = got.amount_yuan if got else None
        if want:
            out.promised += 1
            out.found += got is not None
            d_ok = got_date == want["date"]
            a_ok = got is not None and got_amount == want["amount_yuan"]
            out.date_ok += d_ok
            out.amount_ok += a_ok
            out.both_ok += d_ok and a_ok
            miss = not (d_ok and a_ok)
        else:
            out.unpromised += 1
            out.false_ptp += got is not None
            miss = got is not None
        if miss or verbose:
            mark = "MISS" if miss else "ok  "
            out.lines.append(f"{mark} {call['id']} ({call.get('layout', 'stereo')}): want {want} got "
                             f"{got_date} {got_amount} | {got.text if got else ''}")  # fmt: skip
    return out


def report(name: str, s: Score, calls: int) -> None:
    n = s.promised
    print(f"\n{name}: {calls} calls, {n} with a promise, {s.unpromised} without")
    print(f"promises found      {s.found}/{n}")
    print(f"date exact          {s.date_ok}/{n} = {100 * s.date_ok / max(1, n):.1f}%")
    print(f"amount exact        {s.amount_ok}/{n} = {100 * s.amount_ok / max(1, n):.1f}%")
    print(f"date and amount     {s.both_ok}/{n} = {100 * s.both_ok / max(1, n):.1f}%")
    print(f"false promises      {s.false_ptp}/{s.unpromised} calls without a promise")
    print(f"time                {1000 * s.seconds / max(1, calls):.2f} ms per call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", type=Path, action="append", help="dialogues file with ptp labels (repeatable)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every call, not only the misses")
    parser.add_argument("--show-test", action="store_true", help="print the test part's misses too")
    args = parser.parse_args()
    for path in args.set or DEFAULT_SETS:
        calls = json.loads(path.read_text(encoding="utf-8"))["calls"]
        parts = [(str(path), calls, True)]
        if path.name in SPLIT_SETS:
            cut = len(calls) - len(calls) // 3
            parts = [(f"{path} dev", calls[:cut], True), (f"{path} test", calls[cut:], args.show_test)]
        for name, part, show in parts:
            result = score(part, args.verbose)
            if show:
                print("\n".join(result.lines))
            report(name, result, len(part))


if __name__ == "__main__":
    main()
