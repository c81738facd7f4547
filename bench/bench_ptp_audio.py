"""Promise to pay on rendered recordings, through the product as a user runs it.

The set (default bench/data/ptp/audio4: 44 rendered calls, 34 ending with a customer's promise) is
ingested with its manifest into a fresh workspace, processed with the real speech model
(`callqa process`), and each call's `ptp` is read back from `callqa calls --format json`. It prints
promises with the day exact, the sum exact and both (n/N and %), promises missed, false promises on
calls without one, and with --verbose each call's label, what was found and its transcript lines.
The labels are the `ptp` of each call in the set's turns.jsonl (none: no promise).

Run: PYTHONPATH=src .venv/bin/python bench/bench_ptp_audio.py [--set DIR] [--only r01,r02] [--workers N]
     [--keep DIR] [--verbose]
--keep DIR keeps the workspace in DIR; run again with the same DIR, the calls already processed there
are scored again without the speech model (a changed parser needs `callqa recheck -w DIR` first).
--reread (with --keep) reads each call's promise again from its stored segments with this checkout's
`callqa.ptp.find_promise`, as processing does, straight from the workspace's SQLite file (read only):
it works on a workspace whose schema this checkout cannot migrate, and needs no recheck.
--ceiling (with --keep) prints what the transcripts allow at best: the promises whose labelled day is
among the days any sentence of the call names, and whose sum among the sums it names (or their
halves; a null sum counts as found). A parser can get no more right than this.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench_workers import cli  # bench/ is on sys.path when this script runs
from callqa.ptp import find_promise
from callqa.ptp.dates import find_dates
from callqa.ptp.heard import repair
from callqa.ptp.numbers import find_amounts
from callqa.transcript import Segment

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "bench" / "data" / "ptp" / "audio4"


@dataclass(frozen=True)
class Promise:
    date: str
    amount: float | None

    def __str__(self) -> str:
        return f"{self.date} {'null' if self.amount is None else f'{self.amount:g}'}"


Labels = dict[str, Promise | None]


def labels(root: Path) -> Labels:
    """Each call's labelled promise (None: the call holds no promise)."""
    out: Labels = {}
    for line in (root / "turns.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        ptp = row.get("ptp")
        out[row["call_id"]] = Promise(ptp["date"], ptp["amount_yuan"]) if ptp else None
    return out


def subset_manifest(root: Path, wanted: list[str], out: Path) -> None:
    """The set's manifest cut down to the wanted calls, with absolute file paths (it lives elsewhere)."""
    with (root / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["call_id"] in wanted]
        fields = reader.fieldnames or []
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        for r in rows:
            writer.writerow(r | {"file": str((root / r["file"]).resolve())})


def stored_calls(ws: Path) -> dict[str, dict]:
    """`callqa calls --format json` (each call with its `ptp`), by call id."""
    return {c["call_id"]: c for c in json.loads(cli("calls", "-w", str(ws), "-f", "json").stdout)}


def reread(ws: Path) -> dict[str, dict]:
    """Each processed call's promise read again from its stored (corrected) segments, by call id."""
    db = sqlite3.connect(f"file:{ws / 'callqa.db'}?mode=ro", uri=True)
    out: dict[str, dict] = {}
    calls = db.execute("SELECT id, call_id, status, local_date FROM calls WHERE local_date IS NOT NULL")
    for pk, call_id, status, day in calls.fetchall():
        rows = db.execute(
            "SELECT speaker, start_s, end_s, text FROM segments WHERE call_pk = ? ORDER BY position", (pk,)
        )
        segments = [Segment(*row) for row in rows.fetchall()]
        found = find_promise(segments, date.fromisoformat(day))
        ptp = found and {"date": found.day.isoformat(), "amount_yuan": found.amount_yuan,
                         "text": found.text, "start_s": found.start_s}  # fmt: skip
        lines = [f"[{s.start_s:6.1f}] {s.speaker}: {s.text}" for s in segments]
        out[call_id] = {"call_id": call_id, "status": status, "ptp": ptp, "lines": lines}
    db.close()
    return out


def ceiling(ws: Path, truth: Labels) -> None:
    """Print how many labelled promises the stored transcripts could give at best (see --ceiling)."""
    db = sqlite3.connect(f"file:{ws / 'callqa.db'}?mode=ro", uri=True)
    tally: Counter[str] = Counter()
    for pk, call_id, day in db.execute("SELECT id, call_id, local_date FROM calls").fetchall():
        label = truth.get(call_id)
        if label is None:
            continue
        today = date.fromisoformat(day)
        texts = [repair(t) for (t,) in db.execute("SELECT text FROM segments WHERE call_pk = ?", (pk,))]
        days = {d.day.isoformat() for t in texts for d in find_dates(t, today)}
        sums = {a.value for t in texts for a in find_amounts(t)}
        has_day = label.date in days
        has_sum = label.amount is None or label.amount in sums | {v / 2 for v in sums}
        tally.update({"n": 1, "day": has_day, "sum": has_sum, "both": has_day and has_sum})
    db.close()
    n = tally["n"]
    print(f"in the transcripts at all: day {pct(tally['day'], n)}, sum {pct(tally['sum'], n)}, "
          f"both {pct(tally['both'], n)}")  # fmt: skip


def process(root: Path, wanted: list[str], ws: Path, workers: int | None, manifest: Path) -> None:
    """Ingest the wanted calls with their manifest and transcribe + check them (real speech model)."""
    subset_manifest(root, wanted, manifest)
    done = cli("ingest", "--manifest", str(manifest), "-w", str(ws), "-f", "csv")
    print(done.stderr.strip().splitlines()[-1])
    start = time.perf_counter()
    done = cli("process", "-w", str(ws), *(["--workers", str(workers)] if workers else []))
    if done.returncode:
        print(done.stderr.strip())
    print(f"processed {len(wanted)} calls in {time.perf_counter() - start:.0f} s")


def judge(label: Promise | None, found: Promise | None) -> set[str]:
    """What a call counts towards: day, sum, both (exact); MISSED; FALSE PROMISE; none of them: wrong."""
    if label is None:
        return {"FALSE PROMISE"} if found else {"no promise"}
    if found is None:
        return {"MISSED"}
    out = {"day"} if found.date == label.date else set()
    out |= {"sum"} if found.amount == label.amount else set()
    return out | {"both"} if out == {"day", "sum"} else out


def pct(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.0f}%)" if total else "0/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="render_calls.py's output folder")
    parser.add_argument("--only", help="comma-separated call ids (default: every call of the set)")
    parser.add_argument("--workers", type=int, help="transcription processes (default: callqa's)")
    parser.add_argument("--keep", type=Path, help="the workspace folder to keep (and reuse when run again)")
    parser.add_argument("--reread", action="store_true", help="with --keep: promises from stored segments")
    parser.add_argument("--verbose", action="store_true", help="each call: label, found, transcript")
    parser.add_argument("--ceiling", action="store_true", help="with --keep: the best the transcripts allow")
    args = parser.parse_args()
    truth = labels(args.set)
    wanted = args.only.split(",") if args.only else list(truth)
    unknown = [c for c in wanted if c not in truth]
    if unknown:
        raise SystemExit(f"not in {args.set}: {', '.join(unknown)}")

    with tempfile.TemporaryDirectory(prefix="bench-ptp-audio-") as tmp:
        ws = args.keep or Path(tmp) / "ws"
        ws.parent.mkdir(parents=True, exist_ok=True)
        if args.ceiling:
            if not (ws / "callqa.db").exists():
                raise SystemExit("--ceiling needs --keep DIR with processed calls")
            ceiling(ws, truth)
            return
        if args.reread:
            if not (ws / "callqa.db").exists():
                raise SystemExit("--reread needs --keep DIR with processed calls")
            stored = reread(ws)
        else:
            stored = stored_calls(ws) if (ws / "callqa.db").exists() else {}
            todo = [c for c in wanted if stored.get(c, {}).get("status") not in ("clean", "flagged")]
            if todo:
                process(args.set, todo, ws, args.workers, Path(tmp) / "manifest.csv")
                stored = stored_calls(ws)
        report(truth, wanted, stored, ws if args.verbose else None)
        print(f"({args.set.name}: {len(wanted)} calls)")


