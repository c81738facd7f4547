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

The vectors also hold each segment's facets (migration 0016_search_facets): ``~s:<speaker>``,
``~a:<agent>``, ``~t:<team>``, ``~d:<UTC day>``, ``~c:<category>``, lexemes no token can be (tokens are
letters, digits and Chinese characters). A search's filters are ANDed to its phrase as facets (a range
of days as exact days and prefixes, :func:`day_range`), so the index serves the filters too; see
:meth:`TsvectorIndex.newest` for how the newest matches are found.

Measured (``bench/bench_scale.py``, 1M calls / 5M segments, PostgreSQL 15, the 2-core machine quiet,
2026-11-26, two full runs): web searches p95 22-35 ms for an admin, 49-104 ms for a team lead (one
team's calls); by speaker 70-76 / 81-126 ms; through the query layer (`callqa search`) by agent,
category and one week 39-101 ms, agent + speaker + since 99-134 / 66-72 ms. Before the facets,
filtered searches took p95 2-4 s; before the walks, one week 144-224 ms; before the cover, a fuzzy
search without a hit up to 42 s.

No LIKE scan is used on either database. Other databases are refused (:class:`UnsupportedDatabase`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Protocol

from sqlalchemy import ColumnElement, cast, column, func, literal, literal_column, select, table, union_all
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from callqa.store.models import Call, TranscriptSegment

__all__ = [
    "Facet",
    "Filter",
    "IndexRow",
    "Pattern",
    "Phrase",
    "Prefix",
    "SearchIndex",
    "UnsupportedDatabase",
    "day_range",
    "search_index",
]

Phrase = tuple[str, ...]  # consecutive tokens
Pattern = tuple[str | None, ...]  # tokens in a row, None: any one token (a phrase is a pattern)


class Prefix(str):
    """A facet term that matches every lexeme it begins (``'~d:2026-07':*``: any day of July 2026)."""


Facet = tuple[str, ...]  # facet lexemes (``~s:agent``) or Prefix terms: any will do (PostgreSQL, 0016)
# a restriction on the segments searched: a WHERE clause over segments and calls, and the same as a
# facet when the PostgreSQL index holds it (None: the clause only)
Filter = tuple[ColumnElement[bool], Facet | None]
IndexRow = tuple[int, Sequence[str], Sequence[str]]  # (segment id, chars tokens, syllables tokens)
MAX_POSITIONS = 256  # what PostgreSQL keeps per lexeme in a tsvector
FIRST_WINDOW = 20_000  # newest segments matched without the index on PostgreSQL (TsvectorIndex.newest)
# costs in microseconds per segment, measured at 1M calls (5M segments) on the 2-core machine: matching
# one segment of a window (alone; joined to its segment and call for clauses the facets do not hold),
# walking one entry of a GIN posting list (a token's: it is walked whole, whatever the other lists
# hold; a facet's: skipped through, far cheaper), and fetching and rechecking one row the index found
ROW_COST, ROW_JOIN_COST, TOKEN_LIST_COST, FACET_LIST_COST, FETCH_COST = 0.4, 1.5, 0.09, 0.01, 2.5
WALK_ROW_COST = 1.8  # reading one segment through a facet's B-tree index (0017) and matching it
MAX_WALKED_DAYS = 62  # a range of more days is not walked day by day
WALKED = ("~d:", "~t:", "~a:")  # the facets with a B-tree index on (facet, id), 0017
SAMPLE = 4_000  # newest segments whose shares of each token and facet price the GIN index's choices
MAX_COUNTED_TOKENS = 16  # more distinct tokens than this (fuzzy tiers) are not counted one by one
MIN_SHARE = 0.0005  # a share seen as 0 in the sample is taken as this
MIN_COVERED = 8  # fewer phrases than this are matched as they are (no cover, `cover`)


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
        filters: Sequence[Filter],
        limit: int,
    ) -> list[tuple[int, float]]:
        """(id, score: higher is more relevant) of the `limit` newest segments whose `stream` holds any
        of `phrases` and whose segment and call pass every filter, newest first."""


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
        filters: Sequence[Filter],
        limit: int,
    ) -> list[tuple[int, float]]:
        clauses = [clause for clause, _ in filters]
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
        filters: Sequence[Filter],
        limit: int,
    ) -> list[tuple[int, float]]:
        tsv = self._table
        vector = tsv.c[stream]
        facets = [(clause, facet) for clause, facet in filters if facet is not None]
        residual = [clause for clause, facet in filters if facet is None]
        facet_terms = [f for _, f in facets]
        query = cast(literal(tsquery_literal(phrases, facet_terms)), TSQUERY)
        # many phrases (a fuzzy tier) are first matched as the few patterns that cover them
        patterns = cover(phrases)
        light = [func.ts_match_vq(vector, cast(literal(tsquery_literal(patterns, facet_terms)), TSQUERY))]
        covered = patterns != list(phrases)
        matches = [*light, func.ts_match_vq(vector, query)] if covered else light

        def matching(
            condition: list[ColumnElement[bool]],
            order: ColumnElement[int],
            limit: int,
            clauses: list[ColumnElement[bool]],
        ) -> list[tuple[int, float]]:
            found = select(tsv.c.id, func.ts_rank(vector, query)).select_from(tsv)
            if clauses:  # clauses the vectors' facets do not hold: test them on the segment and call
                found = found.join(TranscriptSegment, TranscriptSegment.id == tsv.c.id)
                found = found.join(Call, Call.id == TranscriptSegment.call_pk).where(*clauses)
            rows = session.execute(found.where(*condition).order_by(order.desc()).limit(limit))
            return [(int(i), float(score)) for i, score in rows]

        def walked(walk: _Walk, high: int, limit: int) -> list[tuple[int, float]]:
            # one scan of the facet's B-tree per value (each day of a range), each ordered by id:
            # PostgreSQL merges them and reads each only as far back as the newest `limit` matches need
            scans = []
            for value in walk.values:
                found = select(tsv.c.id, func.ts_rank(vector, query).label("rank")).select_from(tsv)
                if residual:
                    found = found.join(TranscriptSegment, TranscriptSegment.id == tsv.c.id)
                    found = found.join(Call, Call.id == TranscriptSegment.call_pk).where(*residual)
                on = _facet_of(tsv.c.chars, walk.kind) == value
                found = found.where(on, tsv.c.id <= high, *matches).order_by(tsv.c.id.desc())
                scans.append(select(found.limit(limit).subquery()))
            merged = union_all(*scans).subquery()
            rows = session.execute(
                select(merged.c.id, merged.c.rank).order_by(merged.c.id.desc()).limit(limit)
            )
            return [(int(i), float(score)) for i, score in rows]

        def window(low: int, high: int, limit: int) -> list[tuple[int, float]]:
            # ts_match_vq is @@ that the GIN index cannot serve: the rows are read in id order
            return matching([*matches, tsv.c.id > low, tsv.c.id <= high], tsv.c.id, limit, residual)

        # The planner cannot tell how many segments a phrase matches (it multiplies the frequencies of
        # its tokens), so it either fetches all of a frequent phrase's matches from the GIN index and
        # rechecks them before keeping the newest, or walks every id backwards for a rare one. So the
        # newest FIRST_WINDOW segments are matched one by one first. What share of them hold the
        # phrase, each facet and all of it then prices the rest: further windows (matching every facet
        # row by row, cheap however many days a range spans), or the GIN index for everything older
        # (ordering by id + 0 keeps the planner off the id order), which walks the posting lists of
        # the phrase's tokens and of the facets it is given (not a range of days over months: the
        # union of many long lists), or only the rarest facet's; what it returns is matched against the
        # whole query row by row (_Counted, _Plan). A fuzzy tier's phrases are priced as their patterns.
        top = session.scalar(select(func.max(tsv.c.id)))
        if top is None:
            return []
        first = max(1, int(FIRST_WINDOW / _heavy(patterns)))  # fewer rows for heavy queries
        low = max(0, top - first)
        rows = window(low, top, limit)
        if len(rows) >= limit or low == 0:
            return rows
        counted = _Counted.of(patterns, facet_terms, len(phrases) if covered else 0)
        sample = max(low, top - SAMPLE)
        # what the facets hold is the same for every tier of one search: counted once per session
        memo = session.info.setdefault("search_facets", {})
        known = memo.get((top, sample, tuple(facet_terms)))
        queries = counted.queries
        facet_queries = slice(1, 1 + len(facet_terms))
        if known is not None:
            del queries[facet_queries]
        counts = [func.count().filter(func.ts_match_vq(vector, cast(literal(q), TSQUERY))) for q in queries]
        in_sample = select(*counts).select_from(tsv).where((tsv.c.id > sample) & (tsv.c.id <= top))
        seen = [n / (top - sample) for n in session.execute(in_sample).one()]
        if known is None:
            first_day, last_day = DAY_MIN, DAY_MAX
            if any(map(_is_days, facet_terms)):  # the days any segment has (two probes of the index)
                day_of = _facet_of(tsv.c.chars, "~d:")
                earliest, latest = session.execute(select(func.min(day_of), func.max(day_of))).one()
                first_day, last_day = earliest or DAY_MAX, latest or DAY_MIN
            known = memo[top, sample, tuple(facet_terms)] = (seen[facet_queries], first_day, last_day)
        else:
            seen[1:1] = known[0]
        _, first_day, last_day = known
        plan = counted.plan(seen, bool(residual), walks(facet_terms, first_day, last_day))
        while len(rows) < limit and low > 0:
            step = plan.next_step(len(rows) / (top - low), limit - len(rows), low)
            if isinstance(step, int):  # a further window of that many segments
                rows += window(max(0, low - step), low, limit - len(rows))
                low = max(0, low - step)
                continue
            if isinstance(step, _Walk):  # the segments of each day (team, agent) newest first, merged
                return rows + walked(step, low, limit - len(rows))
            gin = cast(literal(tsquery_literal(*step)), TSQUERY)
            older = [vector.op("@@")(gin), *matches, tsv.c.id <= low]
            return rows + matching(older, tsv.c.id + 0, limit - len(rows), residual)
        return rows


