"""The migrations build exactly the schema the models declare, from empty and from the previous head."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from callqa.store.database import make_engine, migrate
from callqa.store.models import Base
from tests.conftest import migrate_to


def _diff(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Objects only the migrations create (the full-text index, the listing indexes of 0005) are not
    # declared on the models; everything the models declare must exist as declared.
    return [d for d in diff if not (isinstance(d, tuple) and d[0] in ("remove_table", "remove_index"))]


def test_fresh_database_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    assert _diff(engine) == []
    engine.dispose()


def test_0007_upgrades_a_database_with_reviewed_calls_and_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0006")
        conn.execute(
            text(
                "INSERT INTO calls (call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
                " channels, extra, status, attempts, ingested_at) VALUES ('c1', 'a.wav', 'a.wav', 'x', 'a.wav',"
                " 1, '', '{}', 'flagged', 1, '2026-11-26 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO review_cases (call_pk, state, created_at) VALUES (1, 'unassigned', '2026-11-26')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO violations (call_pk, rule_id, rule_name, category, severity, deduction, speaker,"
                " start_s, end_s, text, explanation) VALUES (1, 'r', 'r', 'threat', 'high', 10, 'agent', 0, 1,"
                " 't', 'e')"
            )
        )
    migrate(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT origin FROM review_cases")).scalar_one() == "flagged"
        assert conn.execute(text("SELECT source FROM violations")).scalar_one() == "rule"
        conn.execute(text("UPDATE review_cases SET verdict = 'clean'"))
    assert _diff(engine) == []
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_cases SET verdict = NULL"))  # 'clean' is unknown before 0007
        migrate_to(conn, "0006", down=True)
        assert conn.execute(text("SELECT count(*) FROM violations")).scalar_one() == 1
    engine.dispose()


def test_0008_adds_waveforms_to_a_database_with_calls_and_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0007")
        conn.execute(
            text(
                "INSERT INTO calls (call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
                " channels, extra, status, attempts, ingested_at) VALUES ('c1', 'a.wav', 'a.wav', 'x', 'a.wav',"
                " 1, '', '{}', 'clean', 1, '2026-11-26 00:00:00')"
            )
        )
    migrate(engine)
    assert _diff(engine) == []
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO call_waveforms (call_pk, bucket_s, speakers, levels)"
                " VALUES (1, 0.1, '[\"agent\"]', x'00ff')"
            )
        )
        migrate_to(conn, "0007", down=True)
        tables = {n for (n,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert "call_waveforms" not in tables and "calls" in tables
    engine.dispose()


def test_0008_ptp_adds_promises_and_payments_to_a_database_with_calls_and_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0008_waveforms")
        conn.execute(
            text(
                "INSERT INTO calls (call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
                " channels, extra, status, attempts, ingested_at) VALUES ('c1', 'a.wav', 'a.wav', 'x', 'a.wav',"
                " 1, '', '{}', 'clean', 1, '2026-11-26 00:00:00')"
            )
        )
    migrate(engine)
    assert _diff(engine) == []
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO promises (call_pk, due_on, text, start_s, speaker, found_at)"
                " VALUES (1, '2026-12-04', '下周五还', 3.0, 'customer', '2026-11-27 00:00:00')"
            )
        )
        assert conn.execute(text("SELECT status FROM promises")).scalar_one() == "pending"
        migrate_to(conn, "0008_waveforms", down=True)
        tables = {n for (n,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert not {"promises", "payments", "payment_imports"} & tables and "calls" in tables
    engine.dispose()
