"""The migrations build exactly the schema the models declare, from empty and from the previous head."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from callqa.store.database import make_engine, migrate
from callqa.store.models import Base
from tests.conftest import insert_old_call, migrate_to


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


def _upgraded_with_one_call(tmp_path: Path, revision: str):  # type: ignore[no-untyped-def]
    """A database at `revision` holding one processed call (c1), then upgraded to the head; the
    result's schema matches the models."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, revision)
        conn.execute(
            text(
                "INSERT INTO calls (call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
                " channels, extra, status, attempts, ingested_at) VALUES ('c1', 'a.wav', 'a.wav', 'x', 'a.wav',"
                " 1, '', '{}', 'clean', 1, '2026-11-26 00:00:00')"
            )
        )
    migrate(engine)
    assert _diff(engine) == []
    return engine


def test_0008_adds_waveforms_to_a_database_with_calls_and_downgrades(tmp_path: Path) -> None:
    engine = _upgraded_with_one_call(tmp_path, "0007")
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


def test_0009_gives_old_appeals_their_hits_and_old_verdicts_their_score(tmp_path: Path) -> None:
    """Before 0009 an appeal covered the whole case: an upheld or pending one contests the case's
    confirmed violations, an overturned one those it overturned. Downgrading drops what the system
    decided (no person did) and sends its verdicts back to the queue."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0008_waveforms")
        run = conn.execute
        run(text("INSERT INTO users (id, username, password_hash, role, active, created_at, failed_logins)"
                 " VALUES (1, 'u', 'x', 'supervisor', 1, '2026-11-26', 0)"))  # fmt: skip
        for pk in (1, 2):
            run(text("INSERT INTO calls (id, call_id, file_name, source_path, content_sha256, stored_path,"
                     " size_bytes, channels, extra, status, attempts, ingested_at) VALUES"
                     f" ({pk}, 'c{pk}', 'a', 'a', 'x{pk}', 'a', 1, '', '{{}}', 'flagged', 1, '2026-11-26')"))  # fmt: skip
            run(text("INSERT INTO review_cases (id, call_pk, state, owner_id, created_at, verdict, submitted_by)"
                     f" VALUES ({pk}, {pk}, 'final', 1, '2026-11-26', 'confirmed', 1)"))  # fmt: skip
        # case 1: R1 (10) twice and R2 (30) confirmed, R3 a false positive; its appeal was upheld
        # case 2: R1 overturned on its appeal, R2 confirmed and not contested
        hits = [(1, 1, "R1", 10, "confirmed", None), (2, 1, "R1", 10, "confirmed", None),
                (3, 1, "R2", 30, "confirmed", None), (4, 1, "R3", 20, "false_positive", None),
                (5, 2, "R1", 10, "false_positive", "overturned on appeal 2: 客户所说"),
                (6, 2, "R2", 30, "confirmed", None)]  # fmt: skip
        for vid, case, rule, deduction, decision, comment in hits:
            run(text("INSERT INTO violations (id, call_pk, rule_id, rule_name, category, severity, deduction,"
                     " speaker, start_s, end_s, text, explanation) VALUES"
                     f" ({vid}, {case}, '{rule}', 'r', 'threat', 'high', {deduction}, 'agent', 0, 1, 't', 'e')"))  # fmt: skip
            run(text("INSERT INTO violation_decisions (violation_id, case_id, decision, comment, decided_by,"
                     " decided_at) VALUES (:v, :c, :d, :m, 1, '2026-11-26')"),
                {"v": vid, "c": case, "d": decision, "m": comment})  # fmt: skip
        for appeal_id, case, decision in ((1, 1, "upheld"), (2, 2, "overturned")):
            run(text("INSERT INTO appeals (id, case_id, reason, filed_by, filed_at, decision) VALUES"
                     f" ({appeal_id}, {case}, 'r', 1, '2026-11-26', '{decision}')"))  # fmt: skip
    migrate(engine)
    assert _diff(engine) == []
    with engine.begin() as conn:
        contested = conn.execute(text("SELECT appeal_id, violation_id, outcome FROM appeal_hits ORDER BY id"))
        assert contested.all() == [(1, 1, "upheld"), (1, 2, "upheld"), (1, 3, "upheld"), (2, 5, "overturned")]
        scores = conn.execute(text("SELECT id, score FROM review_cases ORDER BY id")).all()
        assert scores == [(1, 60), (2, 70)]  # R1 counts once
        # what only 0009 allows: a decision and a verdict the system gave
        conn.execute(text("UPDATE violation_decisions SET decided_by = NULL WHERE violation_id = 6"))
        conn.execute(text("UPDATE review_cases SET owner_id = NULL, submitted_by = NULL, state = 'submitted'"
                          " WHERE id = 2"))  # fmt: skip
        migrate_to(conn, "0008_waveforms", down=True)
        assert conn.execute(text("SELECT count(*) FROM violation_decisions")).scalar_one() == 5
        assert conn.execute(text("SELECT state, verdict FROM review_cases WHERE id = 2")).one() == (
            "unassigned",
            None,
        )
    engine.dispose()


def test_upgrading_from_0006_keeps_decisions_and_appeals(tmp_path: Path) -> None:
    """0007 rebuilds review_cases; with SQLite's foreign keys on, dropping the old table would delete
    every decision and appeal by cascade. `migrate` runs with them off and checks them after."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0006")
        for sql in (
            "INSERT INTO users (id, username, password_hash, role, active, created_at, failed_logins)"
            " VALUES (1, 'u', 'x', 'supervisor', 1, '2026-11-26', 0)",
            "INSERT INTO calls (id, call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
            " channels, extra, status, attempts, ingested_at) VALUES (1, 'c1', 'a', 'a', 'x', 'a', 1, '', '{}',"
            " 'flagged', 1, '2026-11-26')",
            "INSERT INTO review_cases (id, call_pk, state, owner_id, created_at, verdict, submitted_by)"
            " VALUES (1, 1, 'final', 1, '2026-11-26', 'confirmed', 1)",
            "INSERT INTO violations (id, call_pk, rule_id, rule_name, category, severity, deduction, speaker,"
            " start_s, end_s, text, explanation) VALUES (1, 1, 'R', 'r', 'threat', 'high', 10, 'agent', 0, 1,"
            " 't', 'e')",
            "INSERT INTO violation_decisions (violation_id, case_id, decision, decided_by, decided_at)"
            " VALUES (1, 1, 'confirmed', 1, '2026-11-26')",
            "INSERT INTO appeals (id, case_id, reason, filed_by, filed_at, decision)"
            " VALUES (1, 1, 'r', 1, '2026-11-26', 'upheld')",
        ):
            conn.execute(text(sql))
    migrate(engine)
    with engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("violation_decisions", "appeals", "appeal_hits")]  # fmt: skip
        assert counts == [1, 1, 1]
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1  # on again for the app
    engine.dispose()


