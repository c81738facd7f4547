"""Large workspaces: call tallies kept by triggers, and sort indexes that end in the primary key.

总览 and the call list's totals summed every visible call on each page load: at 1M calls several
full scans per request. Two small tables now hold those sums, kept exact by triggers on `calls` and
`promises` in the database itself (so no writer, ORM or bulk SQL, can forget them):

* `call_tally_days(local_date, team, status) -> calls`: the daily trend, the counts per status, and
  the call list's total when it is filtered by status, team and days only;
* `call_tally_agents(team, agent_id, status) -> calls, score sums, promises kept / broken`: flagged
  calls per team and agent, and the promise rates beside the compliance score;
* `call_tally_categories(team, category) -> calls`: the calls with a hit of each category (triggers
  on `violations`, and on `calls` for a call's team and its delete).

NULL keys are stored as '' (a primary key cannot hold NULL). A call's promise is counted in its call's
row: the call's triggers move it with the call, the promise's triggers adjust it when it is found,
judged or dropped; a call's delete takes its promise out before the cascade (BEFORE DELETE), and the
cascaded promise then finds no call and changes nothing.

The sort indexes: PostgreSQL cannot read `ORDER BY score, id` from an index on `score` alone (SQLite's
indexes end in the rowid already), so a deep page sorted by score, duration or agent sorted the whole
table. (score, id), (duration_s, id), (agent_id, id) and (started_at_utc, id) replace the one-column ones;
the same per team (a team lead sees one team) and per status (the flagged calls by time or score).
And 总览's 抽检 miss rate reads the sampled cases from (origin, verdict, call_pk), not every case; 承诺还款
lists promises by (due_on, id), any page from that index (ties on a day: as found, no longer by call
start, which sorted every promise joined to its call).

Revision ID: 0014_scale_indexes
Revises: 0013_pg_search
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_scale_indexes"
down_revision = "0013_pg_search"
branch_labels = None
depends_on = None

SORT_INDEXES = {  # new name: (columns, the one it replaces, or None)
    "ix_calls_score_id": (["score", "id"], "ix_calls_score"),
    "ix_calls_duration_id": (["duration_s", "id"], "ix_calls_duration"),
    "ix_calls_agent_id_id": (["agent_id", "id"], "ix_calls_agent_id"),
    "ix_calls_started_at_utc_id": (["started_at_utc", "id"], "ix_calls_started_at_utc"),
    # a team lead's list in every order, and the list of one status (flagged) by time or score
    "ix_calls_team_started_id": (["team", "started_at_utc", "id"], "ix_calls_team_started"),
    "ix_calls_team_score_id": (["team", "score", "id"], None),
    "ix_calls_team_agent_id": (["team", "agent_id", "id"], None),
    "ix_calls_team_duration_id": (["team", "duration_s", "id"], None),
    "ix_calls_status_started_id": (["status", "started_at_utc", "id"], None),
    "ix_calls_status_score_id": (["status", "score", "id"], None),
}
DAY_KEY = "COALESCE({r}.local_date, ''), COALESCE({r}.team, ''), {r}.status"
AGENT_COLUMNS = "team, agent_id, status, calls, score_sum, scored, promises, kept, broken"
AGENT_KEY = "COALESCE({r}.team, ''), COALESCE({r}.agent_id, ''), {r}.status"


def _promise_count(r: str, status: str | None = None) -> str:
    which = f" AND status = '{status}'" if status else ""
    return f"(SELECT count(*) FROM promises WHERE call_pk = {r}.id{which})"


def _call_sql(r: str, sign: str) -> list[str]:
    """Statements adding (sign '+') or taking out ('-') the call `r` (NEW or OLD) and its promise."""
    day, agent = DAY_KEY.format(r=r), AGENT_KEY.format(r=r)
    return [
        "INSERT INTO call_tally_days (local_date, team, status, calls)"
        f" VALUES ({day}, 0) ON CONFLICT DO NOTHING",
        f"UPDATE call_tally_days SET calls = calls {sign} 1 WHERE (local_date, team, status) = ({day})",
        f"INSERT INTO call_tally_agents ({AGENT_COLUMNS})"
        f" VALUES ({agent}, 0, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING",
        f"UPDATE call_tally_agents SET calls = calls {sign} 1,"
        f" score_sum = score_sum {sign} COALESCE({r}.score, 0),"
        f" scored = scored {sign} CASE WHEN {r}.score IS NULL THEN 0 ELSE 1 END,"
        f" promises = promises {sign} {_promise_count(r)},"
        f" kept = kept {sign} {_promise_count(r, 'kept')},"
        f" broken = broken {sign} {_promise_count(r, 'broken')}"
        f" WHERE (team, agent_id, status) = ({agent})",
    ]


def _promise_sql(r: str, sign: str) -> list[str]:
    """The promise `r` in (or out of) its call's agent row; nothing when the call is gone."""
    return [
        f"UPDATE call_tally_agents SET promises = promises {sign} 1,"
        f" kept = kept {sign} CASE WHEN {r}.status = 'kept' THEN 1 ELSE 0 END,"
        f" broken = broken {sign} CASE WHEN {r}.status = 'broken' THEN 1 ELSE 0 END"
        " WHERE (team, agent_id, status) = (SELECT COALESCE(team, ''), COALESCE(agent_id, ''), status"
        f" FROM calls WHERE id = {r}.call_pk)"
    ]


