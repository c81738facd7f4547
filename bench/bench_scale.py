"""Workbench latency on a large workspace database (built by build_bench_db.py), as an admin and as a
team lead: 总览, 通话列表 (filters; every sort on its first, middle and last page), 通话详情, the
`/api/calls` twin, 我的复核 (the review queue), 承诺还款 and search (1-char, 2-char, longer, fuzzy, by
speaker; and through the query layer, as `callqa search` and `/api/search` run it, filtered by agent,
category, one week, agent + speaker + since).

    .venv/bin/python bench/bench_scale.py --url postgresql+psycopg://postgres@127.0.0.1:55433/bench1m

Requests go through the real application in this process (routing, sign-in, the query layer,
templates), timed from request to full body; the database is opened as a workspace's would be
(migrated to head first). Prints median / p95 / max in ms per kind and role (`--markdown` as a
table). Targets at 1M calls: pages p95 <= 300 ms, search p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bench_search import QUERIES, pct
from bench_web import timed_gets
from build_bench_db import PASSWORD, RULES
from callqa.settings import DATABASE_URL_ENV
from callqa.store.database import Database, open_database
from callqa.store.models import Call, User
from callqa.store.queries import CALL_SORTS
from callqa.store.search import SearchFilters, search
from callqa.web.app import create_app
from callqa.workspace import Workspace

PAGE = 50
LEAD, LEAD_TEAM = "bench_lead05", "T05"
SEARCH_TARGET, PAGE_TARGET = 150.0, 300.0


def signed_in(app, name: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"csrf_token": token, "username": name, "password": PASSWORD})
    assert r.status_code == 303, r.text
    return client


def workload(rnd: random.Random, call_ids: list[str], total: int, n: int) -> dict[str, list[str]]:
    """`n` request paths per kind for a viewer who sees `total` calls."""
    last = max(1, -(-total // PAGE))
    categories = sorted({r[2] for r in RULES})

    def some(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(n)]

    def day() -> str:
        return f"2026-{rnd.randrange(1, 12):02d}-{rnd.randrange(1, 29):02d}"

    def sorted_page() -> str:
        sort = rnd.choice([f"{sign}{key}" for key in CALL_SORTS for sign in ("", "-")])
        return f"/calls?sort={sort}&page={rnd.choice([1, last // 2 + 1, last])}"

    one_filter = [
        lambda: "status=flagged",
        lambda: f"category={rnd.choice(categories)}",
        lambda: f"agent=A{rnd.randrange(50, 60) if rnd.random() < 0.5 else rnd.randrange(200):03d}",
        lambda: f"team={LEAD_TEAM}",
        lambda: f"since={day()}",
        lambda: "review_state=open",
        lambda: "review_state=none",
        lambda: "min_score=60&max_score=90",
        lambda: "status=failed",
    ]
    combined = [
        lambda: f"status=flagged&sort=-score&page={rnd.randrange(1, 20)}",
        lambda: f"category={rnd.choice(categories)}&sort=agent&page={rnd.randrange(1, 10)}",
        lambda: f"since={day()}&until=2026-11-30&sort=score&page={rnd.randrange(1, 50)}",
        lambda: f"agent=A{rnd.randrange(50, 60):03d}&status=clean&sort=-duration",
        lambda: f"team={LEAD_TEAM}&review_state=decided&sort=call_id",
    ]
    return {
        "总览 dashboard": some(lambda: "/"),
        "calls: first page": some(lambda: "/calls"),
        "calls: sort x first/mid/last": some(sorted_page),
        "calls: one filter": some(lambda: "/calls?" + rnd.choice(one_filter)()),
        "calls: filters+sort+page": some(lambda: "/calls?" + rnd.choice(combined)()),
        "call detail": some(lambda: f"/calls/{rnd.choice(call_ids)}"),
        "api/calls": some(
            lambda: (
                "/api/calls?"
                + rnd.choice(
                    [
                        "limit=50",
                        f"offset={rnd.randrange(total)}&limit=50",
                        "status=flagged&sort=-score",
                        f"category={rnd.choice(categories)}",
                        f"team={LEAD_TEAM}&review_state=open",
                    ]
                )
            )
        ),
        "review queue": some(
            lambda: (
                "/review?"
                + rnd.choice(
                    [
                        "scope=all",
                        "scope=unassigned",
                        f"scope=all&sort={rnd.choice(['severity', 'score', 'age'])}",
                        f"scope=all&finished=1&page={rnd.randrange(1, 40)}",
                        "scope=all&origin=sample&finished=1",
                    ]
                )
            )
        ),
        "promises": some(
            lambda: (
                "/promises?"
                + rnd.choice(
                    ["", "status=broken", f"page={rnd.randrange(1, 200)}", f"team={LEAD_TEAM}&status=pending"]
                )
            )
        ),
        **{
            f"search: {kind}": some(
                lambda kind=kind: f"/search?q={rnd.choice(QUERIES[kind])}" + "&fuzzy=1" * (kind == "fuzzy")
            )
            for kind in ("1-char", "2-char", "longer", "fuzzy")
        },
        "search: speaker (web)": some(
            lambda: (
                f"/search?q={rnd.choice(ANY_QUERY)}&speaker={rnd.choice(['agent', 'customer'])}"
                + "&fuzzy=1" * (rnd.random() < 0.3)
            )
        ),
    }


ANY_QUERY = QUERIES["1-char"] + QUERIES["2-char"] + QUERIES["longer"]


def filtered_searches(rnd: random.Random, n: int) -> dict[str, list[tuple[str, bool, SearchFilters]]]:
    """`n` searches per filter as `callqa search` and `/api/search` take them: (query, fuzzy, filters)."""
    categories = sorted({r[2] for r in RULES})

    def week() -> SearchFilters:
        since = date(2025, 12, 1) + timedelta(days=rnd.randrange(360))
        return SearchFilters(since=since, until=since + timedelta(days=6))

    makers: dict[str, Callable[[], SearchFilters]] = {
        "agent": lambda: SearchFilters(agent_id=f"A{rnd.randrange(200):03d}"),
        "category": lambda: SearchFilters(category=rnd.choice(categories)),
        "one week": week,
        "agent+speaker+since": lambda: SearchFilters(
            speaker="agent", agent_id=f"A{rnd.randrange(200):03d}", since=date(2026, rnd.randrange(1, 12), 1)
        ),
    }
    return {
        f"search: {name} (query layer)": [
            (rnd.choice(ANY_QUERY), rnd.random() < 0.3, make()) for _ in range(n)
        ]
        for name, make in makers.items()
    }


def timed_searches(
    db: Database, viewer: User, searches: list[tuple[str, bool, SearchFilters]]
) -> list[float]:
    """Milliseconds per search through the query layer (the CLI's and the API's path), in a session each."""
    out = []
    for query, fuzzy, filters in searches:
        with db.session() as s:
            start = time.perf_counter()
            search(s, query, fuzzy=fuzzy, filters=filters, viewer=viewer)
            out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="SQLAlchemy URL of a database built by build_bench_db.py")
    ap.add_argument("--requests", type=int, default=20, help="requests per kind and role")
    ap.add_argument("--only", default="", help="run only the kinds whose name contains this")
    ap.add_argument("--markdown", action="store_true", help="print the results as a Markdown table")
    ap.add_argument("--slowest", type=int, default=0, help="print the N slowest requests of each kind")
    args = ap.parse_args()
    os.environ[DATABASE_URL_ENV] = args.url
    tmp = tempfile.TemporaryDirectory()
    ws = Workspace.open(Path(tmp.name) / "ws")
    db = open_database(ws)
    app = create_app(ws, db)
    rnd = random.Random(5)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    rows = []
    for name in ("bench_admin", LEAD):
        client = signed_in(app, name)
        with db.session() as s:
            visible = (
                select(Call.call_id)
                if name == "bench_admin"
                else select(Call.call_id).where(Call.team == LEAD_TEAM)
            )
            total = s.scalar(select(func.count()).select_from(visible.subquery())) or 0
            step = max(1, total // 500)
            call_ids = list(s.scalars(visible.order_by(Call.id).offset(rnd.randrange(step)).limit(500)))
        for path in ("/", "/calls", f"/calls/{call_ids[0]}", "/search?q=钱"):  # warm the caches
            client.get(path)
        for kind, paths in workload(rnd, call_ids, total, args.requests).items():
            if args.only not in kind:
                continue
            times = timed_gets(client, paths)
            rows.append((kind, name.removeprefix("bench_"), total, times))
            print(f"  {kind:30} {name:12} p95 {pct(times, 0.95):8.1f} ms", flush=True)
            for ms, path in sorted(zip(times, paths, strict=True), reverse=True)[: args.slowest]:
                print(f"      {ms:8.1f} ms  {path}")
        with db.session() as s:
            viewer = s.scalars(select(User).where(User.username == name)).one()
            s.expunge(viewer)
        for kind, searches in filtered_searches(rnd, args.requests).items():
            if args.only not in kind:
                continue
            times = timed_searches(db, viewer, searches)
            rows.append((kind, name.removeprefix("bench_"), total, times))
            print(f"  {kind:30} {name:12} p95 {pct(times, 0.95):8.1f} ms", flush=True)
            for ms, one in sorted(zip(times, searches, strict=True), reverse=True)[: args.slowest]:
                print(f"      {ms:8.1f} ms  {one}")
    if args.markdown:
        print("| request | viewer (calls seen) | median ms | p95 ms | max ms |\n|---|---|---|---|---|")
    else:
        print(f"{'kind':30} {'role':8} {'calls':>8} {'median':>8} {'p95':>8} {'max':>8}  (ms)")
    for kind, role, total, times in rows:
        median, p95, top = statistics.median(times), pct(times, 0.95), max(times)
        target = SEARCH_TARGET if kind.startswith("search") else PAGE_TARGET
        mark = "" if p95 <= target else " !"
        if args.markdown:
            print(f"| {kind} | {role} ({total:,}) | {median:.0f} | **{p95:.0f}**{mark} | {top:.0f} |")
        else:
            print(f"{kind:30} {role:8} {total:8d} {median:8.1f} {p95:8.1f} {top:8.1f}{mark}")
    db.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
