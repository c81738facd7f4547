"""Remember which promise reader read each call (`callqa.ptp.version.reader_version`), so that a
recheck re-reads a call's promise only after the reader changed. Calls read before this revision
have none and are read at their next recheck.

Revision ID: 0018_promise_reader
Revises: 0017_search_walks
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_promise_reader"
down_revision = "0017_search_walks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("promise_reader", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "promise_reader")  # in place: the calls table's triggers stay
