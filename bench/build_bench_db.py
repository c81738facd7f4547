"""Build a large synthetic workspace database fast: a year of a 200-agent collections team.

    .venv/bin/python bench/build_bench_db.py --calls 1000000 --url postgresql+psycopg://postgres@/bench1m?host=/tmp/pg

Writes into an empty database (migrated first, so the schema is the product's own): calls over the
365 days before 2026-11-30 in business hours (+08:00), 200 agents in 20 teams (agent A123 is in team
T12), 3-7 transcript segments a call of realistic Chinese collection lines (some very frequent
characters: 的, 钱, 还), rule hits of the shipped pack on ~10% of calls (flagged), review cases on the
flagged calls (older ones decided with per-hit decisions and a few appeals, recent ones waiting) and
抽检 cases on 0.5% of clean calls, promises to pay on ~20% of checked calls (kept, broken or pending
against the last day), and users of every role, all with the password `bench-pw-2026`: bench_admin,
bench_super, bench_insp0..9, bench_lead00..19 (team T00..T19). Rows go in by PostgreSQL COPY (psycopg)
or SQLite executemany, never the ORM; 1M calls take about ten minutes on PostgreSQL on a 2-core box.
The search index is then built with the product's own `callqa.store.search.reindex_all` (skip with
`--no-search-index`), and the statistics refreshed (VACUUM ANALYZE).

A throw-away PostgreSQL 15 cluster for the bench (we are root; postgres refuses to run as root):

    mkdir -p /tmp/pg && chown postgres /tmp/pg
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pg/data -U postgres --auth=trust -E UTF8
    printf "port = 55433\\nunix_socket_directories = '/tmp/pg'\\nshared_buffers = 2GB\\nwork_mem = 32MB\\n\
maintenance_work_mem = 1GB\\nmax_wal_size = 8GB\\nsynchronous_commit = off\\n" >> /tmp/pg/data/postgresql.conf
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pg/data -l /tmp/pg/log start
    runuser -u postgres -- /usr/lib/postgresql/15/bin/createdb -h /tmp/pg -p 55433 bench1m
    # URL: postgresql+psycopg://postgres@/bench1m?host=/tmp/pg&port=55433
    # stop: runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pg/data stop
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from bench_search import AGENT, CUSTOMER, fill
from callqa.store.database import Database
from callqa.store.models import Call
from callqa.store.search import reindex_all

PASSWORD = "bench-pw-2026"
LAST_DAY = date(2026, 11, 30)  # the year ends here; payments are known up to it
DAYS = 365
AGENTS, TEAMS = 200, 20
LINE_POOL = 4000  # distinct filled lines per speaker
RULES = [  # (rule_id, name, category, severity, deduction) of the shipped pack
    ("threat-violence", "暴力伤害威胁", "threat", "critical", 40),
    ("threat-intimidate", "恐吓威胁言语", "threat", "critical", 40),
    ("abuse-insult", "辱骂侮辱用语", "abuse", "high", 20),
    ("disclosure-contacts", "威胁爆通讯录/公开曝光", "third_party_disclosure", "high", 30),
    ("disclosure-tell", "向家人/同事/单位透露或威胁透露欠款", "third_party_disclosure", "high", 30),
    ("impersonation-authority", "冒充公检法/律师等机关人员", "impersonation", "critical", 40),
    ("false-claim-criminal", "虚构刑事后果（坐牢、抓人、拘留）", "false_legal_claim", "critical", 35),
    ("false-claim-freeze", "虚构冻结查封财产", "false_legal_claim", "critical", 35),
    ("improper-borrow", "诱导借新还旧/套现还款", "improper_repayment", "high", 25),
]
PROMISE_LINES = ["好的，我{d}号之前还{a}元。", "行，{d}号我先还{a}元。", "我保证{d}号把{a}元转过去。"]

CALL_COLUMNS = (
    "id, call_id, file_name, source_path, content_sha256, stored_path, size_bytes, agent_id,"
    " customer_phone, team, started_at, started_at_utc, local_date, channels, extra, status, score,"
    " duration_s, error, attempts, ingested_at, processed_at, asr_model"
)
SEGMENT_COLUMNS = "id, call_pk, position, speaker, start_s, end_s, text"
VIOLATION_COLUMNS = (
    "id, call_pk, rule_id, rule_name, category, severity, deduction, speaker, start_s, end_s, text,"
    " explanation, source, confidence, pack_version"
)
CASE_COLUMNS = (
    "id, call_pk, state, origin, owner_id, created_at, verdict, submitted_by, submitted_at, score,"
    " final_outcome, final_by, final_at"
)
DECISION_COLUMNS = "violation_id, case_id, decision, decided_by, decided_at"
APPEAL_COLUMNS = "id, case_id, reason, filed_by, filed_at, decision, decided_by, decided_at"
APPEAL_HIT_COLUMNS = "appeal_id, violation_id, outcome"
PROMISE_COLUMNS = (
    "call_pk, due_on, amount_yuan, text, start_s, speaker, phone, status, paid_yuan, settled_on, found_at"
)
USER_COLUMNS = "id, username, password_hash, role, team, active, created_at, failed_logins"


class Tables:
    """Rows of one batch of calls, by table."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
            "calls": (CALL_COLUMNS, []),
            "segments": (SEGMENT_COLUMNS, []),
            "violations": (VIOLATION_COLUMNS, []),
            "review_cases": (CASE_COLUMNS, []),
            "violation_decisions": (DECISION_COLUMNS, []),
            "appeals": (APPEAL_COLUMNS, []),
            "appeal_hits": (APPEAL_HIT_COLUMNS, []),
            "promises": (PROMISE_COLUMNS, []),
        }

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table][1].append(row)


