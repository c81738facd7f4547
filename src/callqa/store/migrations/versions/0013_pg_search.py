"""Transcript search index on PostgreSQL: table segment_tsv of tsvector columns (PostgreSQL only).

Revision ID: 0013_pg_search
Revises: 0012_workers
Create Date: 2026-11-29

``segment_tsv(id, chars, syllables)``: id = segments.id (ON DELETE CASCADE), one GIN index per
column; see ``callqa.store.search_index`` for what the vectors hold and why. A trigger drops a
segment's row when its text changes (as SQLite's triggers of 0002 do). Existing segments (searched by
LIKE before this revision) are indexed here. On SQLite nothing changes: FTS5 (0002) is its index.
"""

from alembic import op

revision = "0013_pg_search"
down_revision = "0012_workers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE segment_tsv ("
        " id integer PRIMARY KEY REFERENCES segments (id) ON DELETE CASCADE,"
        " chars tsvector NOT NULL,"
        " syllables tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_segment_tsv_chars ON segment_tsv USING gin (chars)")
    op.execute("CREATE INDEX ix_segment_tsv_syllables ON segment_tsv USING gin (syllables)")
    op.execute(
        "CREATE FUNCTION segment_tsv_forget() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN DELETE FROM segment_tsv WHERE id = OLD.id; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER segments_tsv_update AFTER UPDATE OF text ON segments FOR EACH ROW"
        " WHEN (OLD.text IS DISTINCT FROM NEW.text) EXECUTE FUNCTION segment_tsv_forget()"
    )
    from sqlalchemy.orm import Session

    from callqa.store.search import reindex_all

    reindex_all(Session(bind=bind))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS segments_tsv_update ON segments")
    op.execute("DROP FUNCTION IF EXISTS segment_tsv_forget()")
    op.execute("DROP TABLE IF EXISTS segment_tsv")
