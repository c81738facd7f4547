"""Transcript search index: FTS5 table segment_fts (SQLite only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

``segment_fts(chars, syllables)`` has rowid = segments.id; see ``callqa.store.search`` for what the
columns hold. Rows are written by ``callqa.store.search.index_segments``; triggers drop a segment's row
when the segment is deleted or its text changes. Existing segments are indexed here. On other
dialects nothing is created and search falls back to LIKE.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE segment_fts USING fts5("
        "chars, syllables, tokenize = 'unicode61 remove_diacritics 0', prefix = '1')"
    )
    op.execute(
        "CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN "
        "DELETE FROM segment_fts WHERE rowid = old.id; END"
    )
    op.execute(
        "CREATE TRIGGER segments_fts_update AFTER UPDATE OF id, text ON segments BEGIN "
        "DELETE FROM segment_fts WHERE rowid = old.id; END"
    )
    from sqlalchemy.orm import Session

    from callqa.store.search import reindex_all

    reindex_all(Session(bind=bind))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS segments_fts_update")
    op.execute("DROP TRIGGER IF EXISTS segments_fts_delete")
    op.execute("DROP TABLE IF EXISTS segment_fts")