def verdict(outcome: set[str]) -> str:
    if outcome & {"both", "no promise"}:
        return "ok"
    if outcome & {"MISSED", "FALSE PROMISE"}:
        return next(iter(outcome))
    return "WRONG " + " and ".join(k for k in ("day", "sum") if k not in outcome)


def report(truth: Labels, wanted: list[str], stored: dict[str, dict], ws: Path | None) -> None:
    """Print the counts; with a workspace (--verbose) first each call and its transcript."""
    tally: Counter[str] = Counter()
    for call_id in wanted:
        row = stored.get(call_id, {})
        got = row.get("ptp")
        found = Promise(str(got["date"]), got["amount_yuan"]) if got else None
        tally["failed"] += row.get("status") not in ("clean", "flagged")
        outcome = judge(truth[call_id], found)
        tally.update(outcome)
        if ws is None:
            continue
        status, label = row.get("status", "absent"), truth[call_id] or "none"
        print(f"\n{call_id} [{status}] {verdict(outcome)}: label {label}, found {found or 'none'}")
        if got:
            print(f"  words: 「{got['text']}」 at {got['start_s']} s")
        if row:
            lines = row.get("lines") or [cli("transcript", call_id, "-w", str(ws)).stdout]
            text = "\n".join(lines)
            print("  " + text.strip().replace("\n", "\n  "))
    n = sum(truth[c] is not None for c in wanted)
    print(f"\n{n} calls with a promise, {len(wanted) - n} without; {tally['failed']} not processed")
    print(f"promises: day exact {pct(tally['day'], n)}, sum exact {pct(tally['sum'], n)}, "
          f"both {pct(tally['both'], n)}, missed {pct(tally['MISSED'], n)}")  # fmt: skip
    print(f"false promises on calls without one: {pct(tally['FALSE PROMISE'], len(wanted) - n)}")


if __name__ == "__main__":
    main()
