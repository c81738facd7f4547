"""Initial schema: calls, transcript segments, violations.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(200), nullable=False, unique=True),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("source_path", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("agent_id", sa.String(100), index=True),
        sa.Column("customer_phone", sa.String(50), index=True),
        sa.Column("team", sa.String(100), index=True),
        sa.Column("started_at", sa.String(40)),
        sa.Column("started_at_utc", sa.DateTime, index=True),
        sa.Column("local_date", sa.String(10)),
        sa.Column("channels", sa.String(40), nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("score", sa.Integer),
        sa.Column("duration_s", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("ingested_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime),
        sa.Column("asr_model", sa.String(200)),
    )
    op.create_index("ix_calls_phone_day", "calls", ["customer_phone", "local_date"])
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "call_pk", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String(20), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "call_pk", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("rule_name", sa.String(300), nullable=False),
        sa.Column("category", sa.String(50), nullable=False, index=True),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("deduction", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String(20), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("violations")
    op.drop_table("segments")
    op.drop_index("ix_calls_phone_day", "calls")
    op.drop_table("calls")
