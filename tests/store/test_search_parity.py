"""Search parity: the same calls, processed through the real pipeline into a SQLite and a PostgreSQL
workspace, give the same hits in the same quality tiers for every kind of query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, select, update

from callqa.store import search_index
from callqa.store.database import open_database
from callqa.store.models import Call, TranscriptSegment, User, Violation
from callqa.store.search import SearchFilters, SearchHit, search
from callqa.workspace import Workspace
from tests.fakes import add_scripted_call
from tests.pg import PostgresServer, use_database

CALLS = [  # call id, agent, team, day, lines
    ("p1", "A1", "一组", "2026-03-01", [
        ("agent", "您好，这里是信用卡中心，您的账单已经逾期三天了。"),
        ("customer", "我知道，下周一定还钱。"),
        ("agent", "再不还钱就让你坐牢！"),
    ]),
    ("p2", "A2", "一组", "2026-03-05", [
        ("agent", "您这个一期的账单要尽快处理"),
        ("customer", "我没钱"),
        ("agent", "我们会联系你的通线录里的人"),
    ]),
    ("p3", "A2", "二组", "2026-03-09", [
        ("agent", "再不还，警察就来把你去留"),
        ("agent", "你现在就是散最先一人"),
        ("customer", "我们一起去吧，预计明天到"),
        ("agent", "您已经一七三天了，钱钱钱都没还"),
    ]),
    ("p4", "B1", "二组", "2026-03-12", [
        ("agent", "按 OR 键确认，APP 里也能还款"),
        ("customer", "你要被拘留？我还3千行不行"),
        ("agent", "不还的话你要做劳的，逾期的钱要还"),
    ]),
]  # fmt: skip

QUERIES = [  # query, fuzzy, filters, at least this many hits
    ("钱", False, None, 5),
    ("还", False, None, 6),
    ("还钱", False, None, 2),
    ("钱还", False, None, 0),
    ("信用卡 中心", False, None, 1),
    ("逾期", False, None, 2),
    ("逾期", True, None, 3),  # 一期, 一七 (misheard) below 逾期
    ("拘留", True, None, 2),  # 拘留 above 去留
    ("通讯录", True, None, 1),  # 通线录
    ("犯罪嫌疑人", True, None, 1),
    ("坐牢", True, None, 2),  # 做劳 by pinyin
    ("一起", True, None, 1),
    ("app", False, None, 1),
    ("三", False, None, 2),  # 3 is indexed as 三
    ("OR 键", False, None, 1),
    ('钱" OR "', False, None, 0),
    ("钱", False, SearchFilters(speaker="customer"), 2),
    ("钱", False, SearchFilters(agent_id="A2"), 2),
    ("钱", False, SearchFilters(since=date(2026, 3, 5), until=date(2026, 3, 9)), 2),
    ("还", True, SearchFilters(speaker="agent", since=date(2026, 3, 9)), 3),
    ("钱", False, SearchFilters(until=date(2026, 3, 5)), 2),
    ("还", False, SearchFilters(since=date(2025, 12, 30), until=date(2026, 3, 9)), 3),
    ("钱", False, SearchFilters(since=date(2026, 3, 9), until=date(2026, 3, 5)), 0),
    (
        "还钱",
        True,
        SearchFilters(speaker="customer", agent_id="A2", since=date(2026, 3, 1), until=date(2026, 3, 9)),
        0,
    ),
]


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[SimpleNamespace]:
    """The corpus in a SQLite workspace and in a PostgreSQL one (a database of this module's)."""
    url = postgres_server.create_database()
    built = {}
    for name, database_url in (("sqlite", None), ("postgresql", url)):
        root = tmp_path_factory.mktemp(name) / "ws"
        if database_url:
            use_database(root, database_url)
        ws = Workspace.open(root)
        db = open_database(ws)
        for call_id, agent, team, day, lines in CALLS:
            add_scripted_call(
                ws, db, call_id, lines, agent_id=agent, team=team, started_at=f"{day}T10:00:00+08:00"
            )
        built[name] = db
    assert built["postgresql"].engine.dialect.name == "postgresql"
    yield SimpleNamespace(**built)
    for db in built.values():
        db.close()
    postgres_server.drop_database(url)


def _tiers(hits: list[SearchHit]) -> list[tuple[int, set[tuple[object, ...]]]]:
    """The hits grouped by match quality (2 characters, 1 pinyin, 0 misheard), best tier first."""
    out: list[tuple[int, set[tuple[object, ...]]]] = []
    for hit in hits:
        quality = int(hit.rank // 1000)
        if not out or out[-1][0] != quality:
            out.append((quality, set()))
        out[-1][1].add((hit.call_id, hit.speaker, hit.start_s, hit.text, hit.spans, hit.snippet))
    return out


@pytest.mark.parametrize(("query", "fuzzy", "filters", "at_least"), QUERIES)
def test_same_hits_in_the_same_quality_order(
    stores: SimpleNamespace, query: str, fuzzy: bool, filters: SearchFilters | None, at_least: int
) -> None:
    found = {}
    for name in ("sqlite", "postgresql"):
        with getattr(stores, name).session() as s:
            found[name] = search(s, query, fuzzy=fuzzy, filters=filters)
    assert len(found["sqlite"]) >= at_least
    assert _tiers(found["postgresql"]) == _tiers(found["sqlite"])


def test_category_filter(stores: SimpleNamespace) -> None:
    """Each category the rules found in the corpus filters alike (calls without it are left out)."""
    with stores.sqlite.session() as s:
        flagged = s.execute(select(Violation.category, Call.call_id).join(Call)).all()
        everywhere = {h.call_id for h in search(s, "还")}
    assert len({c for c, _ in flagged}) >= 2
    for category in {c for c, _ in flagged}:
        found = {}
        for name in ("sqlite", "postgresql"):
            with getattr(stores, name).session() as s:
                found[name] = search(s, "还", filters=SearchFilters(category=category))
        assert {h.call_id for h in found["sqlite"]} == everywhere & {
            cid for c, cid in flagged if c == category
        }
        assert _tiers(found["postgresql"]) == _tiers(found["sqlite"]), category


def test_limit_keeps_the_best_tier(stores: SimpleNamespace) -> None:
    for name in ("sqlite", "postgresql"):
        with getattr(stores, name).session() as s:
            hits = search(s, "逾期", fuzzy=True, limit=2)
        assert [int(h.rank // 1000) for h in hits] == [2, 2], name


def test_same_hits_when_most_segments_come_from_the_gin_index(
    stores: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL matches its newest FIRST_WINDOW segments one by one and asks the GIN index for the
    rest; with a window of 3 segments the table's queries take both paths and still agree."""
    monkeypatch.setattr(search_index, "FIRST_WINDOW", 3)
    for query, fuzzy, filters, _ in QUERIES:
        found = {}
        for name in ("sqlite", "postgresql"):
            with getattr(stores, name).session() as s:
                found[name] = search(s, query, fuzzy=fuzzy, filters=filters)
        assert _tiers(found["postgresql"]) == _tiers(found["sqlite"]), query
        with stores.postgresql.session() as s:
            assert search(s, query, fuzzy=fuzzy, filters=filters, limit=1) == found["postgresql"][:1], query


def test_every_step_the_planner_may_choose_finds_the_same_hits(
    stores: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever of its priced steps the planner takes (windows; a walk of a day range's, a team's or
    an agent's segments; the GIN index given facets, the rarest tokens, the whole phrase or a fuzzy
    tier's cover), the hits are SQLite's."""
    monkeypatch.setattr(search_index, "FIRST_WINDOW", 3)
    expected = {}
    for query, fuzzy, filters, _ in QUERIES:
        with stores.sqlite.session() as s:
            expected[query, fuzzy, filters] = _tiers(search(s, query, fuzzy=fuzzy, filters=filters))
    choice, most, taken = 0, 1, set[str]()

    def forced(plan: search_index._Plan, rate: float, wanted: int, older: int) -> search_index.Step:
        nonlocal most
        options = plan.options(rate, wanted, older)
        most = max(most, len(options))
        step = options[choice % len(options)][1]
        taken.add(type(step).__name__)
        return step

    monkeypatch.setattr(search_index._Plan, "next_step", forced)
    while choice < most:
        for (query, fuzzy, filters), tiers in expected.items():
            with stores.postgresql.session() as s:
                assert _tiers(search(s, query, fuzzy=fuzzy, filters=filters)) == tiers, (query, choice)
        choice += 1
    assert most >= 20  # facets, tokens and phrases, alone and together
    assert taken == {"int", "_Walk", "tuple"}  # windows, walks of a facet's segments, GIN queries


def test_postgres_facets_follow_every_change_of_calls_segments_and_hits(
    tmp_path: Path, postgres_url: str
) -> None:
    """The facet lexemes in PostgreSQL's vectors (0016) follow a call's team and start, a segment's
    speaker and a call's hit categories: the index never leaves out a segment its filters keep."""
    use_database(tmp_path / "ws", postgres_url)
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    for call_id, agent, team, day, lines in CALLS[:2]:
        add_scripted_call(
            ws, db, call_id, lines, agent_id=agent, team=team, started_at=f"{day}T10:00:00+08:00"
        )
    lead = User(username="lead2", password_hash="x", role="team_lead", team="二组", active=True,
                created_at=datetime(2026, 1, 1), failed_logins=0)  # fmt: skip

    def calls(viewer: User | None = None, **filters: object) -> set[str]:
        with db.session() as s:
            return {h.call_id for h in search(s, "钱", filters=SearchFilters(**filters), viewer=viewer)}  # type: ignore[arg-type]

    assert calls() == {"p1", "p2"} and calls(lead) == set()
    with db.session() as s:
        s.execute(update(Call).where(Call.call_id == "p1").values(team="二组", agent_id="A9"))
    assert calls(lead) == {"p1"} and calls(agent_id="A9") == {"p1"} and calls(agent_id="A1") == set()
    march_3 = {"since": date(2026, 3, 3), "until": date(2026, 3, 3)}
    assert calls(**march_3) == set()
    with db.session() as s:
        s.execute(update(Call).where(Call.call_id == "p2").values(started_at_utc=datetime(2026, 3, 3, 2)))
    assert calls(**march_3) == {"p2"}
    with db.session() as s:
        pk = s.scalar(select(Call.id).where(Call.call_id == "p1"))
        s.add(Violation(call_pk=pk, rule_id="x", rule_name="x", category="impersonation", severity="high",
                        deduction=1, speaker="agent", start_s=0, end_s=1, text="x", explanation="x"))  # fmt: skip
    assert calls(category="impersonation") == {"p1"}
    with db.session() as s:
        s.execute(delete(Violation).where(Violation.category == "impersonation"))
    assert calls(category="impersonation") == set()
    assert calls(speaker="agent") == {"p1"}
    with db.session() as s:
        s.execute(update(TranscriptSegment).where(TranscriptSegment.text == "我没钱").values(speaker="agent"))
    assert calls(speaker="customer") == {"p1"} and calls(speaker="agent") == {"p1", "p2"}
    db.close()