def _heavy(patterns: Sequence[Pattern] | int) -> float:
    """How many times the cost of matching one phrase matching a row against `patterns` (or that
    many) is (measured: about 0.06 us a phrase over 0.35 us a row)."""
    return 1 + (patterns if isinstance(patterns, int) else len(patterns)) / 6


def cover(phrases: Sequence[Phrase]) -> list[Pattern]:
    """Fewer patterns that together match every segment any of `phrases` matches: each phrase with one
    token left open, as few as cover them all (greedily); the phrases themselves when they are few or
    no pattern covers more than one. A fuzzy tier (each phrase the query with one syllable heard
    differently) becomes one pattern per syllable."""
    if len(phrases) < MIN_COVERED:
        return list(phrases)
    covers: dict[Pattern, set[int]] = {}
    for k, phrase in enumerate(phrases):
        for i in range(len(phrase) if len(phrase) > 1 else 0):
            covers.setdefault((*phrase[:i], None, *phrase[i + 1 :]), set()).add(k)
    left, chosen = set(range(len(phrases))), list[Pattern]()
    while left:
        best = max(covers, key=lambda pattern: len(covers[pattern] & left), default=None)
        if best is None or len(covers[best] & left) <= 1:
            break
        chosen.append(best)
        left -= covers[best]
    chosen += [phrases[k] for k in sorted(left)]
    return chosen if len(chosen) * 2 <= len(phrases) else list(phrases)