def _changed(columns: tuple[str, ...], sqlite: bool) -> str:
    differ = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)


def _hit_sql(r: str, sign: str) -> list[str]:
    """The violation `r` counts its call once for its category: only when it is the call's first hit
    of that category (before it is written) or its last (before it is deleted). Row-level BEFORE
    triggers see the rows the same statement already wrote, so a statement of several hits counts
    right on both databases."""
    team = f"(SELECT COALESCE(team, '') FROM calls WHERE id = {r}.call_pk)"
    alone = (f"NOT EXISTS (SELECT 1 FROM violations WHERE call_pk = {r}.call_pk"
             f" AND category = {r}.category AND id != {r}.id)")  # fmt: skip
    return [
        f"INSERT INTO call_tally_categories (team, category, calls) SELECT {team}, {r}.category, 0"
        f" WHERE {team} IS NOT NULL ON CONFLICT DO NOTHING",
        f"UPDATE call_tally_categories SET calls = calls {sign} 1"
        f" WHERE team = {team} AND category = {r}.category AND {alone}",
    ]


def _team_hits_sql(r: str, sign: str) -> list[str]:
    """The call `r` in (or out of) its team's rows of the categories it has hits of."""
    categories = f"(SELECT category FROM violations WHERE call_pk = {r}.id)"
    return [
        "INSERT INTO call_tally_categories (team, category, calls)"
        f" SELECT DISTINCT COALESCE({r}.team, ''), category, 0 FROM violations WHERE call_pk = {r}.id"
        " ON CONFLICT DO NOTHING",
        f"UPDATE call_tally_categories SET calls = calls {sign} 1"
        f" WHERE team = COALESCE({r}.team, '') AND category IN {categories}",
    ]


CALL_KEYS = ("local_date", "team", "agent_id", "status", "score")
TRIGGERS = {  # name: (timing and event, table, condition columns or None, statements)
    "tally_call_insert": ("AFTER INSERT", "calls", None, _call_sql("NEW", "+")),
    "tally_call_update": ("AFTER UPDATE", "calls", CALL_KEYS, _call_sql("OLD", "-") + _call_sql("NEW", "+")),
    "tally_call_delete": ("BEFORE DELETE", "calls", None, _call_sql("OLD", "-") + _team_hits_sql("OLD", "-")),
    "tally_call_team": (
        "AFTER UPDATE",
        "calls",
        ("team",),
        _team_hits_sql("OLD", "-") + _team_hits_sql("NEW", "+"),
    ),
    "tally_hit_insert": ("BEFORE INSERT", "violations", None, _hit_sql("NEW", "+")),
    "tally_hit_delete": ("BEFORE DELETE", "violations", None, _hit_sql("OLD", "-")),
    "tally_promise_insert": ("AFTER INSERT", "promises", None, _promise_sql("NEW", "+")),
    "tally_promise_update": (
        "AFTER UPDATE",
        "promises",
        ("status", "call_pk"),
        _promise_sql("OLD", "-") + _promise_sql("NEW", "+"),
    ),
    "tally_promise_delete": ("AFTER DELETE", "promises", None, _promise_sql("OLD", "-")),
}


