"""A search bounded by days, a team or an agent can read only their segments, newest first
(PostgreSQL only).

A search for a common phrase over one week of a year's calls asked the GIN index for the phrase and
the week's day facets (0016): the index walks the phrase's whole posting list (a token in 8% of 5M
segments: 75 ms), then every match of the week is fetched (8,000 rows) to keep the newest 300
(p95 over 200 ms at 1M calls). Now B-tree indexes on (a facet of the segment, id), for its day, its
call's team and its call's agent, let a search read those segments newest first and stop at the
matches it needs: one sorted scan per day, merged (7 ms for that search; a team lead's search for
信用卡中心 reads 6,000 of the team's segments in 9 ms). `segment_facet(vector, '~d:')` reads a facet
out of a vector, so the triggers of 0016 that keep the facets keep these indexes too. SQLite is
unchanged.

Revision ID: 0017_search_walks
Revises: 0016_search_facets
Create Date: 2026-11-26
"""

from alembic import op

revision = "0017_search_walks"
down_revision = "0016_search_facets"
branch_labels = None
depends_on = None

INDEXES = {"ix_segment_tsv_day": "~d:", "ix_segment_tsv_team": "~t:", "ix_segment_tsv_agent": "~a:"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION segment_facet(v tsvector, kind text) RETURNS text LANGUAGE sql IMMUTABLE"
        " PARALLEL SAFE AS $$ SELECT substr(l, 4) FROM unnest(tsvector_to_array(v)) l"
        " WHERE left(l, 3) = kind LIMIT 1 $$"
    )
    for name, kind in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON segment_tsv (segment_facet(chars, '{kind}'), id)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS segment_facet(tsvector, text)")
