"""Indexes for the query layer: every sort, filter and dashboard aggregate of the call list is served
by an index on a workspace of 100,000+ calls (bench/bench_web.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_calls_score": ("calls", ["score"]),
    "ix_calls_duration": ("calls", ["duration_s"]),
    "ix_calls_local_date_status": ("calls", ["local_date", "status"]),
    "ix_calls_status_team": ("calls", ["status", "team"]),
    "ix_calls_status_agent": ("calls", ["status", "agent_id"]),
    "ix_calls_team_started": ("calls", ["team", "started_at_utc"]),
    "ix_violations_category_call": ("violations", ["category", "call_pk"]),
    "ix_violations_rule_call": ("violations", ["rule_id", "call_pk"]),
    "ix_review_cases_state_call": ("review_cases", ["state", "call_pk"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table)
