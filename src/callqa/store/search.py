"""Full-text search over transcripts, exact or by folded pinyin (``callqa search``).

The index (``callqa.store.search_index``: FTS5 on SQLite, tsvector columns with GIN indexes on
PostgreSQL) holds, for every segment, two token streams, one token per Chinese character:

* ``chars``     - the normalised characters (Traditional to Simplified, full width to half width, lower
  case, ASCII digits to Chinese digits); a run of other letters/digits is one token. So 1- and
  2-character queries are ordinary phrase queries (欠 then 钱).
* ``syllables`` - the folded, toneless pinyin of each character (``callqa.text.pinyin.fuzzy_syllables``),
  the other tokens as in ``chars``.

A query is tokenised the same way in Python and sent as quoted phrases of those tokens, so user text
never reaches the index's query syntax (quotes, AND/OR/NEAR, ``*``, ``^``, ``&``, ``!`` are just
characters; punctuation separates). Both databases get the same phrases and so find the same segments.

Fuzzy search matches any of the query's readings (polyphones included) in ``syllables``, and from two
Chinese characters on (a query of 2 to 12 Chinese characters only) also what the speech model plausibly heard
for it: the weighted syllable distance of ``callqa.text.distance`` in "loose" mode, as rules use it
(逾期 finds 一期, 拘留 finds 去留, 通讯录 finds 通线录; 一起 and 预计 are not 逾期). FTS5 finds the
candidates by the toneless pieces of ``WeightedPhrase.pieces``; each is then costed, tones included,
and dropped when over the budget. Exact character matches rank first.

Ranking: by match quality first (same characters, then same pinyin, then misheard - each a
separate index query, the next run only while fewer than `limit` hits were found), then by relevance
(bm25 on SQLite, ts_rank on PostgreSQL: the order within a tier may differ between the two).
To keep very frequent single characters (的, 钱) fast, each tier ranks only its ``CANDIDATES`` newest
matching segments (highest segments.id) that pass the filters; with fewer matches than that the
ranking is over all of them. ``SearchHit.rank`` = 1000 * quality + relevance (higher is better).

Segments must be indexed explicitly: call :func:`index_segments` after inserting them (after a flush,
so they have ids). Deleting segments removes their index rows (a trigger on SQLite, a cascading
foreign key on PostgreSQL; :func:`unindex_call` does it explicitly); changing a segment's text drops
its index row until it is indexed again.

Invalid queries raise :class:`SearchQueryError` (a ``ValueError``): empty or whitespace-only, no letter,
digit or Chinese character at all, or longer than ``MAX_QUERY_CHARS``. Nothing else is raised for any
query string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import islice, product
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from callqa.chinese import is_ideograph
from callqa.errors import InvalidInput
from callqa.masking import UNMASKED, Masker, overlaps
from callqa.store.models import Call, TranscriptSegment, User, Violation
from callqa.store.search_index import Filter, IndexRow, Phrase, day_range, search_index
from callqa.store.visibility import only_team, sees_all, visible_calls

# One definition of normalising and folding, shared with the rule matcher.
from callqa.text.distance import WeightedPhrase
from callqa.text.normalize import normalize_char
from callqa.text.pinyin import char_readings, fuzzy_syllables
from callqa.text.syllables import phrase_readings

__all__ = [
    "CANDIDATES",
    "MAX_QUERY_CHARS",
    "SearchFilters",
    "SearchHit",
    "SearchQueryError",
    "index_segments",
    "reindex_all",
    "search",
    "unindex_call",
]

MAX_QUERY_CHARS = 200
CANDIDATES = 300  # newest matches that get ranked (see module docstring)
MAX_PHRASES = 48  # cap on the reading combinations a fuzzy query expands to
MAX_MISHEARD_PHRASES = 600  # cap on the misheard forms (toneless pieces) a fuzzy query expands to
MAX_MISHEARD_CHARS = 12  # longer fuzzy queries match by same pinyin only
SNIPPET_CHARS = 120  # longer segment texts are cut around the first match


class SearchQueryError(InvalidInput):
    """The query cannot be searched (empty, nothing searchable in it, or too long)."""


Span = tuple[int, int]


@dataclass(frozen=True)
class SearchHit:
    """One matching segment. `spans` are the matches in `text`; `rank`: higher is better.
    `ref` names the call in links and API paths (its call_id, or '~<pk>' for a masked call_id)."""

    call_id: str
    ref: str
    speaker: str
    start_s: float
    end_s: float
    text: str
    spans: tuple[Span, ...]
    rank: float

    @property
    def snippet(self) -> str:
        """The text around the matches, each match in 【】."""
        return "".join(f"【{part}】" if marked else part for part, marked in self.snippet_parts())

    def snippet_parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, is a match) pieces, for renderers that mark matches their own way."""
        return _snippet_parts(self.text, list(self.spans))

    def masked(self, mask: Masker) -> SearchHit | None:
        """This hit as `mask`'s viewer may see it; None when it matched only inside hidden digits
        (showing or even counting it would reveal the number)."""
        if not mask.active:
            return self
        hidden = mask.hidden(self.text)
        visible = tuple(span for span in self.spans if not overlaps(span, hidden))
        if self.spans and not visible:
            return None
        call_id, text = mask.text(self.call_id) or "", mask.text(self.text) or ""
        return replace(self, call_id=call_id, text=text, spans=visible)

    def to_json(self) -> dict[str, object]:
        """The CLI's and the API's record."""
        return {
            "call_id": self.call_id,
            "ref": self.ref,
            "speaker": self.speaker,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "text": self.text,
            "snippet": self.snippet,
            "matches": [list(span) for span in self.spans],
        }


