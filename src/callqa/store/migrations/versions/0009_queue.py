"""The review queue: appeals name the violations they contest (appeal_hits, with the 终审 on each), a
case's score after review, decisions the system records for rules with `auto_confirm` (no person:
decided_by NULL), and verdicts the system gives (no owner).

Existing appeals get their hits: an overturned one the violations it overturned, any other one the
case's confirmed violations (what a whole-case appeal contested). Cases with a verdict get their score.

Revision ID: 0009_queue
Revises: 0008_waveforms
Create Date: 2026-12-02
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0009_queue"
down_revision = "0008_waveforms"
branch_labels = None
depends_on = None

DECISIONS = "violation_decisions"
CASCADED = ("violation_decisions", "appeals")  # rows that reference review_cases, ON DELETE CASCADE
OLD_OWNER_CHECK = "state = 'unassigned' OR owner_id IS NOT NULL"
OWNER_CHECK = "state = 'unassigned' OR owner_id IS NOT NULL OR (verdict IS NOT NULL AND submitted_by IS NULL)"


def _backfill(conn: sa.Connection) -> None:
    appeals = conn.execute(sa.text("SELECT id, case_id, decision FROM appeals")).all()
    for appeal_id, case_id, decision in appeals:
        if decision == "overturned":
            rows = conn.execute(
                sa.text(f"SELECT violation_id FROM {DECISIONS} WHERE case_id = :c AND comment LIKE :p"),
                {"c": case_id, "p": f"overturned on appeal {appeal_id}%"},
            )
        else:
            rows = conn.execute(
                sa.text(
                    f"SELECT violation_id FROM {DECISIONS} WHERE case_id = :c AND decision = 'confirmed'"
                ),
                {"c": case_id},
            )
        for (violation_id,) in rows.all():
            conn.execute(
                sa.text("INSERT INTO appeal_hits (appeal_id, violation_id, outcome) VALUES (:a, :v, :o)"),
                {"a": appeal_id, "v": violation_id, "o": decision},
            )
    confirmed = conn.execute(
        sa.text(
            "SELECT c.id, v.rule_id, v.deduction FROM review_cases c"
            " LEFT JOIN violation_decisions d ON d.case_id = c.id AND d.decision = 'confirmed'"
            " LEFT JOIN violations v ON v.id = d.violation_id WHERE c.verdict IS NOT NULL"
        )
    ).all()
    per_case: dict[int, dict[str, int]] = {}
    for case_id, rule_id, deduction in confirmed:
        rules = per_case.setdefault(case_id, {})
        if rule_id is not None:
            rules[rule_id] = deduction
    for case_id, rules in per_case.items():
        conn.execute(
            sa.text("UPDATE review_cases SET score = :s WHERE id = :c"),
            {"s": max(0, 100 - sum(rules.values())), "c": case_id},
        )


@contextmanager
def _rebuilding_review_cases(conn: sa.Connection) -> Iterator[None]:
    """SQLite changes a CHECK by rebuilding the table: it drops the old one, and with foreign keys on
    that deletes the rows referencing it by cascade (decisions, appeals). Keep them, put them back."""
    kept = {t: [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {t}")).mappings()] for t in CASCADED}
    yield
    for name, rows in kept.items():
        if rows and not conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar():
            conn.execute(sa.table(name, *(sa.column(c) for c in rows[0])).insert(), rows)


def upgrade() -> None:
    with _rebuilding_review_cases(op.get_bind()), op.batch_alter_table("review_cases") as batch:
        batch.add_column(sa.Column("score", sa.Integer(), nullable=True))
        batch.drop_constraint("ck_review_cases_owner", type_="check")
        batch.create_check_constraint("ck_review_cases_owner", OWNER_CHECK)
    with op.batch_alter_table("violation_decisions") as batch:
        batch.alter_column("decided_by", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "appeal_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "appeal_id",
            sa.Integer,
            sa.ForeignKey("appeals.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "violation_id",
            sa.Integer,
            sa.ForeignKey("violations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("outcome", sa.String(20)),
        sa.UniqueConstraint("appeal_id", "violation_id", name="uq_appeal_hits_appeal_violation"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'overturned')", name="ck_appeal_hits_outcome"
        ),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    conn = op.get_bind()
    # Before 0009 every decision and verdict has a person: the system's go, and its verdicts go back
    # to the queue.
    conn.execute(sa.text("DELETE FROM violation_decisions WHERE decided_by IS NULL"))
    conn.execute(
        sa.text(
            "UPDATE review_cases SET state = 'unassigned', verdict = NULL, submitted_at = NULL"
            " WHERE owner_id IS NULL AND state != 'unassigned'"
        )
    )
    op.drop_table("appeal_hits")
    with op.batch_alter_table("violation_decisions") as batch:
        batch.alter_column("decided_by", existing_type=sa.Integer(), nullable=False)
    with _rebuilding_review_cases(conn), op.batch_alter_table("review_cases") as batch:
        batch.drop_constraint("ck_review_cases_owner", type_="check")
        batch.create_check_constraint("ck_review_cases_owner", OLD_OWNER_CHECK)
        batch.drop_column("score")
