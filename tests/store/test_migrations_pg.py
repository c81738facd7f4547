"""The migrations on PostgreSQL: from empty to the models' schema, every revision down and up again,
and 0013_pg_search indexing the segments a database already held."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, make_url, text

from callqa.store.database import Database, make_engine, migrate
from callqa.store.models import Base
from callqa.store.search import search
from tests.conftest import TEST_AUDIT_KEY, insert_old_call, migrate_to


def _diff(engine: Engine) -> list:  # type: ignore[type-arg]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the search index table and the listing indexes of 0005 are the migrations' own, as on SQLite
    return [d for d in diff if not (isinstance(d, tuple) and d[0] in ("remove_table", "remove_index"))]


def test_fresh_database_matches_the_models(empty_postgres_url: str) -> None:
    engine = make_engine(empty_postgres_url)
    migrate(engine)
    assert _diff(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert "segment_tsv" in tables and "segment_fts" not in tables
    engine.dispose()


def test_a_url_with_percent_escapes_migrates(empty_postgres_url: str) -> None:
    # a socket folder (host=/run/postgresql) or an option renders %-escaped; Alembic's config
    # file parser must not read those as interpolation
    url = make_url(empty_postgres_url).update_query_dict({"application_name": "callqa/migrate 100%"})
    assert "%" in url.render_as_string(hide_password=False)
    engine = make_engine(url.render_as_string(hide_password=False))
    migrate(engine)
    assert "calls" in inspect(engine).get_table_names()
    engine.dispose()


def test_every_revision_downgrades_to_empty_and_upgrades_again(empty_postgres_url: str) -> None:
    engine = make_engine(empty_postgres_url)
    migrate(engine)
    with engine.begin() as conn:
        migrate_to(conn, "base", down=True)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert _diff(engine) == []
    engine.dispose()


def test_0013_indexes_existing_segments_and_downgrades(empty_postgres_url: str) -> None:
    engine = make_engine(empty_postgres_url)
    with engine.begin() as conn:
        migrate_to(conn, "0012_workers")
        insert_old_call(conn, ("agent", "请尽快还款"), ("customer", "我没钱"))
    db = Database(empty_postgres_url, audit_key=TEST_AUDIT_KEY)
    with db.session() as s:
        assert [h.text for h in search(s, "还款")] == ["请尽快还款"]
        assert [h.text for h in search(s, "huan kuan", fuzzy=True)] == []  # pinyin of letters is letters
        assert [h.text for h in search(s, "环款", fuzzy=True)] == ["请尽快还款"]
    with db.session() as s:  # a segment's row goes with its text, and with the segment
        s.execute(text("UPDATE segments SET text = '好的' WHERE position = 0"))
        s.execute(text("DELETE FROM segments WHERE position = 1"))
        assert s.execute(text("SELECT count(*) FROM segment_tsv")).scalar_one() == 0
    db.close()
    with engine.begin() as conn:
        migrate_to(conn, "0012_workers", down=True)
    assert "segment_tsv" not in inspect(engine).get_table_names()
    engine.dispose()
