"""Server-side sessions and the login throttle; the account-wide lockout is lifted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

``web_sessions``: one row per workbench sign-in (the cookie carries a random id, the row its sha256),
revocable by sign-out, password reset, disabling the user or "sign out everywhere".
``login_throttle``: failed sign-ins per (submitted username, client address) and per address, replacing
the lockout that let anyone lock any account; ``users.locked_until`` is cleared here and is from now on
only informational (see ``callqa.review.throttle``). Cookies issued before this revision carry no
session id and stop working: everyone signs in once more.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=False),
    )
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.DateTime, nullable=False, index=True),
        sa.Column("blocked_until", sa.DateTime),
        sa.UniqueConstraint("username", "address", name="uq_login_throttle_username_address"),
    )
    op.execute("UPDATE users SET locked_until = NULL, failed_logins = 0")


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_table("web_sessions")