@dataclass(frozen=True)
class SearchFilters:
    """Restrict hits. Dates are inclusive days of calls.started_at_utc; when `since` or `until` is given,
    calls without a start time are left out. `category`: calls having a violation of that category."""

    speaker: str | None = None
    agent_id: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None


# --------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    start: int  # [start, end) in the original text
    end: int
    chars: str
    syllable: str
    cjk: bool


@cache
def _char_unit(ch: str) -> tuple[int, str, str]:
    """(kind, chars form, syllable) of one character; kind 0 separator, 1 ideograph, 2 word character."""
    norm = normalize_char(ch)
    if len(norm) == 1 and is_ideograph(norm):
        syl = fuzzy_syllables(norm)[0]
        return 1, norm, (syl if syl.isalnum() else norm)
    word = "".join(c for c in norm.lower() if c.isalnum())
    return (2, word, word) if word else (0, "", "")


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    run_start = -1
    run_chars: list[str] = []
    for i, ch in enumerate(text):
        kind, form, syl = _char_unit(ch)
        if kind == 2:
            if run_start < 0:
                run_start = i
            run_chars.append(form)
            continue
        if run_start >= 0:
            word = "".join(run_chars)
            out.append(_Token(run_start, i, word, word, False))
            run_start, run_chars = -1, []
        if kind == 1:
            out.append(_Token(i, i + 1, form, syl, True))
    if run_start >= 0:
        word = "".join(run_chars)
        out.append(_Token(run_start, len(text), word, word, False))
    return out


def _index_rows(rows: Iterable[tuple[int, str]]) -> list[IndexRow]:
    out: list[IndexRow] = []
    for seg_id, text in rows:
        toks = _tokens(text)
        out.append((seg_id, [t.chars for t in toks], [t.syllable for t in toks]))
    return out


# --------------------------------------------------------------------------------------------- indexing


def index_segments(session: Session, segment_rows: Sequence[TranscriptSegment]) -> None:
    """Add (or refresh) the search index rows of these segments. Flush first so that they have ids."""
    if not segment_rows:
        return
    if any(s.id is None for s in segment_rows):
        session.flush()
    search_index(session).write(session, _index_rows((s.id, s.text) for s in segment_rows))


def unindex_call(session: Session, call_pk: int) -> None:
    """Drop the index rows of one call's segments (before deleting or replacing them)."""
    search_index(session).drop_call(session, call_pk)


def reindex_all(session: Session, batch_size: int = 5000) -> int:
    """Rebuild the whole index from the segments table; returns the number of segments indexed."""
    index = search_index(session)
    index.clear(session)
    rows = session.execute(sql("SELECT id, text FROM segments ORDER BY id"))
    total = 0
    while batch := list(islice(rows, batch_size)):
        index.write(session, _index_rows(batch))
        total += len(batch)
    return total


