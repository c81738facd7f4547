"""The timeline's waveform of each call (one lane per speaker), written when the call is processed.

Revision ID: 0008_waveforms
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_waveforms"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_waveforms",
        sa.Column("call_pk", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("bucket_s", sa.Float(), nullable=False),
        sa.Column("speakers", sa.JSON(), nullable=False),
        sa.Column("levels", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_waveforms")
