"""Example-based detection, recheck and sampling: per hit its source, model confidence, pack and model
versions and whether a recheck no longer finds it; per case whether it was drawn as a sample (抽检)
and the 'clean' verdict such a case can get; the stored sentence embeddings of each call.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_VERDICTS = ("confirmed", "all_false_positive")
VERDICTS = ("confirmed", "all_false_positive", "clean")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    # Plain ADD COLUMNs on violations: that table has no trigger to keep, but no rebuild is needed either.
    op.add_column("violations", sa.Column("source", sa.String(20), nullable=False, server_default="rule"))
    op.add_column("violations", sa.Column("confidence", sa.Float(), nullable=True))
    op.add_column("violations", sa.Column("pack_version", sa.String(40), nullable=True))
    op.add_column("violations", sa.Column("model_version", sa.String(80), nullable=True))
    op.add_column("violations", sa.Column("vanished_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("review_cases") as batch:
        batch.add_column(sa.Column("origin", sa.String(20), nullable=False, server_default="flagged"))
        batch.drop_constraint("ck_review_cases_verdict", type_="check")
        batch.create_check_constraint(
            "ck_review_cases_verdict", f"verdict IS NULL OR {_in('verdict', VERDICTS)}"
        )
        batch.create_check_constraint("ck_review_cases_origin", _in("origin", ("flagged", "sample")))
    op.create_table(
        "call_vectors",
        sa.Column("call_pk", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("embedder", sa.String(80), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_vectors")
    with op.batch_alter_table("review_cases") as batch:
        batch.drop_constraint("ck_review_cases_origin", type_="check")
        batch.drop_constraint("ck_review_cases_verdict", type_="check")
        batch.create_check_constraint(
            "ck_review_cases_verdict", f"verdict IS NULL OR {_in('verdict', OLD_VERDICTS)}"
        )
        batch.drop_column("origin")
    with op.batch_alter_table("violations") as batch:
        for column in ("vanished_at", "model_version", "pack_version", "confidence", "source"):
            batch.drop_column(column)