# --------------------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class _Query:
    tokens: tuple[_Token, ...]
    readings: tuple[frozenset[str], ...]  # per token, fuzzy only
    weighted: WeightedPhrase | None  # the query's misheard forms, for queries of 2+ Chinese characters

    def tiers(self, fuzzy: bool) -> list[tuple[int, str, list[Phrase]]]:
        """(quality, stream, any of these phrases), best first: 2 same characters, 1 same pinyin,
        0 misheard."""
        out = [(2, "chars", [tuple(t.chars for t in self.tokens)])]
        if not fuzzy:
            return out
        options = [sorted(r, key=t.syllable.__ne__) for r, t in zip(self.readings, self.tokens, strict=True)]
        out.append((1, "syllables", list(islice(product(*options), MAX_PHRASES))))
        if self.weighted is not None:
            pieces = dict.fromkeys(tuple(p) for _, p in self.weighted.pieces())
            out.append((0, "syllables", list(islice(pieces, MAX_MISHEARD_PHRASES))))
        return out

    def spans(self, text: str, fuzzy: bool) -> tuple[list[tuple[int, int]], int]:
        """Matched character spans in `text` and the best match quality (2 exact, 1 pinyin, 0 misheard;
        -1 none)."""
        toks = _tokens(text)
        n = len(self.tokens)
        spans: list[tuple[int, int]] = []
        best = -1
        for i in range(len(toks) - n + 1):
            window = toks[i : i + n]
            if all(w.chars == q.chars for w, q in zip(window, self.tokens, strict=True)):
                quality = 2
            elif not fuzzy:
                continue
            elif all(
                w.chars == q.chars or w.syllable in rs
                for w, q, rs in zip(window, self.tokens, self.readings, strict=True)
            ):
                quality = 1
            elif (
                self.weighted is not None
                and all(w.cjk for w in window)
                and self.weighted.cost("".join(w.chars for w in window)) is not None
            ):
                quality = 0
            else:
                continue
            best = max(best, quality)
            spans.append((window[0].start, window[-1].end))
        return spans, best


def _parse(query: str) -> _Query:
    if not isinstance(query, str) or not query.strip():
        raise SearchQueryError("请输入要搜索的词语")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"搜索词不能超过 {MAX_QUERY_CHARS} 个字符")
    toks = tuple(_tokens(query))
    if not toks:
        raise SearchQueryError(f"搜索词“{query}”中没有汉字、字母或数字")
    cjk = "".join(t.chars for t in toks if t.cjk)
    in_context = iter(phrase_readings(cjk) if cjk else [])
    readings = []
    for t in toks:
        if t.cjk:
            ctx = next(in_context, t.syllable)
            readings.append(frozenset({t.syllable} | _syllable_set(t.chars, ctx)))
        else:
            readings.append(frozenset({t.syllable}))
    misheard = 2 <= len(cjk) <= MAX_MISHEARD_CHARS and len(cjk) == len(toks)
    weighted = WeightedPhrase.build(cjk, "loose") if misheard else None
    return _Query(toks, tuple(readings), weighted)


def _syllable_set(ch: str, ctx: str) -> frozenset[str]:
    """Readings usable as FTS tokens (pypinyin can give odd ones for rare characters)."""
    return frozenset(r for r in {*char_readings(ch), ctx, fuzzy_syllables(ch)[0]} if r and r.isalnum())


