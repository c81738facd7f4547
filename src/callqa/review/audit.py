"""The audit log: append-only, each entry keyed-hashed together with the previous entry's hash.

An entry's ``hash`` is HMAC-SHA256, under the workspace's audit key, over the canonical JSON (sorted
keys, no spaces) of its fields (at, actor_id, actor, action, entity, entity_id, before, after) and
``prev_hash``; the first entry's ``prev_hash`` is 64 zeros. The key is a file outside the database
(``Workspace.audit_key_path``), handed to every session by ``callqa.store.database.open_database``
(``session.info["audit_key"]``): someone who can write the database but not read the key cannot
recompute the hashes after editing, deleting or reordering entries. Without a key nothing is
appended (``AuditKeyMissing``), so there are no unkeyed entries.

Editing any field breaks that entry's hash; deleting or reordering entries breaks the next entry's
link. ``prev_hash`` is unique, so two writers cannot fork the chain (the second one's transaction
fails). Deleting the newest entries leaves a valid shorter chain: an exported anchor (the number of
entries and the head hash at some moment, ``callqa audit anchor``) kept elsewhere catches that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, text
from sqlalchemy.orm import Session

from callqa.store.models import AuditEntry, Call, User, Violation, db_now

GENESIS = "0" * 64
Actor = User | str  # a signed-in user, or a name for the system / local command line


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _chained_fields(entry: AuditEntry) -> dict[str, object]:
    """The fields the hash covers (before/after as stored text)."""
    return {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


class AuditKeyMissing(RuntimeError):
    """The session was opened without the audit key (see ``callqa.store.database.open_database``)."""


def session_key(session: Session) -> bytes:
    """The audit key this session's database was opened with."""
    key = session.info.get("audit_key")
    if not key:
        raise AuditKeyMissing(
            "this database was opened without the audit key: open it with "
            "callqa.store.database.open_database(workspace) or Database(url, audit_key=...)"
        )
    return key


def entry_hash(entry: AuditEntry, key: bytes) -> str:
    return hmac.new(key, canonical_json(_chained_fields(entry)).encode(), hashlib.sha256).hexdigest()


def _head(session: Session) -> str:
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def append(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    before: object = None,
    after: object = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction; `before`/`after` are JSON-able snapshots."""
    key = session_key(session)  # refuse before anything is written
    session.flush()  # entries must follow the changes they describe, and see the newest head
    _lock_chain(session)
    entry = AuditEntry(
        at=db_now(),
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=actor.username if isinstance(actor, User) else actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=None if before is None else canonical_json(before),
        after=None if after is None else canonical_json(after),
        prev_hash=_head(session),
    )
    entry.hash = entry_hash(entry, key)
    session.add(entry)
    session.flush()
    return entry


CHAIN_LOCK = 0x63616C6C  # PostgreSQL advisory lock key of the audit chain ("call")


def _lock_chain(session: Session) -> None:
    """On PostgreSQL, where workers on many machines append at once, a transaction-scoped advisory
    lock makes appends take turns, so no two entries name the same head. On SQLite the UNIQUE
    prev_hash refuses the loser of such a race (its transaction fails; the chain never forks)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


EDITED = "内容与其哈希不符：这条记录被改动过"  # (every entry so: the wrong key)


@dataclass(frozen=True)
class Problem:
    entry_id: int
    reason: str


def verify(session: Session) -> list[Problem]:
    """Every break in the chain, oldest first; empty when the log is intact. With the wrong key
    every entry is reported as edited."""
    key = session_key(session)
    problems: list[Problem] = []
    previous = GENESIS
    previous_id: int | None = None
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if entry.prev_hash != previous:
            after = "日志开头" if previous_id is None else f"第 {previous_id} 条"
            problems.append(Problem(entry.id, f"未接续{after}：有记录被删除，或记录顺序被调换"))
        if not hmac.compare_digest(entry_hash(entry, key), entry.hash or ""):
            problems.append(Problem(entry.id, EDITED))
        previous, previous_id = entry.hash, entry.id
    return problems


def count(session: Session) -> tuple[int, str]:
    """Number of entries and the head hash."""
    return session.scalar(select(func.count(AuditEntry.id))) or 0, _head(session)


def anchor(session: Session) -> dict[str, object]:
    """What to keep outside the database to catch truncation later: entry count and head hash."""
    entries, head = count(session)
    return {"entries": entries, "head": head, "at": datetime.now(UTC).isoformat(timespec="seconds")}


class AnchorError(ValueError):
    """An anchor file that is not what ``anchor`` writes."""


def parse_anchor(text: str) -> tuple[int, str]:
    """(entries, head) of an exported anchor; AnchorError when malformed."""
    try:
        data = json.loads(text)
        entries, head = data["entries"], data["head"]
    except (ValueError, TypeError, KeyError) as exc:
        raise AnchorError(f"not an audit anchor (JSON with entries and head): {exc}") from None
    if isinstance(entries, bool) or not isinstance(entries, int) or entries < 0 or not isinstance(head, str):
        raise AnchorError("not an audit anchor: entries must be a count and head a hash")
    return entries, head


def check_anchor(session: Session, entries: int, head: str) -> str | None:
    """Why the log no longer extends the anchored state (entry number `entries` had hash `head`),
    or None when it does. The chain itself is checked by ``verify``."""
    if entries == 0:
        return None
    total = count(session)[0]
    if total < entries:
        return f"the log has {total} entries, fewer than the {entries} anchored: entries were deleted"
    at = session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(entries - 1).limit(1)).one()
    if at.hash != head:
        return f"entry number {entries} (id {at.id}) no longer has the anchored hash: the log was rewritten"
    return None


