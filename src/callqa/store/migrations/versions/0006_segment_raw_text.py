"""Keep what the speech model wrote when the displayed transcript text was corrected
(callqa.text.correct restores misheard domain terms: 一期 -> 逾期), for audit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: the table is not rebuilt, so the search-index trigger on it stays.
    op.add_column("segments", sa.Column("raw_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("segments") as batch:
        batch.drop_column("raw_text")