def _snippet_parts(text: str, spans: list[Span]) -> list[tuple[str, bool]]:
    """Cut long texts around the first match; return (piece, is a match) pieces, ellipses included."""
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    lo, hi = 0, len(text)
    if hi > SNIPPET_CHARS:
        lo = max(0, merged[0][0] - SNIPPET_CHARS // 3) if merged else 0
        hi = min(len(text), lo + SNIPPET_CHARS)
    parts: list[tuple[str, bool]] = [("…", False)] if lo > 0 else []
    pos = lo
    for s, e in merged:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        parts += [(text[pos:s], False), (text[s:e], True)]
        pos = e
    parts.append((text[pos:hi], False))
    if hi < len(text):
        parts.append(("…", False))
    return [(piece, marked) for piece, marked in parts if piece]


_HIT_COLUMNS = (Call.call_id, Call.id, TranscriptSegment.speaker, TranscriptSegment.start_s,
                TranscriptSegment.end_s, TranscriptSegment.text)  # fmt: skip


def _filters(filters: SearchFilters | None, viewer: User | None) -> list[Filter]:
    """The viewer's visibility and `filters`, each as a WHERE clause and, where PostgreSQL's index
    holds it as facet lexemes (0016), as those: the index then intersects them with the phrase
    instead of rechecking every match against the clause."""
    team = only_team(viewer)
    out: list[Filter] = []
    if not sees_all(viewer):
        out.append((visible_calls(viewer), (f"~t:{team}",) if team else None))
    if filters is None:
        return out
    if filters.speaker is not None:
        out.append((TranscriptSegment.speaker == filters.speaker, (f"~s:{filters.speaker}",)))
    if filters.agent_id is not None:
        out.append((Call.agent_id == filters.agent_id, (f"~a:{filters.agent_id}",)))
    if filters.category is not None:
        has_hit = exists().where(Violation.call_pk == Call.id, Violation.category == filters.category)
        out.append((has_hit, (f"~c:{filters.category}",)))
    if filters.since is not None or filters.until is not None:
        days = day_range(filters.since, filters.until)
        out.append((_on_days(filters.since, filters.until), days or None))  # none: since after until
    return out


def _on_days(since: date | None, until: date | None) -> ColumnElement[bool]:
    """Calls started (UTC) on these days, inclusive; either end may be open."""
    start = Call.started_at_utc
    clauses = [start >= datetime.combine(since, time.min)] if since else []
    clauses += [start < datetime.combine(until + timedelta(days=1), time.min)] if until else []
    return and_(*clauses)


def search(
    session: Session,
    query: str,
    *,
    fuzzy: bool = False,
    filters: SearchFilters | None = None,
    limit: int = 50,
    viewer: User | None = None,
    mask: Masker = UNMASKED,
) -> list[SearchHit]:
    """Segments matching `query` (exactly, or by pinyin with `fuzzy`), best first, at most `limit`,
    on the calls `viewer` may see (None: all), as `mask`'s viewer may see them.

    Raises SearchQueryError (a ValueError) for an empty, unsearchable or too long query.
    """
    q = _parse(query)
    if limit <= 0:
        return []
    restrictions = _filters(filters, viewer)
    wanted = 2 * limit if mask.active else limit  # masking may drop hits that matched hidden digits
    index = search_index(session)
    found: list[tuple[int, float, int]] = []  # (quality, relevance, segment id)
    seen: set[int] = set()
    for quality, stream, phrases in q.tiers(fuzzy):
        if len(found) >= wanted:
            break
        newest = index.newest(session, stream, phrases, restrictions, max(CANDIDATES, wanted) + len(seen))
        rows = sorted(newest, key=lambda r: (-r[1], -r[0]))[: wanted + len(seen)]
        if quality == 0:  # the index matched toneless pieces: keep the segments within the cost budget
            rows = _misheard(session, q, rows)
        for seg_id, score in rows:
            if seg_id not in seen:
                seen.add(seg_id)
                found.append((quality, score, seg_id))
    found = found[:wanted]
    if not found:
        return []
    details = {
        row[0]: row[1:]
        for row in session.execute(
            select(TranscriptSegment.id, *_HIT_COLUMNS)
            .join(Call, Call.id == TranscriptSegment.call_pk)
            .where(TranscriptSegment.id.in_([seg_id for _, _, seg_id in found]))
        )
    }
    hits = []
    for quality, score, seg_id in found:
        call_id, call_pk, speaker, start_s, end_s, text = details[seg_id]
        spans, _ = q.spans(text, fuzzy)
        ref = mask.call_ref(call_id, call_pk)
        rank = quality * 1000.0 + score
        hits.append(SearchHit(call_id, ref, speaker, start_s, end_s, text, tuple(spans), rank))
    return _visible(hits, mask, limit)


def _misheard(session: Session, q: _Query, rows: Sequence[Any]) -> list[Any]:
    """The (id, score) rows whose segment text holds a misheard form of the query within its budget."""
    ids = [seg_id for seg_id, _ in rows]
    texts = dict(
        session.execute(
            select(TranscriptSegment.id, TranscriptSegment.text).where(TranscriptSegment.id.in_(ids))
        ).all()
    )
    return [row for row in rows if row[0] in texts and q.spans(texts[row[0]], True)[1] >= 0]


def _visible(hits: list[SearchHit], mask: Masker, limit: int) -> list[SearchHit]:
    shown = [masked for hit in hits if (masked := hit.masked(mask)) is not None]
    return shown[:limit]
