"""Stored transcripts show misheard domain terms restored, keep the speech model's words for audit,
and the rules and the search index see the corrected text."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from callqa.store.database import open_database
from callqa.store.models import Call, TranscriptSegment, Violation
from callqa.store.search import search
from callqa.workspace import Workspace
from tests.conftest import migrate_to
from tests.fakes import add_scripted_call


def test_corrected_text_is_stored_with_the_raw_text(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    lines = [
        ("agent", "您好，我是安和金融的推售专员小李，公号1023。"),
        ("agent", "您的借款已经一期十五天了。"),
        ("customer", "我们一起想办法吧。"),
    ]
    add_scripted_call(ws, db, "c1", lines)
    with db.session() as s:
        rows = s.scalars(select(TranscriptSegment).order_by(TranscriptSegment.position)).all()
        assert [(r.text, r.raw_text) for r in rows] == [
            ("您好，我是安和金融的催收专员小李，工号1023。", lines[0][1]),
            ("您的借款已经逾期十五天了。", lines[1][1]),
            ("我们一起想办法吧。", None),
        ]
        assert s.scalar(select(Call.status)) == "clean"  # the opening names the company and a staff number
        assert s.scalars(select(Violation)).all() == []
        assert [h.text for h in search(s, "逾期")] == ["您的借款已经逾期十五天了。"]
    db.close()


def test_migration_0006_adds_raw_text_and_keeps_the_index_trigger(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import text

    from callqa.store.database import make_engine, migrate
    from callqa.store.models import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0005")
        segment_triggers = text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'segments'"
        )
        triggers = conn.execute(segment_triggers).all()
        assert triggers
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(segment_triggers).all() == triggers
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "segments" in str(d)] == []
    engine.dispose()
