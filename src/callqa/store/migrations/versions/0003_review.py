"""Review workflow: users, API tokens, review cases, violation decisions, appeals, audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

States, verdicts and roles are those of ``callqa.store.models`` (copied here: a migration must not
change when the models do later).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

USER_ROLES = ("admin", "supervisor", "inspector", "team_lead")
CASE_STATES = ("unassigned", "open", "submitted", "escalated", "decided", "appealed", "final")
VERDICTS = ("confirmed", "all_false_positive")
DECISIONS = ("confirmed", "false_positive")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _user_fk(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("users.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("team", sa.String(100)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.CheckConstraint(_in("role", USER_ROLES), name="ck_users_role"),
        sa.CheckConstraint("role != 'team_lead' OR team IS NOT NULL", name="ck_users_team_lead_team"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "review_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "call_pk", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), index=True),
        _user_fk("rotation_owner_id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("verdict", sa.String(30)),
        _user_fk("submitted_by"),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("proposed_action", sa.Text),
        sa.Column("escalated_at", sa.DateTime),
        sa.Column("escalation_decision", sa.String(20)),
        sa.Column("escalation_comment", sa.Text),
        _user_fk("escalation_decided_by"),
        sa.Column("escalation_decided_at", sa.DateTime),
        sa.Column("final_outcome", sa.String(20)),
        _user_fk("final_by"),
        sa.Column("final_at", sa.DateTime),
        sa.Column("final_comment", sa.Text),
        sa.CheckConstraint(_in("state", CASE_STATES), name="ck_review_cases_state"),
        sa.CheckConstraint("state = 'unassigned' OR owner_id IS NOT NULL", name="ck_review_cases_owner"),
        sa.CheckConstraint(f"verdict IS NULL OR {_in('verdict', VERDICTS)}", name="ck_review_cases_verdict"),
    )
    op.create_table(
        "violation_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "violation_id",
            sa.Integer,
            sa.ForeignKey("violations.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "case_id",
            sa.Integer,
            sa.ForeignKey("review_cases.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text),
        _user_fk("decided_by", nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(_in("decision", DECISIONS), name="ck_violation_decisions_decision"),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer,
            sa.ForeignKey("review_cases.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("reason", sa.Text, nullable=False),
        _user_fk("filed_by", nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("decision", sa.String(20)),
        _user_fk("decided_by"),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("comment", sa.Text),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_entity", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("appeals")
    op.drop_table("violation_decisions")
    op.drop_table("review_cases")
    op.drop_table("api_tokens")
    op.drop_table("users")
