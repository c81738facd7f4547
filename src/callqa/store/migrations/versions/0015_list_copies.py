"""What the review queue and the promises list sort and filter by, copied onto their rows and kept
by triggers: each case's figures of its call's current hits (those a recheck still finds: counted,
their highest severity and highest text-model confidence), and the call's team on cases and promises.

我的复核 orders cases by those figures (priority: the model's confidence; severity: the highest
severity, then the number of hits). Computed per case by correlated subqueries, a page of the queue
with finished cases included read every case's hits: 1.7 s at 1M calls (100,000 cases). Stored, a
page is read from an index in queue order. Triggers on `violations` (a hit written, changed, vanished
or deleted) and on `review_cases` (a case opened after its call's hits) keep them exact whoever
writes, as 0014's tallies are kept. A team lead's queue and promises (one team's) were read by walking
the whole list's index and joining each row to its call to test the team: 0.4 s for a deep page of
承诺还款. Each case and promise now holds a copy of its call's team (set when it is written, changed with
the call's), and indexes that begin with it serve a team's list and its count.

Revision ID: 0015_list_copies
Revises: 0014_scale_indexes
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_list_copies"
down_revision = "0014_scale_indexes"
branch_labels = None
depends_on = None

SEVERITY_RANKS = {"low": 1, "medium": 2, "high": 3, "critical": 4}  # callqa.store.queries.SEVERITY_RANKS
CURRENT = "FROM violations WHERE call_pk = {r}.call_pk AND vanished_at IS NULL"
RANK = "CASE severity " + " ".join(f"WHEN '{s}' THEN {n}" for s, n in SEVERITY_RANKS.items()) + " ELSE 0 END"


def _refresh(r: str, where: str) -> str:
    """Recompute the figures of the case of `r`'s call (`r`: NEW, OLD, or the table itself)."""
    current = CURRENT.format(r=r)
    return (
        f"UPDATE review_cases SET top_confidence = (SELECT max(confidence) {current}),"
        f" top_severity = (SELECT max({RANK}) {current}),"
        f" hit_count = (SELECT count(*) {current})"
        f" WHERE {where}"
    )


HIT_COLUMNS = ("confidence", "severity", "vanished_at", "call_pk")
OF_NEW, OF_OLD = _refresh("NEW", "call_pk = NEW.call_pk"), _refresh("OLD", "call_pk = OLD.call_pk")
TRIGGERS = {  # name: (event, table, columns whose change fires it (None: any), statement)
    "case_figures_hit_insert": ("INSERT", "violations", None, OF_NEW),
    "case_figures_hit_update": ("UPDATE", "violations", HIT_COLUMNS, OF_NEW),
    "case_figures_hit_moved": ("UPDATE", "violations", ("call_pk",), OF_OLD),
    "case_figures_hit_delete": ("DELETE", "violations", None, OF_OLD),
    "case_figures_case_insert": ("INSERT", "review_cases", None, _refresh("NEW", "id = NEW.id")),
    "case_team_insert": (
        "INSERT", "review_cases", None,
        "UPDATE review_cases SET team = (SELECT team FROM calls WHERE id = NEW.call_pk) WHERE id = NEW.id",
    ),
    "promise_team_insert": (
        "INSERT", "promises", None,
        "UPDATE promises SET team = (SELECT team FROM calls WHERE id = NEW.call_pk) WHERE id = NEW.id",
    ),
    "promise_team_moved": (
        "UPDATE", "promises", ("call_pk",),
        "UPDATE promises SET team = (SELECT team FROM calls WHERE id = NEW.call_pk) WHERE id = NEW.id",
    ),
    "case_team_call_update": (
        "UPDATE", "calls", ("team",), "UPDATE review_cases SET team = NEW.team WHERE call_pk = NEW.id"
    ),
    "promise_team_call_update": (
        "UPDATE", "calls", ("team",), "UPDATE promises SET team = NEW.team WHERE call_pk = NEW.id"
    ),
}  # fmt: skip


def _create_triggers(sqlite: bool) -> None:
    differ = "IS NOT" if sqlite else "IS DISTINCT FROM"
    for name, (event, table, keys, statement) in TRIGGERS.items():
        condition = " WHEN (" + " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in keys) + ")" if keys else ""
        if sqlite:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition}\n"
                f"BEGIN\n{statement};\nEND"
            )
        else:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{statement};\nRETURN NULL;\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition}"
                f" EXECUTE FUNCTION {name}()"
            )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("review_cases", sa.Column("top_confidence", sa.Float(), nullable=True))
    op.add_column("review_cases", sa.Column("top_severity", sa.Integer(), nullable=True))
    op.add_column("review_cases", sa.Column("hit_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("review_cases", sa.Column("team", sa.String(100), nullable=True))
    op.execute(_refresh("review_cases", "1 = 1"))
    op.add_column("promises", sa.Column("team", sa.String(100), nullable=True))
    for table in ("review_cases", "promises"):
        op.execute(f"UPDATE {table} SET team = (SELECT team FROM calls WHERE id = {table}.call_pk)")
    _create_triggers(sqlite)
    # the queue's orders, read from indexes (flagged before sample: CASE_ORIGINS sort that way);
    # SQLite's DESC already puts NULL last
    last = "" if sqlite else " NULLS LAST"
    confidence = f"top_confidence DESC{last}"
    op.execute(f"CREATE INDEX ix_review_cases_priority ON review_cases (origin, {confidence}, id)")
    severity = f"top_severity DESC{last}, hit_count DESC, origin, {confidence}, id"
    op.execute(f"CREATE INDEX ix_review_cases_severity ON review_cases ({severity})")
    op.execute(f"CREATE INDEX ix_review_cases_team_priority ON review_cases (team, origin, {confidence}, id)")
    op.execute(f"CREATE INDEX ix_review_cases_team_severity ON review_cases (team, {severity})")
    op.create_index("ix_promises_team_due_on_id", "promises", ["team", "due_on", "id"])
    op.create_index("ix_promises_team_status_due_on_id", "promises", ["team", "status", "due_on", "id"])
    op.create_index("ix_promises_status_due_on_id", "promises", ["status", "due_on", "id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for index in ("team_due_on_id", "team_status_due_on_id", "status_due_on_id"):
        op.drop_index(f"ix_promises_{index}", table_name="promises")
    for index in ("team_severity", "team_priority", "severity"):
        op.drop_index(f"ix_review_cases_{index}", table_name="review_cases")
    op.drop_index("ix_review_cases_priority", table_name="review_cases")
    for name, (_, table, _, _) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
        if not sqlite:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute("ALTER TABLE promises DROP COLUMN team")  # in place, no table rebuild
    for column in ("team", "hit_count", "top_severity", "top_confidence"):
        op.execute(f"ALTER TABLE review_cases DROP COLUMN {column}")