@dataclass(frozen=True)
class _Counted:
    """What is counted on the newest segments to price a search: the phrase, each facet, each token."""

    phrases: list[Pattern]  # the patterns matched first: the query's phrases, or their cover
    facets: list[Facet]
    matched: int  # how many phrases a row that matches a pattern is then matched against
    tokens: list[str]  # every distinct token, unless there are too many to count (fuzzy tiers)
    distinct: int

    @classmethod
    def of(cls, phrases: Sequence[Pattern], facets: list[Facet], matched: int = 0) -> _Counted:
        distinct = sorted({t for p in phrases for t in p if t is not None})
        return cls(
            list(phrases),
            facets,
            matched,
            distinct if len(distinct) <= MAX_COUNTED_TOKENS else [],
            len(distinct),
        )

    @property
    def queries(self) -> list[str]:
        """The tsqueries whose matches are counted, in the order `plan` takes their shares."""
        return [
            tsquery_literal(self.phrases),
            *(tsquery_literal((), [f]) for f in self.facets),
            *(tsquery_literal([(t,)]) for t in self.tokens),
        ]

    def plan(self, seen: list[float], joined: bool, walks: Sequence[_Walk] = ()) -> _Plan:
        """The plan, from the share of the sample each query matched (`joined`: windows must join
        each segment to its call for clauses no facet holds; `walks`: the facets whose segments
        may be read newest first through their B-tree index, see `walks`)."""
        seen = [max(share, MIN_SHARE) for share in seen]
        facet_seen, token_seen = seen[1 : 1 + len(self.facets)], seen[1 + len(self.facets) :]
        shares = [_share(f, share) for f, share in zip(self.facets, facet_seen, strict=True)]
        short = [(f, share) for f, share in zip(self.facets, shares, strict=True) if _short(f)]
        token_share = dict(zip(self.tokens, token_seen, strict=True))
        rarest = [min(_tokens(p), key=token_share.__getitem__) for p in self.phrases] if self.tokens else []
        # matching a row against many phrases costs more; a row that matches the cover is then
        # matched against all of the query's phrases
        heavy = _heavy(self.phrases) + (seen[0] * _heavy(self.matched) if self.matched else 0)
        tokens_listed = sum(token_share.values()) if self.tokens else seen[0] * self.distinct
        walked = []
        for walk in walks:
            mine = [k for k, f in enumerate(self.facets) if f and f[0].startswith(walk.kind)][:1]
            others = math.prod(x for k, x in enumerate(shares) if k not in mine)
            walked.append((walk, shares[mine[0]] if mine else 1.0, others))
        row_cost = (ROW_JOIN_COST if joined else ROW_COST) * heavy
        return _Plan(
            phrases=self.phrases,
            phrase_share=seen[0],
            short=short,
            rarest=list(dict.fromkeys(rarest)),
            rare_share=min(1.0, sum(token_share[t] for t in set(rarest))),
            tokens_listed=tokens_listed,
            row_cost=row_cost,
            fetch_cost=FETCH_COST + ROW_COST * heavy,
            walks=walked,
            walk_row_cost=WALK_ROW_COST - ROW_COST + row_cost,
        )