def test_0010_adds_acoustics_to_a_database_with_calls_and_downgrades(tmp_path: Path) -> None:
    engine = _upgraded_with_one_call(tmp_path, "0009_queue")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT acoustics FROM calls")).scalar_one() is None  # processed before
        conn.execute(text("""UPDATE calls SET acoustics = '{"silence_s": 3.0}'"""))
        migrate_to(conn, "0009_queue", down=True)
        columns = {row[1] for row in conn.execute(text("PRAGMA table_info(calls)"))}
        assert "acoustics" not in columns and "asr_model" in columns
        assert conn.execute(text("SELECT call_id FROM calls")).scalar_one() == "c1"
    engine.dispose()


def test_0011_ptp_adds_promises_and_payments_to_a_database_with_calls_and_downgrades(tmp_path: Path) -> None:
    engine = _upgraded_with_one_call(tmp_path, "0010_acoustics")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO promises (call_pk, due_on, text, start_s, speaker, found_at)"
                " VALUES (1, '2026-12-04', '下周五还', 3.0, 'customer', '2026-11-27 00:00:00')"
            )
        )
        assert conn.execute(text("SELECT status FROM promises")).scalar_one() == "pending"
        migrate_to(conn, "0010_acoustics", down=True)
        tables = {n for (n,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert not {"promises", "payments", "payment_imports"} & tables and "calls" in tables
    engine.dispose()


def test_0012_workers_adds_the_lease_columns_to_a_database_with_calls_and_downgrades(tmp_path: Path) -> None:
    engine = _upgraded_with_one_call(tmp_path, "0011_ptp")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT lease_expires_at, enqueued_at FROM calls")).one() == (None, None)
        conn.execute(text("UPDATE calls SET lease_expires_at = '2026-11-29 10:00:00'"))
        migrate_to(conn, "0011_ptp", down=True)
        columns = {row[1] for row in conn.execute(text("PRAGMA table_info(calls)"))}
        assert not {"lease_expires_at", "enqueued_at"} & columns and "claimed_by" in columns
        assert conn.execute(text("SELECT call_id FROM calls")).scalar_one() == "c1"
    engine.dispose()


def test_0015_stores_existing_cases_figures_and_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    hit = ("INSERT INTO violations (call_pk, rule_id, rule_name, category, severity, deduction, speaker,"
           " start_s, end_s, text, explanation, confidence, vanished_at) VALUES (1, 'r', 'r', 'threat', :sev,"
           " 10, 'agent', 1, 2, 'x', 'x', :conf, :gone)")  # fmt: skip
    with engine.begin() as conn:
        migrate_to(conn, "0014_scale_indexes")
        insert_old_call(conn, ("agent", "你好"))
        conn.execute(text(hit), [{"sev": "high", "conf": 0.6, "gone": None},
                                 {"sev": "low", "conf": None, "gone": None},
                                 {"sev": "critical", "conf": 0.9, "gone": "2026-11-20 00:00:00"}])  # fmt: skip
        conn.execute(text("INSERT INTO review_cases (call_pk, state, origin, created_at)"
                          " VALUES (1, 'unassigned', 'flagged', '2026-11-26 00:00:00')"))  # fmt: skip
        conn.execute(text("UPDATE calls SET team = 'T1'"))
        conn.execute(text("INSERT INTO promises (call_pk, due_on, text, start_s, speaker, found_at)"
                          " VALUES (1, '2026-12-04', '下周五还', 3.0, 'customer', '2026-11-27 00:00:00')"))  # fmt: skip
    migrate(engine)
    assert _diff(engine) == []
    with engine.begin() as conn:
        figures = "SELECT hit_count, top_severity, top_confidence FROM review_cases"
        assert conn.execute(text(figures)).one() == (2, 3, 0.6)  # the vanished hit left out
        teams = "SELECT review_cases.team, promises.team FROM review_cases, promises"
        assert conn.execute(text(teams)).one() == ("T1", "T1")  # copied from the call
        migrate_to(conn, "0014_scale_indexes", down=True)
        columns = {row[1] for row in conn.execute(text("PRAGMA table_info(review_cases)"))}
        assert not {"hit_count", "top_severity", "top_confidence", "team"} & columns
        assert "team" not in {row[1] for row in conn.execute(text("PRAGMA table_info(promises)"))}
        assert conn.execute(text("SELECT count(*) FROM violations")).scalar_one() == 3
    engine.dispose()
