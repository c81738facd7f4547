"""Promise-to-pay extraction on labelled written calls: day exact, sum exact, false promises.

    python bench/bench_ptp.py [--set bench/data/ptp/dialogues.json] [--verbose]

The set is a `render_calls.py` dialogue file: each call has `turns` ([["A" | "C", text], ...]),
`started_at`, `layout` (mono calls are read as `unknown` speech, as callqa stores them) and `ptp`
({"date", "amount_yuan"} or null). Reads the written text (no speech model): it measures the parser.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

from callqa.ptp import find_promise
from callqa.transcript import Segment

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "bench" / "data" / "ptp" / "dialogues.json"


def segments_of(call: dict) -> list[Segment]:
    """The call's turns as stored transcript segments, 3 s apart."""
    mono = call.get("layout") == "mono"
    roles = {"A": "agent", "C": "customer"}
    return [
        Segment("unknown" if mono else roles[turn[0]], 3.0 * k, 3.0 * k + 2.5, turn[1])  # type: ignore[arg-type]
        for k, turn in enumerate(call["turns"])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="dialogues.json with ptp labels")
    parser.add_argument("--verbose", action="store_true", help="print every call, not only the misses")
    args = parser.parse_args()
    calls = json.loads(args.set.read_text(encoding="utf-8"))["calls"]
    promised = [c for c in calls if c.get("ptp")]
    unpromised = [c for c in calls if not c.get("ptp")]
    date_ok = amount_ok = both_ok = found = false_ptp = 0
    started = time.perf_counter()
    for call in calls:
        today = datetime.fromisoformat(call["started_at"]).date()
        got = find_promise(segments_of(call), today)
        want = call.get("ptp")
        got_date = got.day.isoformat() if got else None
        got_amount = got.amount_yuan if got else None
        if want:
            found += got is not None
            d_ok = got_date == want["date"]
            a_ok = got is not None and got_amount == want["amount_yuan"]
            date_ok += d_ok
            amount_ok += a_ok
            both_ok += d_ok and a_ok
            miss = not (d_ok and a_ok)
        else:
            false_ptp += got is not None
            miss = got is not None
        if miss or args.verbose:
            mark = "MISS" if miss else "ok  "
            print(f"{mark} {call['id']} ({call.get('layout', 'stereo')}): want {want} got "
                  f"{got_date} {got_amount} | {got.text if got else ''}")  # fmt: skip
    seconds = time.perf_counter() - started
    n = len(promised)
    print(f"\n{args.set}: {len(calls)} calls, {n} with a promise, {len(unpromised)} without")
    print(f"promises found      {found}/{n}")
    print(f"date exact          {date_ok}/{n} = {100 * date_ok / max(1, n):.1f}%")
    print(f"amount exact        {amount_ok}/{n} = {100 * amount_ok / max(1, n):.1f}%")
    print(f"date and amount     {both_ok}/{n} = {100 * both_ok / max(1, n):.1f}%")
    print(f"false promises      {false_ptp}/{len(unpromised)} calls without a promise")
    print(f"time                {1000 * seconds / max(1, len(calls)):.2f} ms per call")


if __name__ == "__main__":
    main()