@dataclass(frozen=True)
class _Walk:
    """A step: read the segments whose facet of `kind` (``~d:``, ``~t:``, ``~a:``) is one of
    `values`, newest first, through that facet's B-tree index (0017)."""

    kind: str
    values: tuple[str, ...]


Step = int | _Walk | tuple[list[Pattern], list[Facet]]  # a window of that many segments, a walk of
# a facet's segments, or a GIN query


@dataclass(frozen=True)
class _Plan:
    """How to find the older matches: priced choices between another window of the newest segments
    and asking the GIN index for some lexemes (what it returns is matched against the whole query)."""

    phrases: list[Pattern]
    phrase_share: float  # the share of the sample the phrases matched, filters aside
    short: list[tuple[Facet, float]]  # the facets the GIN index may take, with their shares
    rarest: list[str]  # the rarest token of each phrase
    rare_share: float  # the share of segments holding any of them
    tokens_listed: float  # the shares of every token summed: the phrase's posting lists
    row_cost: float
    fetch_cost: float
    walks: list[tuple[_Walk, float, float]] = field(default_factory=list)  # each with the share of
    # segments it reads and the share of those the other facets keep
    walk_row_cost: float = WALK_ROW_COST

    def next_step(self, rate: float, wanted: int, older: int) -> Step:
        """The cheapest next step, `rate` matches per segment so far, `wanted` more matches among
        `older` segments: a window of that many segments, or the GIN index's (phrases, facets)."""
        return min(self.options(rate, wanted, older), key=lambda option: option[0])[1]

    def options(self, rate: float, wanted: int, older: int) -> list[tuple[float, Step]]:
        """Every step `next_step` chooses from, with its cost (microseconds per older segment)."""
        rows_needed = min(older, int(wanted / rate * 1.3) + 1) if rate else older  # none yet: all
        options: list[tuple[float, Step]] = []
        options.append((rows_needed * self.row_cost / older, rows_needed))
        for walk, share, others in self.walks:  # a facet's segments newest first, as many as needed
            dense = rate / share if rate else self.phrase_share * others
            on = share * older
            rows = min(on, wanted / max(dense, 1 / on) * 1.3 + 1)
            options.append((rows * self.walk_row_cost / older, walk))
        alone: list[Pattern] = [(t,) for t in self.rarest]
        for k in range(len(self.short) + 1):  # the index given some of the short facets (intersected)
            for some in combinations(self.short, k):
                facets = [f for f, _ in some]
                listed, kept = sum(x for _, x in some) * FACET_LIST_COST, math.prod(x for _, x in some)
                if facets:  # the facets alone
                    options.append((listed + kept * self.fetch_cost, ([], facets)))
                if self.rarest:  # and the rarest token of each phrase
                    cost = self.rare_share * (TOKEN_LIST_COST + kept * self.fetch_cost) + listed
                    options.append((cost, (alone, facets)))
                # and the whole phrase: every token's posting list is walked
                found = max(rate, self.phrase_share * kept)
                options.append((self.tokens_listed * TOKEN_LIST_COST + listed + found * self.fetch_cost,
                                (self.phrases, facets)))  # fmt: skip
        return options