class Generator:
    """Deterministic synthetic rows (ids assigned here, so batches need no round trips)."""

    def __init__(self, seed: int, inspectors: Sequence[int], supervisor: int, leads: dict[str, int]) -> None:
        self.rnd = random.Random(seed)
        self.agent_lines = [fill(self.rnd.choice(AGENT), self.rnd) for _ in range(LINE_POOL)]
        self.customer_lines = [fill(self.rnd.choice(CUSTOMER), self.rnd) for _ in range(LINE_POOL)]
        self.inspectors, self.supervisor, self.leads = list(inspectors), supervisor, leads
        self.seg_id = self.viol_id = self.case_id = self.appeal_id = 0
        self.first = datetime.combine(LAST_DAY - timedelta(days=DAYS - 1), datetime.min.time())

    def batch(self, first_pk: int, last_pk: int) -> Tables:
        out = Tables()
        for pk in range(first_pk, last_pk + 1):
            self.call(out, pk)
        return out

    def call(self, out: Tables, pk: int) -> None:
        rnd = self.rnd
        local = self.first + timedelta(days=rnd.randrange(DAYS), seconds=rnd.randrange(8 * 3600, 21 * 3600))
        utc = local - timedelta(hours=8)
        agent = rnd.randrange(AGENTS)
        team = f"T{agent // (AGENTS // TEAMS):02d}"
        phone = f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"
        t, segments = 0.0, []
        for k in range(rnd.randint(3, 7)):
            speaker = "agent" if k % 2 == 0 else "customer"
            line = rnd.choice(self.agent_lines if speaker == "agent" else self.customer_lines)
            segments.append((k, speaker, t, t + 0.25 * len(line), line))
            t += 0.25 * len(line) + 0.6
        status = rnd.choices(("clean", "flagged", "failed", "pending"), (892, 100, 5, 3))[0]
        hits: list[tuple[Any, ...]] = []
        if status == "flagged":
            for rule in rnd.sample(RULES, rnd.choice((1, 1, 1, 2, 3))):
                k, speaker, start, end, line = segments[rnd.randrange(0, len(segments), 2)]
                self.viol_id += 1
                explained = f"命中“{line[:6]}”"
                hits.append((self.viol_id, pk, *rule, speaker, round(start, 2), round(end, 2), line,
                             explained, "rule", round(rnd.uniform(0.5, 1.0), 3), "2026.11"))  # fmt: skip
        checked = status in ("clean", "flagged")
        score = 100 - sum(h[6] for h in hits) if checked else None
        score = max(score, 0) if score is not None else None
        processed = utc + timedelta(minutes=rnd.randrange(5, 120))
        out.add("calls", (
            pk, f"C{local:%Y%m%d}-{pk:07d}", f"{pk}.wav", f"/recordings/{local:%Y/%m/%d}/{pk}.wav",
            f"{pk:064x}", f"calls/{pk % 256:02x}/{pk}.wav", 160_000 + 32 * int(t * 100), f"A{agent:03d}",
            phone, team, local.isoformat() + "+08:00", utc, local.date().isoformat(), "stereo", "{}",
            status, score, round(t, 1), "解码失败：文件已损坏" if status == "failed" else None,
            0 if status == "pending" else 1, utc + timedelta(minutes=2),
            processed if status != "pending" else None, "whisper-base" if checked else None,
        ))  # fmt: skip
        for k, speaker, start, end, line in segments:
            self.seg_id += 1
            out.add("segments", (self.seg_id, pk, k, speaker, round(start, 2), round(end, 2), line))
        for hit in hits:
            out.add("violations", hit)
        if status == "flagged":
            self.review(out, pk, processed, hits, score)
        elif status == "clean" and rnd.random() < 0.005:
            self.review(out, pk, processed, [], score, origin="sample")
        if checked and rnd.random() < 0.2:
            self.promise(out, pk, local, phone, t)

    def review(
        self, out: Tables, pk: int, at: datetime, hits: list[tuple[Any, ...]], score: int | None,
        origin: str = "flagged",
    ) -> None:  # fmt: skip
        rnd = self.rnd
        self.case_id += 1
        age = (datetime.combine(LAST_DAY, datetime.min.time()) - at).days
        owner = rnd.choice(self.inspectors)
        if age < 20 and rnd.random() < 0.6:  # still waiting for review
            unassigned = rnd.random() < 0.3
            state = "unassigned" if unassigned else "open"
            out.add("review_cases", (self.case_id, pk, state, origin, None if unassigned else owner, at,
                                     None, None, None, None, None, None, None))  # fmt: skip
            return
        done = at + timedelta(hours=rnd.randrange(1, 72))
        false_positive = [h for h in hits if rnd.random() < 0.2]
        confirmed = [h for h in hits if h not in false_positive]
        if origin == "sample":
            verdict = "confirmed" if rnd.random() < 0.03 else "clean"
        else:
            verdict = "confirmed" if confirmed else "all_false_positive"
        reviewed = 100 - sum(h[6] for h in confirmed) if origin == "flagged" else score
        appealed = confirmed and rnd.random() < 0.05
        final = age > 10 and not appealed
        state = "appealed" if appealed else "final" if final else "decided"
        out.add("review_cases", (
            self.case_id, pk, state, origin, owner, at, verdict, owner, done, reviewed,
            "closed" if final else None, self.supervisor if final else None,
            done + timedelta(days=3) if final else None,
        ))  # fmt: skip
        for hit in hits:
            decision = "false_positive" if hit in false_positive else "confirmed"
            out.add("violation_decisions", (hit[0], self.case_id, decision, owner, done))
        if appealed:
            self.appeal_id += 1
            lead = self.leads[self.team_of(pk, out)]
            out.add("appeals", (self.appeal_id, self.case_id, "坐席说明是客户先提起的", lead,
                                done + timedelta(days=1), None, None, None))  # fmt: skip
            for hit in confirmed:
                out.add("appeal_hits", (self.appeal_id, hit[0], None))

    @staticmethod
    def team_of(pk: int, out: Tables) -> str:
        row = out.rows["calls"][1][-1]
        assert row[0] == pk
        return str(row[9])

    def promise(self, out: Tables, pk: int, local: datetime, phone: str, t: float) -> None:
        rnd = self.rnd
        due = local.date() + timedelta(days=rnd.randrange(1, 15))
        amount = rnd.choice((None, 500.0, 1280.0, 3200.0, 8600.0, 20000.0))
        line = rnd.choice(PROMISE_LINES).format(d=due.day, a=int(amount or 1000))
        if due + timedelta(days=3) >= LAST_DAY:
            status, paid, settled = "pending", None, None
        elif rnd.random() < 0.6:
            status, paid, settled = "kept", amount or 1000.0, (due + timedelta(days=3)).isoformat()
        else:
            status, paid, settled = "broken", None, (due + timedelta(days=3)).isoformat()
        out.add("promises", (pk, due.isoformat(), amount, line, round(t * 0.8, 2), "customer", phone,
                             status, paid, settled, local - timedelta(hours=8)))  # fmt: skip