def _parsed(text: str | None) -> object:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # a tampered entry still exports, verbatim


def entry_dict(entry: AuditEntry) -> dict[str, object]:
    """Export row: the stored fields, with before/after parsed back to JSON values."""
    fields = _chained_fields(entry)
    fields.update(before=_parsed(entry.before), after=_parsed(entry.after))
    return {"id": entry.id, **fields, "hash": entry.hash}


def export_rows(session: Session) -> list[dict[str, object]]:
    return [entry_dict(e) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# --- reading the log: filtered and paged in SQL ----------------------------------------------------

CALL_ENTITIES = ("call", "review_case")  # entries whose entity_id is a call_id


def day_start_utc(day: date) -> datetime:
    """Midnight starting `day` on the server's clock, as the log stores times (UTC, naive): people
    filter by the days they live in."""
    return datetime.combine(day, time.min).astimezone().astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class AuditFilters:
    """Which entries to read; None means any. `call_id` keeps the entries about one call (its case,
    playback, upload and the decisions on its hits); `since`/`until` are inclusive local days."""

    actor: str | None = None
    action: str | None = None
    call_id: str | None = None
    since: date | None = None
    until: date | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.actor:
            out.append(AuditEntry.actor == self.actor)
        if self.action:
            out.append(AuditEntry.action == self.action)
        if self.call_id:
            hits = select(cast(Violation.id, String)).join(Call, Call.id == Violation.call_pk)
            named = f'"call_id":{json.dumps(self.call_id, ensure_ascii=False)}'  # as canonical_json writes it
            about_hit = or_(
                AuditEntry.entity_id.in_(hits.where(Call.call_id == self.call_id)),
                AuditEntry.after.contains(named, autoescape=True),  # a hit since removed by a recheck
            )
            out.append(
                or_(
                    and_(AuditEntry.entity.in_(CALL_ENTITIES), AuditEntry.entity_id == self.call_id),
                    and_(AuditEntry.entity == "violation", about_hit),
                )
            )
        if self.since:
            out.append(AuditEntry.at >= day_start_utc(self.since))
        if self.until:
            out.append(AuditEntry.at < day_start_utc(self.until + timedelta(days=1)))
        return out

    def as_query(self) -> dict[str, str]:
        """The filters as URL query parameters (only those set)."""
        return {f.name: str(v) for f in fields(self) if (v := getattr(self, f.name)) not in (None, "")}


def find(
    session: Session,
    filters: AuditFilters = AuditFilters(),
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
) -> tuple[int, list[AuditEntry]]:
    """The number of matching entries and one page of them (all with `limit` None)."""
    where = filters.clauses()
    total = session.scalar(select(func.count(AuditEntry.id)).where(*where)) or 0
    order = AuditEntry.id.desc() if newest_first else AuditEntry.id
    query = select(AuditEntry).where(*where).order_by(order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return total, list(session.scalars(query))


def actors(session: Session, limit: int = 200) -> list[str]:
    """Names that appear as actors, most active first (the actor filter's suggestions)."""
    query = select(AuditEntry.actor).group_by(AuditEntry.actor).order_by(func.count().desc()).limit(limit)
    return list(session.scalars(query))
