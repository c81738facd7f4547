"""Search latency over 100,000 synthetic collection-call transcripts (~1M segments) in a temp SQLite file.

    .venv/bin/python bench/bench_search.py [--calls 100000] [--queries 200] [--keep PATH] [--database-url URL]

`--database-url postgresql+psycopg://…` builds (into an empty database) and measures on PostgreSQL instead.

Prints the bulk-insert and index-build times and the median / p95 query latency (ms), overall and per
query kind. `--keep PATH` leaves the database there (and reuses it when it exists): the way to build a
large workspace for other benchmarks (bench_web.py). The calls have agents, 20 teams, customer numbers,
start times over 90 days, statuses (about 10% flagged, with 1-2 rule hits), scores and durations.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from callqa.store.database import Database
from callqa.store.search import SearchFilters, reindex_all, search

AGENT = [
    "您好，这里是{bank}信用卡中心，请问是{name}先生吗？",
    "您的账单已经逾期{n}天了，请您今天{time}之前还款。",
    "您这个一期的欠款一共是{amount}元，包括利息和违约金。",
    "如果再不还钱，我们会联系您的通讯录里的紧急联系人。",
    "我们会通知你的家人和单位，你自己考虑清楚。",
    "再不还钱就让你坐牢，你信不信？",
    "您可以先还最低还款额{amount}元，剩下的分期处理。",
    "请问您什么时候方便处理一下这笔款项？",
    "我们这边可以帮您申请减免部分违约金。",
    "这个电话是有录音的，请您配合一下。",
    "你要是不还，后果自负，做劳也是有可能的。",
    "您的通线录我们这边都有，您看着办吧。",
    "麻烦您确认一下还款账户尾号{n}{n}是不是您本人的。",
    "好的，那我们{time}再跟您联系，再见。",
]
CUSTOMER = [
    "我知道了，我下周一定还钱。",
    "我现在真的没钱，能不能宽限几天？",
    "余七天后再说吧，我工资还没发。",
    "你们别打我家人的电话，我会还的。",
    "我已经还了{amount}元了，你们查一下。",
    "好的好的，我{time}之前转过去。",
    "我不是{name}，你们打错了。",
    "利息怎么这么高，我要投诉你们。",
    "嗯，行吧，那我想办法。",
    "我在开车，晚点再打给我。",
]
SLOTS = {
    "bank": ["招商", "建设", "工商", "平安", "浦发", "中信"],
    "name": ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"],
    "n": [str(k) for k in range(1, 10)] + ["三", "五", "十", "十五", "三十"],
    "time": ["今天下午五点", "明天上午", "周五", "月底", "晚上八点"],
    "amount": ["三千二", "五百", "1280", "两万", "八千六百"],
}
CATEGORIES = ["threat", "contacts", "abuse", "privacy", "fee"]

QUERIES = {
    "1-char": ["钱", "的", "还", "息", "律", "款", "诉", "家", "卡", "录"],
    "2-char": ["还钱", "逾期", "坐牢", "家人", "利息", "投诉", "录音", "单位", "减免", "宽限"],
    "longer": [
        "信用卡中心",
        "紧急联系人",
        "最低还款额",
        "不还钱就让你坐牢",
        "后果自负",
        "工资还没发",
        "申请减免部分违约金",
        "你们打错了",
    ],
    "fuzzy": ["逾期", "坐牢", "通讯录", "还钱", "欠款", "违约金", "钱", "紧急联系人"],
}


def fill(template: str, rnd: random.Random) -> str:
    out = template
    for slot, values in SLOTS.items():
        while "{" + slot + "}" in out:
            out = out.replace("{" + slot + "}", rnd.choice(values), 1)
    return out


def build(db: Database, n_calls: int, seed: int = 7) -> tuple[int, float]:
    rnd = random.Random(seed)
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    sqlite = db.engine.dialect.name == "sqlite"
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")
        base = datetime(2026, 1, 1)
        seg_id = 0
        for start in range(0, n_calls, 5000):
            calls, segs, viols = [], [], []
            for pk in range(start + 1, min(n_calls, start + 5000) + 1):
                started = base + timedelta(minutes=rnd.randrange(0, 90 * 24 * 60))
                if rnd.random() < 0.03:
                    started = None
                t = 0.0
                for k in range(rnd.randint(8, 12)):
                    speaker = "agent" if k % 2 == 0 else "customer"
                    line = fill(rnd.choice(AGENT if speaker == "agent" else CUSTOMER), rnd)
                    dur = 0.25 * len(line)
                    seg_id += 1
                    segs.append((seg_id, pk, k, speaker, t, t + dur, line))
                    t += dur + 0.5
                hits = 0
                if rnd.random() < 0.1:
                    for cat in rnd.sample(CATEGORIES, rnd.choice((1, 1, 1, 2))):
                        hits += 1
                        viols.append((pk, f"R-{cat}", cat, cat, "major", 10, "agent", 0.0, 1.0, "x", "x"))
                status = "flagged" if hits else rnd.choices(("clean", "failed", "pending"), (985, 10, 5))[0]
                local = started + timedelta(hours=8) if started else None
                calls.append(
                    (
                        pk,
                        f"call-{pk:06d}",
                        f"{pk}.wav",
                        f"/in/{pk}.wav",
                        f"{pk:064d}",
                        f"c/{pk}.wav",
                        1000,
                        f"A{rnd.randrange(200):03d}",
                        started.isoformat(sep=" ") if started else None,
                        "stereo",
                        "{}",
                        status,
                        1,
                        "2026-04-01 00:00:00",
                        f"T{rnd.randrange(20):02d}",
                        f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}",
                        local.isoformat(timespec="seconds") + "+08:00" if local else None,
                        local.date().isoformat() if local else None,
                        None if status in ("failed", "pending") else 100 - 10 * hits,
                        round(t, 1),
                    )
                )
            mark = "?" if sqlite else "%s"
            cur.executemany(
                "INSERT INTO calls (id, call_id, file_name, source_path, content_sha256, stored_path,"
                " size_bytes, agent_id, started_at_utc, channels, extra, status, attempts,"
                " ingested_at, team, customer_phone, started_at, local_date, score, duration_s)"
                f" VALUES ({','.join([mark] * 20)})",
                calls,
            )
            cur.executemany(
                "INSERT INTO segments (id, call_pk, position, speaker, start_s, end_s, text)"
                f" VALUES ({','.join([mark] * 7)})",
                segs,
            )
            cur.executemany(
                "INSERT INTO violations (call_pk, rule_id, rule_name, category, severity, deduction,"
                f" speaker, start_s, end_s, text, explanation) VALUES ({','.join([mark] * 11)})",
                viols,
            )
        raw.commit()
    finally:
        raw.close()
    return seg_id, time.perf_counter() - t0


def workload(n: int, seed: int = 11) -> list[tuple[str, str, bool, SearchFilters | None]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        kind = ["1-char", "2-char", "longer", "fuzzy", "filtered"][i % 5]
        if kind == "filtered":
            query = rnd.choice(QUERIES["1-char"] + QUERIES["2-char"] + QUERIES["longer"])
            day = date(2026, 1, 1) + timedelta(days=rnd.randrange(80))
            filters = rnd.choice(
                [
                    SearchFilters(speaker="customer"),
                    SearchFilters(agent_id=f"A{rnd.randrange(200):03d}"),
                    SearchFilters(category=rnd.choice(CATEGORIES)),
                    SearchFilters(since=day, until=day + timedelta(days=6)),
                    SearchFilters(speaker="agent", agent_id=f"A{rnd.randrange(200):03d}", since=day),
                ]
            )
            out.append((kind, query, rnd.random() < 0.3, filters))
        else:
            out.append((kind, rnd.choice(QUERIES[kind]), kind == "fuzzy", None))
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--keep", type=Path, help="database file to create (or reuse if it exists)")
    ap.add_argument(
        "--database-url", help="a PostgreSQL database to build in (when it has no calls) and measure"
    )
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.keep or Path(tmp.name) / "bench.sqlite"
    reuse = path.exists()
    db = Database(args.database_url or f"sqlite:///{path}")
    sqlite = db.engine.dialect.name == "sqlite"
    if not sqlite:
        with db.session() as s:
            reuse = bool(s.scalar(text("SELECT count(*) FROM calls")))
    if not reuse:
        n_segs, t_insert = build(db, args.calls)
        print(f"inserted {args.calls} calls / {n_segs} segments in {t_insert:.1f} s")
        t0 = time.perf_counter()
        with db.session() as s:
            reindex_all(s)
        t_index = time.perf_counter() - t0
        t0 = time.perf_counter()
        if sqlite:
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO segment_fts(segment_fts) VALUES ('optimize')"))
            size = path.stat().st_size
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
                size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        print(
            f"index build {t_index:.1f} s (+ optimize {time.perf_counter() - t0:.1f} s);"
            f" db size {size / 2**20:.0f} MiB"
        )
    with db.session() as s:  # warm the page cache and the pinyin caches
        for _, query, fuzzy, filters in workload(20, seed=3):
            search(s, query, fuzzy=fuzzy, filters=filters)
    timings: dict[str, list[float]] = {}
    slowest: list[tuple[float, str]] = []
    with db.session() as s:
        for kind, query, fuzzy, filters in workload(args.queries):
            t0 = time.perf_counter()
            hits = search(s, query, fuzzy=fuzzy, filters=filters)
            ms = (time.perf_counter() - t0) * 1000
            timings.setdefault(kind, []).append(ms)
            slowest.append((ms, f"{kind} {query!r} fuzzy={fuzzy} {filters} -> {len(hits)} hits"))
    every = [ms for values in timings.values() for ms in values]
    print(f"{'kind':10} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}  (ms)")
    for kind, values in [*timings.items(), ("ALL", every)]:
        print(
            f"{kind:10} {len(values):4d} {statistics.median(values):8.1f} {pct(values, 0.95):8.1f}"
            f" {max(values):8.1f}"
        )
    print("slowest:")
    for ms, what in sorted(slowest, reverse=True)[:5]:
        print(f"  {ms:7.1f} ms  {what}")
    db.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
