"""Search filters served by the PostgreSQL search index itself (PostgreSQL only).

A filtered search (speaker, agent, category, days, a team lead's team) on PostgreSQL fetched every
segment the phrase matches from the GIN index and joined each to its call to test the filter: a
frequent phrase with a filter that keeps few of its matches took seconds at 1M calls (p95 over 2 s).
Now each segment's vectors also hold its facets as lexemes no token can be (tokens are letters,
digits and Chinese characters; these begin with ``~``): ``~s:<speaker>``, ``~a:<agent>``,
``~t:<team>``, ``~d:<UTC day of the call's start>`` and ``~c:<category>`` for each category of the
call's hits (vanished ones too, as the category filter counts them). The query ANDs the facets the
filters name to the phrase, and the GIN index intersects them: a selective filter makes the search
cheaper, not dearer. The filters stay in the WHERE clause too: the facets only narrow the candidates.

Triggers keep them: a row written to segment_tsv gets its segment's facets (BEFORE INSERT OR UPDATE,
so the Python index writer needs no change); a call's agent, team or start changed, a segment's
speaker changed, or a call's first hit of a category written or its last deleted, rewrites the rows
of the segments concerned. Existing rows get theirs here, by one set-based UPDATE with the GIN
indexes dropped and built again (minutes at 5M segments, not hours). SQLite's FTS5 index is unchanged.

Revision ID: 0016_search_facets
Revises: 0015_list_copies
Create Date: 2026-11-26
"""

from alembic import op

revision = "0016_search_facets"
down_revision = "0015_list_copies"
branch_labels = None
depends_on = None

# the facet lexemes of the segment `s` of the call `c` (`c` is the segment's call)
FACETS = (
    "array_to_tsvector(array_remove(ARRAY['~s:' || s.speaker, '~a:' || c.agent_id, '~t:' || c.team,"
    " '~d:' || to_char(c.started_at_utc, 'YYYY-MM-DD')], NULL)"
    " || ARRAY(SELECT DISTINCT '~c:' || v.category FROM violations v WHERE v.call_pk = c.id))"
)
FUNCTIONS = {
    "segment_facets": (
        "seg integer", "tsvector", "sql STABLE",
        f"SELECT COALESCE((SELECT {FACETS} FROM segments s JOIN calls c ON c.id = s.call_pk"
        " WHERE s.id = seg), ''::tsvector)",
    ),
    "unfaceted": (
        "v tsvector", "tsvector", "sql IMMUTABLE",
        "SELECT ts_delete(v, ARRAY(SELECT l FROM unnest(tsvector_to_array(v)) l WHERE left(l, 1) = '~'))",
    ),
    "segment_tsv_facets": (
        "", "trigger", "plpgsql",
        "DECLARE f tsvector := segment_facets(NEW.id); BEGIN"
        " NEW.chars := unfaceted(NEW.chars) || f; NEW.syllables := unfaceted(NEW.syllables) || f;"
        " RETURN NEW; END",
    ),
    "call_facets_changed": (
        "", "trigger", "plpgsql",
        "BEGIN UPDATE segment_tsv SET chars = chars WHERE id IN (SELECT id FROM segments"
        " WHERE call_pk = NEW.id); RETURN NULL; END",
    ),
    "segment_speaker_changed": (
        "", "trigger", "plpgsql",
        "BEGIN UPDATE segment_tsv SET chars = chars WHERE id = NEW.id; RETURN NULL; END",
    ),
    "hit_category_changed": (
        "", "trigger", "plpgsql",
        "DECLARE r violations; left_after integer; BEGIN"
        " IF TG_OP = 'DELETE' THEN r := OLD; left_after := 0; ELSE r := NEW; left_after := 1; END IF;"
        " IF (SELECT count(*) FROM violations WHERE call_pk = r.call_pk AND category = r.category)"
        " = left_after THEN UPDATE segment_tsv SET chars = chars"
        " WHERE id IN (SELECT id FROM segments WHERE call_pk = r.call_pk);"
        " END IF; RETURN NULL; END",
    ),
}  # fmt: skip
TRIGGERS = {  # name: (timing and event, table, condition, function)
    "segment_tsv_facets": ("BEFORE INSERT OR UPDATE", "segment_tsv", "", "segment_tsv_facets"),
    "call_facets_changed": (
        "AFTER UPDATE", "calls",
        " WHEN (OLD.agent_id IS DISTINCT FROM NEW.agent_id OR OLD.team IS DISTINCT FROM NEW.team"
        " OR OLD.started_at_utc IS DISTINCT FROM NEW.started_at_utc)",
        "call_facets_changed",
    ),
    "segment_speaker_changed": (
        "AFTER UPDATE", "segments", " WHEN (OLD.speaker IS DISTINCT FROM NEW.speaker)",
        "segment_speaker_changed",
    ),
    "hit_category_changed": ("AFTER INSERT OR DELETE", "violations", "", "hit_category_changed"),
}  # fmt: skip
GIN = {"ix_segment_tsv_chars": "chars", "ix_segment_tsv_syllables": "syllables"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (args, returns, language, body) in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}({args}) RETURNS {returns} LANGUAGE {language} AS $$ {body} $$")
    for index in GIN:
        op.execute(f"DROP INDEX {index}")
    op.execute(
        "UPDATE segment_tsv t SET chars = unfaceted(t.chars) || f.v,"
        " syllables = unfaceted(t.syllables) || f.v"
        f" FROM (SELECT s.id, {FACETS} AS v FROM segments s JOIN calls c ON c.id = s.call_pk) f"
        " WHERE f.id = t.id"
    )
    for index, column in GIN.items():
        op.execute(f"CREATE INDEX {index} ON segment_tsv USING gin ({column})")
    for name, (when, table, condition, function) in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{condition} EXECUTE FUNCTION {function}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (_, table, _, _) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("UPDATE segment_tsv SET chars = unfaceted(chars), syllables = unfaceted(syllables)")
    for name, (args, _, _, _) in reversed(list(FUNCTIONS.items())):
        op.execute(f"DROP FUNCTION IF EXISTS {name}({args.split(' ')[1] if args else ''})")