# --- writers -------------------------------------------------------------------------------------


def _copy_text(rows: Iterable[tuple[Any, ...]]) -> str:
    """Rows as COPY text format (no value here holds a tab, newline or backslash)."""
    return "".join("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows)


def write(raw: Any, postgres: bool, tables: Tables) -> None:
    cur = raw.cursor()
    for table, (columns, rows) in tables.rows.items():
        if not rows:
            continue
        if postgres:
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(_copy_text(rows))
        else:
            marks = ", ".join("?" * len(rows[0]))
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def users(raw: Any, postgres: bool) -> tuple[list[int], int, dict[str, int]]:
    """The bench's accounts (one password hash for all: argon2 is slow on purpose)."""
    hashed = PasswordHasher().hash(PASSWORD)
    now = datetime(2026, 11, 30, 9)
    people = [("bench_admin", "admin", None), ("bench_super", "supervisor", None)]
    people += [(f"bench_insp{k}", "inspector", None) for k in range(10)]
    people += [(f"bench_lead{k:02d}", "team_lead", f"T{k:02d}") for k in range(TEAMS)]
    rows = [(k, name, hashed, role, team, True, now, 0) for k, (name, role, team) in enumerate(people, 1)]
    tables = Tables()
    tables.rows["users"] = (USER_COLUMNS, rows)
    write(raw, postgres, tables)
    ids = {name: k for k, (name, _, _) in enumerate(people, 1)}
    leads = {team: ids[name] for name, role, team in people if team}
    return [ids[f"bench_insp{k}"] for k in range(10)], ids["bench_super"], leads


SEQUENCED = ("users", "calls", "segments", "violations", "review_cases", "violation_decisions",
             "appeals", "appeal_hits", "promises")  # fmt: skip


def build(db: Database, n_calls: int, seed: int = 7, batch: int = 20_000) -> dict[str, float]:
    """Fill `db` (migrated, empty) with `n_calls` calls; returns seconds per phase."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(Call)):
            raise SystemExit("the database already holds calls: give an empty one")
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        if not postgres:
            raw.cursor().execute("PRAGMA synchronous=OFF")
        inspectors, supervisor, leads = users(raw, postgres)
        gen = Generator(seed, inspectors, supervisor, leads)
        for start in range(1, n_calls + 1, batch):
            write(raw, postgres, gen.batch(start, min(n_calls, start + batch - 1)))
            if postgres:
                raw.commit()
            done = min(n_calls, start + batch - 1)
            if done % 100_000 == 0 or done == n_calls:
                print(f"  {done:,} calls, {time.perf_counter() - t0:.0f} s", flush=True)
        if postgres:
            cur = raw.cursor()
            for table in SEQUENCED:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                            f" COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")  # fmt: skip
        raw.commit()
    finally:
        raw.close()
    times["rows"] = time.perf_counter() - t0
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--url", required=True, help="SQLAlchemy URL of an empty database")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-search-index", action="store_true", help="leave the search index unbuilt")
    args = ap.parse_args()
    db = Database(args.url)
    times = build(db, args.calls, args.seed)
    if not args.no_search_index:
        t0 = time.perf_counter()
        with db.session() as s:
            reindex_all(s)
        times["search index"] = time.perf_counter() - t0
    t0 = time.perf_counter()  # statistics, and on PostgreSQL the visibility map index-only scans need
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
    times["vacuum analyze"] = time.perf_counter() - t0
    with db.session() as s:
        counts = {t: s.scalar(text(f"SELECT count(*) FROM {t}")) for t in SEQUENCED}
    print(", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(", ".join(f"{phase} {s:.0f} s" for phase, s in times.items()))
    db.close()


if __name__ == "__main__":
    main()
