"""Promises to pay found in calls, the payments imported against them, and each import run.

Revision ID: 0011_ptp
Revises: 0010_acoustics
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_ptp"
down_revision = "0010_acoustics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_pk", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("due_on", sa.String(10), nullable=False),
        sa.Column("amount_yuan", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("speaker", sa.String(20), nullable=False),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("paid_yuan", sa.Float(), nullable=True),
        sa.Column("settled_on", sa.String(10), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("call_pk"),
        sa.CheckConstraint("status IN ('pending', 'kept', 'broken')", name="ck_promises_status"),
    )
    op.create_index("ix_promises_due_on", "promises", ["due_on"])
    op.create_index("ix_promises_phone", "promises", ["phone"])
    op.create_index("ix_promises_status", "promises", ["status"])
    op.create_index("ix_promises_call_status", "promises", ["call_pk", "status"])
    op.create_table(
        "payment_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("paid_on", sa.String(10), nullable=False),
        sa.Column("amount_yuan", sa.Float(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("row_key", sa.String(64), nullable=False),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("payment_imports.id"), nullable=False),
        sa.UniqueConstraint("row_key"),
    )
    op.create_index("ix_payments_phone", "payments", ["phone"])
    op.create_index("ix_payments_import_id", "payments", ["import_id"])
    # 总览's PTP rates read calls per status, team and agent with their scores from this index alone
    op.create_index("ix_calls_status_team_agent_score", "calls", ["status", "team", "agent_id", "score"])


def downgrade() -> None:
    op.drop_index("ix_calls_status_team_agent_score", table_name="calls")
    op.drop_table("payments")
    op.drop_table("payment_imports")
    op.drop_table("promises")
