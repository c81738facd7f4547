"""Transcript search: exact (1-/2-char and longer), ranking, snippets, filters, fuzzy pinyin, safety."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from callqa.store.database import Database
from callqa.store.models import Call, TranscriptSegment
from callqa.store.search import (
    MAX_QUERY_CHARS,
    SearchFilters,
    SearchHit,
    SearchQueryError,
    index_segments,
    reindex_all,
    search,
    unindex_call,
)
from tests.conftest import insert_old_call, migrate_to

from .conftest import AddCall


@pytest.fixture
def corpus(add_call: AddCall) -> None:
    add_call(
        "c1",
        [
            ("agent", "您好，这里是信用卡中心，您的账单已经逾期三天了。"),
            ("customer", "我知道，下周一定还钱。"),
            ("agent", "再不还钱就让你坐牢！"),
        ],
        agent_id="A1",
        started=datetime(2026, 3, 1, 8, 0),
        categories=("threat",),
    )
    add_call(
        "c2",
        [
            ("agent", "您这个一期的账单要尽快处理"),
            ("customer", "我没钱"),
            ("agent", "我们会联系你的通线录里的人"),
        ],
        agent_id="A2",
        started=datetime(2026, 3, 5, 23, 59),
        categories=("contacts",),
    )
    add_call(
        "c3", [("agent", "不还的话你要做劳的"), ("customer", "余七天后再说吧")], agent_id="A2", started=None
    )


def run(db: Database, query: str, **kw: object) -> list[SearchHit]:
    with db.session() as s:
        return search(s, query, **kw)  # type: ignore[arg-type]


def texts(hits: list[SearchHit]) -> list[str]:
    return [h.text for h in hits]


def index_rows(s: Session, segment_id: int | None = None) -> int:
    """Rows in the search index (of one segment), on either database."""
    table, key = ("segment_fts", "rowid") if s.get_bind().dialect.name == "sqlite" else ("segment_tsv", "id")
    where = f" WHERE {key} = :id" if segment_id is not None else ""
    return int(s.scalar(text(f"SELECT count(*) FROM {table}{where}"), {"id": segment_id}) or 0)


@pytest.mark.usefixtures("corpus")
class TestExact:
    def test_single_character(self, db: Database) -> None:
        hits = run(db, "钱")
        assert sorted(texts(hits)) == sorted(["我知道，下周一定还钱。", "再不还钱就让你坐牢！", "我没钱"])
        assert all("【钱】" in h.snippet for h in hits)

    def test_two_characters(self, db: Database) -> None:
        hits = run(db, "还钱")
        assert sorted(texts(hits)) == sorted(["我知道，下周一定还钱。", "再不还钱就让你坐牢！"])
        assert run(db, "钱还") == []

    def test_longer_phrase_ignores_punctuation_and_case(self, db: Database) -> None:
        assert texts(run(db, "信用卡 中心")) == ["您好，这里是信用卡中心，您的账单已经逾期三天了。"]
        assert texts(run(db, "中心您")) == ["您好，这里是信用卡中心，您的账单已经逾期三天了。"]

    def test_traditional_query_finds_simplified(self, db: Database) -> None:
        assert len(run(db, "還錢")) == 2

    def test_hit_fields_and_snippet(self, db: Database) -> None:
        [hit] = run(db, "坐牢")
        assert (hit.call_id, hit.speaker, hit.start_s, hit.end_s) == ("c1", "agent", 4.0, 5.5)
        assert hit.snippet == "再不还钱就让你【坐牢】！"
        assert hit.to_json() == {
            "call_id": "c1",
            "ref": "c1",
            "speaker": "agent",
            "start_s": 4.0,
            "end_s": 5.5,
            "text": "再不还钱就让你坐牢！",
            "snippet": "再不还钱就让你【坐牢】！",
            "matches": [[7, 9]],
        }

    def test_every_occurrence_highlighted(self, db: Database, add_call: AddCall) -> None:
        add_call("c4", [("agent", "还钱还钱，快还钱")])
        [hit] = run(db, "还钱", filters=SearchFilters(agent_id="A1", since=date(2026, 3, 10)))
        assert hit.snippet == "【还钱】【还钱】，快【还钱】"

    def test_no_match(self, db: Database) -> None:
        assert run(db, "律师函") == []

    def test_limit(self, db: Database) -> None:
        assert len(run(db, "钱", limit=2)) == 2
        assert run(db, "钱", limit=0) == []


def test_ranking_prefers_dense_short_matches(db: Database, add_call: AddCall) -> None:
    add_call("long", [("agent", "我们今天打电话是想跟您确认一下最近的情况以及后续的安排还有钱的事情")])
    add_call("short", [("agent", "钱钱钱")])
    hits = run(db, "钱")
    assert [h.call_id for h in hits] == ["short", "long"]
    assert hits[0].rank > hits[1].rank


@pytest.mark.usefixtures("corpus")
class TestFilters:
    def test_speaker(self, db: Database) -> None:
        assert texts(run(db, "钱", filters=SearchFilters(speaker="customer"))) == [
            "我没钱",
            "我知道，下周一定还钱。",
        ]

    def test_agent(self, db: Database) -> None:
        assert texts(run(db, "钱", filters=SearchFilters(agent_id="A2"))) == ["我没钱"]

    def test_category(self, db: Database) -> None:
        assert {h.call_id for h in run(db, "的", filters=SearchFilters(category="contacts"))} == {"c2"}
        assert run(db, "的", filters=SearchFilters(category="nope")) == []

    def test_dates_inclusive_and_unknown_start(self, db: Database) -> None:
        ids = {h.call_id for h in run(db, "的")}
        assert ids == {"c1", "c2", "c3"}
        assert {h.call_id for h in run(db, "的", filters=SearchFilters(since=date(2026, 3, 5)))} == {"c2"}
        assert {h.call_id for h in run(db, "的", filters=SearchFilters(until=date(2026, 3, 5)))} == {
            "c1",
            "c2",
        }
        assert {h.call_id for h in run(db, "的", filters=SearchFilters(until=date(2026, 3, 4)))} == {"c1"}
        both = SearchFilters(since=date(2026, 3, 1), until=date(2026, 3, 1))
        assert {h.call_id for h in run(db, "的", filters=both)} == {"c1"}

    def test_combined(self, db: Database) -> None:
        f = SearchFilters(speaker="agent", agent_id="A1", category="threat")
        assert texts(run(db, "还钱", filters=f)) == ["再不还钱就让你坐牢！"]


@pytest.mark.usefixtures("corpus")
class TestFuzzy:
    def test_overdue_finds_asr_variants(self, db: Database) -> None:
        hits = run(db, "逾期", fuzzy=True)
        snippets = {h.snippet for h in hits}
        assert "您这个【一期】的账单要尽快处理" in snippets
        assert "【余七】天后再说吧" in snippets
        assert hits[0].snippet == "您好，这里是信用卡中心，您的账单已经【逾期】三天了。"  # exact first
        assert texts(run(db, "逾期")) == ["您好，这里是信用卡中心，您的账单已经逾期三天了。"]

    def test_jail(self, db: Database) -> None:
        snippets = [h.snippet for h in run(db, "坐牢", fuzzy=True)]
        assert snippets == ["再不还钱就让你【坐牢】！", "不还的话你要【做劳】的"]

    def test_contacts_one_syllable_off(self, db: Database) -> None:
        [hit] = run(db, "通讯录", fuzzy=True)
        assert hit.snippet == "我们会联系你的【通线录】里的人"

    def test_polyphone_query(self, db: Database) -> None:
        assert len(run(db, "环钱", fuzzy=True)) >= 2  # huan qian ~ 还钱 (hai/huan)

    def test_fuzzy_with_filters(self, db: Database) -> None:
        hits = run(db, "逾期", fuzzy=True, filters=SearchFilters(agent_id="A2", speaker="customer"))
        assert texts(hits) == ["余七天后再说吧"]


@pytest.mark.both_databases
@pytest.mark.usefixtures("corpus")
class TestHostileQueries:
    @pytest.mark.parametrize(
        "query",
        [
            '"',
            '钱"',
            '"钱',
            '钱" OR "',
            "钱 AND 还",
            "钱 OR",
            "NEAR(钱 还)",
            "钱*",
            "^钱",
            "{chars}: 钱",
            "chars:钱",
            "钱 NOT 还",
            "-钱",
            "(钱",
            "钱)",
            "'; DROP TABLE segments; --",
            "%",
            "钱%_\\",
            "*",
            "a*b",
        ],
    )
    def test_syntax_is_literal(self, db: Database, query: str) -> None:
        for fuzzy in (False, True):
            with contextlib.suppress(SearchQueryError):
                run(db, query, fuzzy=fuzzy)
        with db.session() as s:
            assert s.scalar(select(TranscriptSegment.id).limit(1)) is not None

    def test_operators_are_words(self, db: Database, add_call: AddCall) -> None:
        add_call("ops", [("agent", "按 OR 键确认")])
        assert texts(run(db, "钱 OR 键")) == []
        assert texts(run(db, "OR 键")) == ["按 OR 键确认"]
        assert texts(run(db, '"or"')) == ["按 OR 键确认"]

    @pytest.mark.parametrize("query", ["", "   ", "\n\t", "，。！", "!!", "——"])
    def test_empty_or_unsearchable_raises(self, db: Database, query: str) -> None:
        with pytest.raises(SearchQueryError):
            run(db, query)
        with pytest.raises(ValueError):
            run(db, query, fuzzy=True)

    def test_too_long(self, db: Database) -> None:
        run(db, "钱" * MAX_QUERY_CHARS, fuzzy=True)
        with pytest.raises(SearchQueryError, match="搜索词不能超过 200 个字符"):
            run(db, "钱" * (MAX_QUERY_CHARS + 1))

    @settings(  # one test instance per database: the instances hold no state
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(
        query=st.text(max_size=60) | st.text(alphabet='钱还逾期坐牢"*^(){}:+-ANDORNEAR ，', max_size=30),
        fuzzy=st.booleans(),
    )
    def test_any_query_never_crashes(self, db: Database, query: str, fuzzy: bool) -> None:
        try:
            hits = run(db, query, fuzzy=fuzzy)
        except SearchQueryError:
            return
        assert all(isinstance(h, SearchHit) for h in hits)


@pytest.mark.both_databases
@pytest.mark.usefixtures("corpus")
class TestIndexMaintenance:
    def test_unindex_call(self, db: Database) -> None:
        with db.session() as s:
            pk = s.scalar(select(Call.id).where(Call.call_id == "c1"))
            unindex_call(s, pk)
        assert {h.call_id for h in run(db, "钱")} == {"c2"}
        with db.session() as s:
            assert s.scalar(select(TranscriptSegment.id).where(TranscriptSegment.call_pk == pk)) is not None
            assert reindex_all(s) == 8
        assert {h.call_id for h in run(db, "钱")} == {"c1", "c2"}

    def test_deleting_segments_drops_index_rows(self, db: Database) -> None:
        with db.session() as s:
            s.delete(s.scalars(select(Call).where(Call.call_id == "c1")).one())
        with db.session() as s:
            s.execute(delete(TranscriptSegment).where(TranscriptSegment.text == "我没钱"))
            assert index_rows(s) == 4
        assert run(db, "钱") == []

    def test_reindexing_a_segment_replaces_its_row(self, db: Database) -> None:
        with db.session() as s:
            seg = s.scalars(select(TranscriptSegment).where(TranscriptSegment.text == "我没钱")).one()
            seg.text = "我没有律师"
            s.flush()
            assert index_rows(s, seg.id) == 0
            index_segments(s, [seg])
            index_segments(s, [seg])
            assert index_rows(s, seg.id) == 1
        assert texts(run(db, "律师")) == ["我没有律师"]
        assert {h.call_id for h in run(db, "钱")} == {"c1"}


def test_migration_indexes_existing_segments(tmp_path) -> None:  # type: ignore[no-untyped-def]

    from callqa.store.database import make_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        migrate_to(conn, "0001")
        insert_old_call(conn, ("agent", "请尽快还款"))
    engine.dispose()
    db = Database(url)
    try:
        assert texts(run(db, "还款")) == ["请尽快还款"]
        with engine.begin() as conn:
            migrate_to(conn, "0001", down=True)
            assert conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'segment_fts'")).all() == []
    finally:
        db.close()
        engine.dispose()


@pytest.fixture
def misheard(add_call: AddCall) -> None:
    add_call(
        "m1",
        [
            ("agent", "再不还，警察就来把你去留"),
            ("agent", "你现在就是散最先一人"),
            ("customer", "我们一起去吧"),
            ("customer", "预计明天到"),
            ("customer", "我做了饭"),
            ("agent", "您已经一七三天了"),
        ],
    )


@pytest.mark.usefixtures("misheard")
class TestMisheard:
    """`--fuzzy` uses the weighted syllable distance: measured mishearings in, measured lookalikes out."""

    def test_detention_heard_as_quliu(self, db: Database) -> None:
        assert [h.snippet for h in run(db, "拘留", fuzzy=True)] == ["再不还，警察就来把你【去留】"]
        assert run(db, "拘留") == []

    def test_long_phrase_tolerates_more(self, db: Database) -> None:
        assert [h.snippet for h in run(db, "犯罪嫌疑人", fuzzy=True)] == ["你现在就是【散最先一人】"]

    def test_lookalikes_stay_apart(self, db: Database) -> None:
        assert [h.snippet for h in run(db, "逾期", fuzzy=True)] == ["您已经【一七】三天了"]
        assert run(db, "坐牢", fuzzy=True) == []

    def test_misheard_ranks_below_same_pinyin(self, db: Database, add_call: AddCall) -> None:
        add_call("m2", [("agent", "你要被拘留")])
        hits = run(db, "拘留", fuzzy=True)
        assert [h.call_id for h in hits] == ["m2", "m1"]
        assert hits[0].rank > hits[1].rank
