"""Workbench latency on a large SQLite workspace: dashboard, call list (filters, sorts, deep pages, the
API twin) and call page, as an admin (every call) and as a team lead (one team of 20).

    .venv/bin/python bench/bench_web.py [--workspace DIR] [--calls 100000] [--requests 20]

The workspace's database is built by bench_search.py's generator when it does not exist yet (the same
as `bench/bench_search.py --calls N --keep DIR/callqa.db`), then given users and a review case for
every flagged call. Requests go through the real application in this process (routing, auth, the
query layer, templates), timed from request to full response body. Prints median / p95 / max in ms
per kind and role; the target is p95 <= 300 ms for every kind.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from bench_search import build, pct
from callqa.review import accounts
from callqa.store.database import Database, open_database
from callqa.store.models import Call, User
from callqa.store.search import reindex_all
from callqa.web.app import create_app
from callqa.workspace import Workspace

CATEGORIES = ["threat", "contacts", "abuse", "privacy", "fee"]
LEAD_TEAM = "T05"
PEOPLE = [("bench_admin", "admin", None), ("bench_lead", "team_lead", LEAD_TEAM)] + [
    (f"bench_insp{k}", "inspector", None) for k in range(5)
]


def prepare(ws: Workspace, n_calls: int) -> Database:
    database = ws.root / "callqa.db"
    if not database.exists() or database.stat().st_size == 0:
        raw = Database(ws.database_url)
        n_segs, seconds = build(raw, n_calls)
        with raw.session() as s:
            reindex_all(s)
        raw.close()
        print(f"built {n_calls} calls / {n_segs} segments in {seconds:.0f} s (+ search index)")
    db = open_database(ws)
    with db.session() as s:
        for name, role, team in PEOPLE:
            if s.scalar(select(User.id).where(User.username == name)) is None:
                accounts.create_user(s, "bench", name, role, team, password=f"{name}-pw-2026")
        owners = list(s.scalars(select(User.id).where(User.role == "inspector")))
        s.execute(
            text(
                "INSERT INTO review_cases (call_pk, state, owner_id, created_at)"
                " SELECT id, CASE WHEN id % 3 = 0 THEN 'unassigned' ELSE 'open' END,"
                f" CASE WHEN id % 3 = 0 THEN NULL ELSE {owners[0]} + id % {len(owners)} END, ingested_at"
                " FROM calls WHERE status = 'flagged' AND id NOT IN (SELECT call_pk FROM review_cases)"
            )
        )
    return db


def signed_in(app, name: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"csrf_token": token, "username": name, "password": f"{name}-pw-2026"})
    assert r.status_code == 303, r.text
    return client


def workload(rnd: random.Random, call_ids: list[str], pages: int) -> dict[str, list[str]]:
    def day() -> str:
        return f"2026-{rnd.choice(['01', '02', '03'])}-{rnd.randrange(1, 28):02d}"

    def some(make) -> list[str]:  # type: ignore[no-untyped-def]
        return [make() for _ in range(N)]

    return {
        "dashboard": some(lambda: "/"),
        "calls: first page": some(lambda: "/calls"),
        "calls: any page": some(lambda: f"/calls?page={rnd.randrange(1, pages + 1)}"),
        "calls: one filter": some(
            lambda: (
                "/calls?"
                + rnd.choice(
                    [
                        "status=flagged",
                        f"category={rnd.choice(CATEGORIES)}",
                        f"agent=A{rnd.randrange(200):03d}",
                        f"team=T{rnd.randrange(20):02d}",
                        f"since={day()}",
                        "review_state=open",
                        "review_state=none",
                        "min_score=80&max_score=90",
                        "status=failed",
                    ]
                )
            )
        ),
        "calls: filters+sort+page": some(
            lambda: (
                "/calls?"
                + rnd.choice(
                    [
                        f"status=flagged&sort=-score&page={rnd.randrange(1, 20)}",
                        f"category={rnd.choice(CATEGORIES)}&sort=agent&page={rnd.randrange(1, 10)}",
                        f"since={day()}&until=2026-03-31&sort=score&page={rnd.randrange(1, 50)}",
                        f"sort=-score&page={rnd.randrange(1, pages + 1)}",
                        f"sort=agent&page={rnd.randrange(1, pages + 1)}",
                        f"agent=A{rnd.randrange(200):03d}&status=clean&sort=-started_at",
                    ]
                )
            )
        ),
        "api calls": some(
            lambda: (
                "/api/calls?"
                + rnd.choice(
                    [
                        "limit=50",
                        f"offset={rnd.randrange(pages * 50)}&limit=50",
                        "status=flagged&sort=-score",
                        f"category={rnd.choice(CATEGORIES)}",
                        f"team=T{rnd.randrange(20):02d}&review_state=open",
                    ]
                )
            )
        ),
        "call page": some(lambda: f"/calls/{rnd.choice(call_ids)}"),
    }


N = 20


def timed_gets(client: TestClient, paths: list[str]) -> list[float]:
    """Milliseconds of each GET, in order; every answer must be 200."""
    times = []
    for path in paths:
        t0 = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return times


def main() -> None:
    global N
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", type=Path, help="workspace folder (built if it has no database yet)")
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=20, help="requests per kind and role")
    args = ap.parse_args()
    N = args.requests
    tmp = tempfile.TemporaryDirectory()
    ws = Workspace.open(args.workspace or Path(tmp.name) / "ws")
    db = prepare(ws, args.calls)
    app = create_app(ws, db)
    rnd = random.Random(5)
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; Python {platform.python_version()}"
    )
    rows = []
    for name in ("bench_admin", "bench_lead"):
        client = signed_in(app, name)
        with db.session() as s:
            visible = (
                select(Call.call_id)
                if name == "bench_admin"
                else select(Call.call_id).where(Call.team == LEAD_TEAM)
            )
            call_ids = list(s.scalars(visible.order_by(func.random()).limit(500)))
            total = s.scalar(select(func.count()).select_from(visible.subquery())) or 0
        for path in ("/", "/calls", f"/calls/{call_ids[0]}"):  # warm the caches
            client.get(path)
        for kind, paths in workload(rnd, call_ids, max(1, total // 50)).items():
            times = timed_gets(client, paths)
            rows.append((kind, name.removeprefix("bench_"), total, times))
    print(f"{'kind':26} {'role':6} {'calls':>7} {'median':>8} {'p95':>8} {'max':>8}  (ms)")
    worst = 0.0
    for kind, role, total, times in rows:
        p95 = pct(times, 0.95)
        worst = max(worst, p95)
        print(f"{kind:26} {role:6} {total:7d} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}")
    print(f"worst p95: {worst:.1f} ms (target <= 300 ms)")
    db.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
