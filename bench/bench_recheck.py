"""Benchmark: re-check N stored 3-minute calls with the shipped pack and its text model.

Usage: .venv/bin/python bench/bench_recheck.py [--calls 200] [--keep DIR]
Builds the workspace once (in DIR when given, reused by later runs): synthetic calls of 40 segments
stored through `save_result`, which embeds their sentences and stores the vectors. Then times
`callqa recheck` twice: with the same pack and model (nothing changes), and with a "retrained" model
(another version, shifted scores: hits come and go). Prints calls/s and checks that no sentence
was embedded again.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench_rules import AGENT, COMPANIES, CUSTOMER, NAMES, OPENINGS
from callqa.pipeline.process import save_result
from callqa.pipeline.recheck import recheck
from callqa.pipeline.transcribe_worker import TranscribeResult
from callqa.rules.active import workspace_pack
from callqa.rules.learned import scoring
from callqa.rules.learned.embedcache import EmbeddingCache
from callqa.store.database import Database, open_database
from callqa.store.models import Call
from callqa.transcript import Segment
from callqa.workspace import Workspace

SEGMENTS = 40
COMPLIANT = AGENT[:8]  # bench_rules' agent lines: the first 8 are compliant, the rest violations
VIOLATING = AGENT[8:]
ANSWERS = [c for c in CUSTOMER if "同事" not in c]  # a third party answering makes every debt word a hit
VIOLATION_SHARE = 0.08  # of agent turns: about 1-2 violating sentences a call, as in real traffic


def agent_line(rng: random.Random) -> str:
    return rng.choice(VIOLATING if rng.random() < VIOLATION_SHARE else COMPLIANT)


def transcript(rng: random.Random) -> tuple[float, list[Segment]]:
    """About three minutes: 40 alternating turns from bench_rules' sentences, mostly compliant."""
    pick = rng.choice
    fill = {"co": pick(COMPANIES), "name": pick(NAMES), "num": pick([1023, 2047]), "cust": "张先生",
            "d": pick([3, 15, 30]), "amt": pick([800, 5000, 12000])}  # fmt: skip
    turns = [agent_line(rng) if k % 2 else rng.choice(ANSWERS) for k in range(SEGMENTS - 1)]
    lines = [rng.choice(OPENINGS), *turns]
    segs, t = [], 0.5
    for k, line in enumerate(lines):
        text = line.format(**fill)
        dur = 0.2 * len(text)
        segs.append(Segment("agent" if k % 2 == 0 else "customer", round(t, 2), round(t + dur, 2), text))
        t += dur + 0.6
    return t, segs


def build(ws: Workspace, db: Database, n: int, cache: Path) -> None:
    """Store n calls through save_result (sentences embedded once, through a file cache)."""
    pack = workspace_pack(ws)
    real = scoring.embed
    scoring.embed = EmbeddingCache(cache)  # type: ignore[assignment]
    rng = random.Random(7)
    start = datetime(2026, 11, 2, 1, tzinfo=UTC)
    try:
        for i in range(n):
            with db.session() as s:
                at = start + timedelta(minutes=13 * i)
                call = Call(call_id=f"b{i:05d}", file_name=f"b{i}.wav", source_path="-",
                            content_sha256=f"{i:064d}", stored_path="-", size_bytes=1, agent_id=f"A{i % 20}",
                            customer_phone=f"1380000{i % 150:04d}", team="T1", started_at=at.isoformat(),
                            started_at_utc=at.replace(tzinfo=None), local_date=at.date().isoformat(),
                            channels="agent,customer", extra={}, status="processing",
                            ingested_at=at.replace(tzinfo=None))  # fmt: skip
                s.add(call)
                s.flush()
                pk = call.id
            duration, segs = transcript(rng)
            save_result(db, pack, TranscribeResult(pk, duration, tuple(segs)), "bench")
            if i % 50 == 49:
                print(f"  built {i + 1}/{n}", file=sys.stderr)
    finally:
        scoring.embed = real  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="workspace folder to build once and reuse")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-recheck-"))
    ws = Workspace.open(root / "ws")
    db = open_database(ws)
    with db.session() as s:
        have = s.scalar(select(func.count(Call.id))) or 0
    if have < args.calls:
        t0 = time.perf_counter()
        if have:
            raise SystemExit(f"{root} holds {have} calls, fewer than {args.calls}: use another --keep folder")
        build(ws, db, args.calls, root / "embeddings.npz")
        print(f"built {args.calls} calls in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    embedded: list[int] = []
    real = scoring.embed

    def counting(texts):  # type: ignore[no-untyped-def]
        embedded.append(len(texts))
        return real(texts)

    scoring.embed = counting  # type: ignore[assignment]
    pack = workspace_pack(ws)
    retrained = replace(
        pack,
        detector=replace(pack.detector, version="bench-retrained", bias=pack.detector.bias + 1.5),  # type: ignore[arg-type]
    )
    for label, p in (("same pack and model", pack), ("retrained model", retrained), ("back", pack)):
        cpu = time.process_time()
        summary = recheck(db, p, "bench")
        cpu = time.process_time() - cpu
        print(
            f"{label:22} {summary.calls} calls in {summary.seconds:.2f} s: {summary.rate:.1f} calls/s "
            f"({summary.calls / cpu:.1f} per CPU-second) "
            f"(new {summary.new}, unchanged {summary.unchanged}, removed {summary.removed}, "
            f"embedded {summary.embedded})"
        )
    print(f"sentences embedded during rechecks: {sum(embedded)}")
    db.close()


if __name__ == "__main__":
    main()