def _create_triggers(sqlite: bool) -> None:
    for name, (when, table, keys, statements) in TRIGGERS.items():
        condition = f" WHEN ({_changed(keys, sqlite)})" if keys else ""
        body = "".join(f"{s};\n" for s in statements)
        if sqlite:
            op.execute(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{condition}\nBEGIN\n{body}END")
        else:
            result = {"BEFORE DELETE": "OLD", "BEFORE INSERT": "NEW"}.get(when, "NULL")
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}"
                f"RETURN {result};\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{condition} EXECUTE FUNCTION {name}()"
            )


def _drop_triggers(sqlite: bool) -> None:
    for name, (_, table, _, _) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
        if not sqlite:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "call_tally_days",
        sa.Column("local_date", sa.String(10), primary_key=True),
        sa.Column("team", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
    )
    op.create_table(
        "call_tally_agents",
        sa.Column("team", sa.String(100), primary_key=True),
        sa.Column("agent_id", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("calls", "score_sum", "scored", "promises", "kept", "broken")
        ),
    )
    op.create_table(
        "call_tally_categories",
        sa.Column("team", sa.String(100), primary_key=True),
        sa.Column("category", sa.String(50), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
    )
    op.execute(
        "INSERT INTO call_tally_categories (team, category, calls)"
        " SELECT COALESCE(calls.team, ''), violations.category, count(DISTINCT calls.id)"
        " FROM violations JOIN calls ON calls.id = violations.call_pk GROUP BY 1, 2"
    )
    op.execute(
        "INSERT INTO call_tally_days (local_date, team, status, calls)"
        f" SELECT {DAY_KEY.format(r='calls')}, count(*) FROM calls GROUP BY 1, 2, 3"
    )
    op.execute(
        f"INSERT INTO call_tally_agents ({AGENT_COLUMNS})"
        f" SELECT {AGENT_KEY.format(r='calls')}, count(*), COALESCE(sum(calls.score), 0), count(calls.score),"
        " count(promises.id), COALESCE(sum(CASE WHEN promises.status = 'kept' THEN 1 ELSE 0 END), 0),"
        " COALESCE(sum(CASE WHEN promises.status = 'broken' THEN 1 ELSE 0 END), 0)"
        " FROM calls LEFT JOIN promises ON promises.call_pk = calls.id GROUP BY 1, 2, 3"
    )
    _create_triggers(sqlite)
    for name, (columns, old) in SORT_INDEXES.items():
        op.create_index(name, "calls", columns)
        if old:
            op.drop_index(old, table_name="calls")
    op.create_index("ix_review_cases_sampled", "review_cases", ["origin", "verdict", "call_pk"])
    op.create_index("ix_promises_due_on_id", "promises", ["due_on", "id"])
    op.drop_index("ix_promises_due_on", table_name="promises")


def downgrade() -> None:
    op.drop_index("ix_review_cases_sampled", table_name="review_cases")
    op.create_index("ix_promises_due_on", "promises", ["due_on"])
    op.drop_index("ix_promises_due_on_id", table_name="promises")
    for name, (columns, old) in SORT_INDEXES.items():
        if old:
            op.create_index(old, "calls", columns[:-1])
        op.drop_index(name, table_name="calls")
    _drop_triggers(op.get_bind().dialect.name == "sqlite")
    op.drop_table("call_tally_categories")
    op.drop_table("call_tally_agents")
    op.drop_table("call_tally_days")