def _short(facet: Facet) -> bool:
    """Whether the GIN index may be given `facet`: no more than a couple of months of days (a prefix
    standing for ten days at most); a longer range is the union of many long posting lists."""
    return len(facet) <= 62 and all(not isinstance(t, Prefix) or len(t) >= len("~d:YYYY-MM-D") for t in facet)


def _share(facet: Facet, seen: float) -> float:
    """The share of all segments a facet is taken to hold: what the newest ones showed, but a range of
    days at least its share of a year (the newest segments say nothing of last spring)."""
    days = sum(1 for t in facet if t.startswith("~d:") and not isinstance(t, Prefix))
    return max(seen, days / 365, 0.0005)


# what each character of a day facet's YYYY-MM-DD can be: day lexemes sort as the days do, so a range of
# days is a range of strings, covered by the fewest prefixes
DAY_SYMBOLS = ["0123456789"] * 4 + ["-", "01", "0123456789", "-", "0123", "0123456789"]
DAY_MIN, DAY_MAX = "".join(c[0] for c in DAY_SYMBOLS), "".join(c[-1] for c in DAY_SYMBOLS)


def _is_days(facet: Facet) -> bool:
    return bool(facet) and all(t.startswith("~d:") for t in facet)


def walks(facets: Sequence[Facet], first: str = DAY_MIN, last: str = DAY_MAX) -> list[_Walk]:
    """The facets whose segments may be read newest first through their B-tree index: a team, an
    agent, the days of a range (between `first` and `last`, the days segments have) if few."""
    out = []
    for facet in facets:
        kind = facet[0][:3] if facet else ""
        if kind == "~d:" and (days := walkable([facet], first, last)):
            out.append(_Walk(kind, days))
        elif kind in WALKED and kind != "~d:" and len(facet) == 1 and not isinstance(facet[0], Prefix):
            out.append(_Walk(kind, (facet[0][3:],)))
    return out


def _facet_of(vector: ColumnElement[str], kind: str) -> ColumnElement[str]:
    """The vector's facet of `kind` (a constant in the SQL, so that it is the index's expression)."""
    return func.segment_facet(vector, literal_column(f"'{kind}'"))


