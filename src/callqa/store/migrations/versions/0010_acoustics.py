"""Each call's conversation acoustics (silence, overtalk, interruptions, speech rate, loudness),
measured when it is processed: callqa.audio.acoustics.

Revision ID: 0010_acoustics
Revises: 0009_queue
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_acoustics"
down_revision = "0009_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: the table is not rebuilt, so its indexes stay as 0005 made them.
    op.add_column("calls", sa.Column("acoustics", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "acoustics")  # SQLite 3.35+ and PostgreSQL drop a column in place
