"""Calls claimed by Celery workers hold a lease: `lease_expires_at` (renewed by the worker's heartbeat;
past it, a reaper puts the call back to pending) and `enqueued_at` (when a task was last sent for it,
so a task lost with the broker is sent again). See callqa.pipeline.lease.

Revision ID: 0012_workers
Revises: 0011_ptp
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_workers"
down_revision = "0011_ptp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: the table is not rebuilt, so its indexes stay as 0005 made them.
    op.add_column("calls", sa.Column("lease_expires_at", sa.DateTime(), nullable=True))
    op.add_column("calls", sa.Column("enqueued_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "enqueued_at")
    op.drop_column("calls", "lease_expires_at")