def walkable(facets: Sequence[Facet], first: str = DAY_MIN, last: str = DAY_MAX) -> tuple[str, ...]:
    """The days (YYYY-MM-DD, impossible ones such as 02-31 included) from `first` to `last` that a
    day facet among `facets` names, when they are no more than MAX_WALKED_DAYS; else ()."""
    for facet in facets:
        if not _is_days(facet):
            continue
        days: list[str] = []
        for term in facet:
            stems = [term[len("~d:") :]]
            while stems and len(stems[0]) < len(DAY_MIN):
                stems = [
                    longer
                    for stem in stems
                    for ch in DAY_SYMBOLS[len(stem)]
                    if first[: len(longer := stem + ch)] <= longer <= last[: len(longer)]
                ]
                if len(days) + len(stems) > MAX_WALKED_DAYS:
                    return ()
            days += [stem for stem in stems if first <= stem <= last]
        return tuple(days) if len(days) <= MAX_WALKED_DAYS else ()
    return ()


def day_range(since: date | None, until: date | None) -> Facet:
    """The day facets of every day from `since` to `until` (inclusive; None: open) as the fewest
    terms: exact days at the ends, prefixes (a month, a year, a decade…) between them."""
    lo = since.isoformat() if since else DAY_MIN
    hi = until.isoformat() if until else DAY_MAX
    terms: list[str] = []

    def cover(prefix: str, lo_bound: bool, hi_bound: bool) -> None:
        i = len(prefix)
        lo_bound = lo_bound and lo[i:] != DAY_MIN[i:]  # the rest of lo is the least: no bound left
        hi_bound = hi_bound and hi[i:] != DAY_MAX[i:]
        if i == len(DAY_MIN):
            terms.append(f"~d:{prefix}")
        elif not (lo_bound or hi_bound):
            terms.append(Prefix(f"~d:{prefix}"))
        else:
            first, last = (lo[i] if lo_bound else "0"), (hi[i] if hi_bound else "9")
            for ch in DAY_SYMBOLS[i]:
                if ch == "-" or first <= ch <= last:
                    cover(prefix + ch, lo_bound and ch == lo[i], hi_bound and ch == hi[i])

    if lo <= hi:
        cover("", True, True)
    return tuple(terms)


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


def _tokens(pattern: Pattern) -> list[str]:
    return [t for t in pattern if t is not None]


def _followed(pattern: Pattern) -> str:
    """``'后' <-> '果' <2> '负'``: the pattern's tokens, each its distance after the one before."""
    out, gap = "", 0
    for token in pattern:
        gap += 1
        if token is not None:
            out, gap = (f"{out} <{'-' if gap == 1 else gap}> " if out else "") + _lexeme(token), 0
    return out


def tsquery_literal(phrases: Iterable[Pattern], facets: Sequence[Facet] = ()) -> str:
    """``('逾' <-> '期') | ('一' <-> '期')``: any of the phrases, each its tokens in a row (a pattern's
    open places: ``'后' <2> '自'``); with `facets`, ANDed with each facet's lexemes OR-ed:
    ``(…) & ('~s:agent') & ('~d:2026-03-01' | …)``; no phrases: the facets alone."""
    any_phrase = " | ".join("(" + _followed(p) + ")" for p in phrases)
    if not facets:
        return any_phrase

    def term(t: str) -> str:
        return _lexeme(t) + (":*" if isinstance(t, Prefix) else "")

    ands = [f"({any_phrase})"] if any_phrase else []
    return " & ".join([*ands, *("(" + " | ".join(map(term, f)) + ")" for f in facets)])


_INDEXES: dict[str, SearchIndex] = {"sqlite": Fts5Index(), "postgresql": TsvectorIndex()}


def search_index(session: Session) -> SearchIndex:
    """The index of the database behind `session`."""
    name = session.get_bind().dialect.name
    try:
        return _INDEXES[name]
    except KeyError:
        raise UnsupportedDatabase(f"callqa 的搜索只支持 SQLite 和 PostgreSQL，不支持 {name}") from None
