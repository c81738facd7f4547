"""Where each database keeps the search index of ``callqa.store.search``, and how a phrase is matched.

Both hold, per segment, the same two token streams (``chars``, ``syllables``: one token per Chinese
character, a run of other letters/digits one token), built in Python by ``callqa.store.search``:

* SQLite: the FTS5 table ``segment_fts(chars, syllables)`` (revision 0002), rowid = segments.id, the
  streams written space-separated; a phrase is an FTS5 quoted phrase; relevance is bm25.
* PostgreSQL: the table ``segment_tsv(id, chars, syllables)`` (revision 0013_pg_search) of ``tsvector``
  columns with a GIN index each. The vectors are written as tsvector literals (lexeme:position,
  positions 1, 2, 3, … in stream order) and phrases as tsquery literals (``'逾' <-> '期'``, OR-ed with
  ``|``), each lexeme quoted and escaped, cast with ``::tsvector`` / ``::tsquery``: no text search
  parser or configuration runs, so the tokens are exactly Python's whatever the server's locale, and
  user text never reaches the query syntax. Relevance is ``ts_rank``. A row goes with its segment
  (foreign key ON DELETE CASCADE) and a trigger drops it when the segment's text changes.
  Why a table of its own and not columns on ``segments``: it mirrors SQLite's index (one write path,
  one delete rule), keeps the ORM model the same on both databases, and keeps the vectors out of the
  rows every call page reads. PostgreSQL keeps at most 256 positions per lexeme in a vector and
  positions above 16383 as 16383: a phrase is missed only past those in one segment (a few
  thousand characters), which transcribed speech segments do not reach.

Measured (``bench/bench_search.py --database-url``, 100,000 calls / 1.0 M segments, PostgreSQL 15 on the
2-core machine, 2026-11-26): index build 239 s, 682 MiB in all; unfiltered queries p95 28-41 ms per kind
(1-, 2-character, longer, fuzzy); filtered ones p95 852 ms, worst 9.1 s (a frequent phrase with a filter
that leaves none of its matches: every match is rechecked and joined to its segment and call). Before
the first window below, 1-character queries had p95 945 ms and longer phrases 1.4 s.

No LIKE scan is used on either database. Other databases are refused (:class:`UnsupportedDatabase`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from sqlalchemy import ColumnElement, cast, column, func, literal, literal_column, select, table
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from callqa.store.models import Call, TranscriptSegment

__all__ = ["IndexRow", "Phrase", "SearchIndex", "UnsupportedDatabase", "search_index"]

Phrase = tuple[str, ...]  # consecutive tokens
IndexRow = tuple[int, Sequence[str], Sequence[str]]  # (segment id, chars tokens, syllables tokens)
MAX_POSITIONS = 256  # what PostgreSQL keeps per lexeme in a tsvector
FIRST_WINDOW = 20_000  # newest segments matched without the index on PostgreSQL (TsvectorIndex.newest)


class UnsupportedDatabase(RuntimeError):
    """Search needs SQLite or PostgreSQL."""


class SearchIndex(Protocol):
    """One database's index of the token streams."""

    def write(self, session: Session, rows: Sequence[IndexRow]) -> None:
        """Add or replace these segments' rows."""

    def drop_call(self, session: Session, call_pk: int) -> None:
        """Remove the rows of one call's segments."""

    def clear(self, session: Session) -> None:
        """Remove every row."""

    def newest(
        self,
        session: Session,
        stream: str,
        phrases: Sequence[Phrase],
        clauses: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> list[tuple[int, float]]:
        """(id, score: higher is more relevant) of the `limit` newest segments whose `stream` holds any
        of `phrases` and whose segment and call pass `clauses`, newest first."""


class _SegmentTable:
    """What both index tables share: one row per segment, keyed by the segment's id."""

    _name: str  # the index table
    _key: str  # its column holding segments.id

    def drop_call(self, session: Session, call_pk: int) -> None:
        ids = "SELECT id FROM segments WHERE call_pk = :pk"
        session.execute(sql(f"DELETE FROM {self._name} WHERE {self._key} IN ({ids})"), {"pk": call_pk})

    def clear(self, session: Session) -> None:
        session.execute(sql(f"DELETE FROM {self._name}"))


class Fts5Index(_SegmentTable):
    """SQLite's FTS5 table."""

    _name, _key = "segment_fts", "rowid"
    _table = table("segment_fts", column("rowid"), column("chars"), column("syllables"))

    def write(self, session: Session, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        session.execute(sql("DELETE FROM segment_fts WHERE rowid = :id"), [{"id": r[0]} for r in rows])
        session.execute(
            sql("INSERT INTO segment_fts (rowid, chars, syllables) VALUES (:id, :chars, :syllables)"),
            [{"id": i, "chars": " ".join(c), "syllables": " ".join(s)} for i, c, s in rows],
        )

    def newest(
        self,
        session: Session,
        stream: str,
        phrases: Sequence[Phrase],
        clauses: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> list[tuple[int, float]]:
        quoted = " OR ".join(_fts5_quote(" ".join(p)) for p in phrases)
        fts = self._table
        rows = session.execute(
            select(fts.c.rowid, -func.bm25(literal_column("segment_fts")))
            .select_from(fts)
            .join(TranscriptSegment, TranscriptSegment.id == fts.c.rowid)
            .join(Call, Call.id == TranscriptSegment.call_pk)
            .where(sql("segment_fts MATCH :match").bindparams(match=f"{{{stream}}} : ({quoted})"), *clauses)
            .order_by(fts.c.rowid.desc())
            .limit(limit)
        )
        return [(int(i), float(score)) for i, score in rows]


class TsvectorIndex(_SegmentTable):
    """PostgreSQL's tsvector table with GIN indexes."""

    _name, _key = "segment_tsv", "id"
    _table = table("segment_tsv", column("id"), column("chars"), column("syllables"))

    def write(self, session: Session, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        session.execute(
            sql(
                "INSERT INTO segment_tsv (id, chars, syllables)"
                " VALUES (:id, CAST(:chars AS tsvector), CAST(:syllables AS tsvector))"
                " ON CONFLICT (id) DO UPDATE SET chars = excluded.chars, syllables = excluded.syllables"
            ),
            [{"id": i, "chars": tsvector_literal(c), "syllables": tsvector_literal(s)} for i, c, s in rows],
        )

    def newest(
        self,
        session: Session,
        stream: str,
        phrases: Sequence[Phrase],
        clauses: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> list[tuple[int, float]]:
        tsv = self._table
        vector = tsv.c[stream]
        query = cast(literal(tsquery_literal(phrases)), TSQUERY)

        def matching(
            condition: ColumnElement[bool], order: ColumnElement[int], limit: int
        ) -> list[tuple[int, float]]:
            found = session.execute(
                select(tsv.c.id, func.ts_rank(vector, query))
                .select_from(tsv)
                .join(TranscriptSegment, TranscriptSegment.id == tsv.c.id)
                .join(Call, Call.id == TranscriptSegment.call_pk)
                .where(condition, *clauses)
                .order_by(order.desc())
                .limit(limit)
            )
            return [(int(i), float(score)) for i, score in found]

        # The planner cannot tell how many segments a phrase matches (it multiplies the frequencies of
        # its tokens), so a frequent phrase would have all its matches fetched from the GIN index and
        # rechecked before the newest are kept; or, guessing the other way, walk every id backwards for
        # a token that is in no segment. So first the newest FIRST_WINDOW segments are read in id
        # order and matched one by one (ts_match_vq is @@ that the index cannot serve): a frequent
        # phrase fills `limit` there. Only the rest is asked of the GIN index (ordering by id + 0 keeps
        # the planner off the id order): few matches by then.
        top = session.scalar(select(func.max(tsv.c.id)))
        if top is None:
            return []
        low = max(0, top - FIRST_WINDOW)
        rows = matching(func.ts_match_vq(vector, query) & (tsv.c.id > low), tsv.c.id, limit)
        if len(rows) < limit and low > 0:
            rows += matching(vector.op("@@")(query) & (tsv.c.id <= low), tsv.c.id + 0, limit - len(rows))
        return rows


def _fts5_quote(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def _lexeme(token: str) -> str:
    """A quoted tsvector/tsquery lexeme: backslashes and single quotes escaped."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(tokens: Iterable[str]) -> str:
    """``'欠':1,5 '钱':2``: each distinct token with its positions (1-based) in the stream."""
    positions: dict[str, list[str]] = {}
    for k, token in enumerate(tokens, 1):
        seen = positions.setdefault(token, [])
        if len(seen) < MAX_POSITIONS:
            seen.append(str(k))
    return " ".join(f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def tsquery_literal(phrases: Iterable[Phrase]) -> str:
    """``('逾' <-> '期') | ('一' <-> '期')``: any of the phrases, each its tokens in a row."""
    return " | ".join("(" + " <-> ".join(_lexeme(t) for t in p) + ")" for p in phrases)


_INDEXES: dict[str, SearchIndex] = {"sqlite": Fts5Index(), "postgresql": TsvectorIndex()}


def search_index(session: Session) -> SearchIndex:
    """The index of the database behind `session`."""
    name = session.get_bind().dialect.name
    try:
        return _INDEXES[name]
    except KeyError:
        raise UnsupportedDatabase(f"callqa 的搜索只支持 SQLite 和 PostgreSQL，不支持 {name}") from None
