"""The throw-away PostgreSQL of tests/pg.py: fresh, migrated databases, one per test."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from callqa.store.database import Database
from tests.conftest import TEST_AUDIT_KEY, new_call


def test_postgres_url_is_a_fresh_migrated_database(postgres_url: str) -> None:
    db = Database(postgres_url, audit_key=TEST_AUDIT_KEY)
    assert db.engine.dialect.name == "postgresql"
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM calls")).scalar_one() == 0
        s.add(new_call("c1"))
    with db.session() as s:
        assert s.execute(text("SELECT call_id FROM calls")).scalar_one() == "c1"
    db.close()


def test_each_test_gets_its_own_database(postgres_url: str) -> None:
    """The row the test above wrote is not here."""
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calls")).scalar_one() == 0
    engine.dispose()


def test_empty_postgres_url_has_no_tables(empty_postgres_url: str) -> None:
    engine = create_engine(empty_postgres_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
