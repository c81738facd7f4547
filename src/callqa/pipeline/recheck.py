"""Re-check stored transcripts with the current rule pack and text model, without transcribing again.

Each call goes through `callqa.pipeline.hits.store_hits`, the same code path as first processing:
decisions already given are kept, hits no longer found are marked or removed, the review case
follows. The call's stored sentence embeddings are reused, so a retrained model embeds nothing.
Calls are committed in batches (a recheck is idempotent: an interrupted run is simply run again);
each run that changes anything writes one audit entry with its counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from callqa.pipeline.hits import HitChanges, decided_ids, store_hits, stored_segments
from callqa.pipeline.promises import store_promise
from callqa.review import audit
from callqa.review.workflow import assign_backlog
from callqa.rules import RulePack
from callqa.store.database import Database
from callqa.store.models import Call

CHECKED = ("clean", "flagged")  # calls with a stored transcript
BATCH = 100  # calls per transaction
AUDIT_ACTION = "rules.recheck"


@dataclass(frozen=True)
class Selection:
    """Which calls to re-check: those started on or after `since` (the call's own local date; calls
    without a start time by the date they were processed), and/or the named `call_ids`."""

    since: date | None = None
    call_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"since": self.since.isoformat() if self.since else None, "call_ids": len(self.call_ids)}


@dataclass
class RecheckSummary:
    """What a run did, for the CLI, the workbench and the audit entry."""

    pack_version: str
    model_version: str | None
    dry_run: bool = False
    calls: int = 0
    changed_calls: int = 0
    new: int = 0
    unchanged: int = 0
    returned: int = 0
    vanished: int = 0
    removed: int = 0
    now_flagged: int = 0  # clean before, flagged now
    now_clean: int = 0
    cases_opened: int = 0
    cases_reopened: int = 0
    cases_withdrawn: int = 0
    embedded: int = 0
    promises_changed: int = 0  # calls whose promise to pay was found, changed or dropped
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)  # named calls that are unknown or not checked yet
    changes: list[tuple[str, HitChanges]] = field(default_factory=list)  # the calls that changed

    def add(self, call_id: str, ch: HitChanges) -> None:
        self.calls += 1
        for name in ("new", "unchanged", "returned", "vanished", "removed", "embedded"):
            setattr(self, name, getattr(self, name) + getattr(ch, name))
        self.now_flagged += ch.status_before == "clean" and ch.status_after == "flagged"
        self.now_clean += ch.status_before == "flagged" and ch.status_after == "clean"
        action = {"opened": "cases_opened", "reopened": "cases_reopened", "withdrawn": "cases_withdrawn"}
        if ch.case_action:
            setattr(self, action[ch.case_action], getattr(self, action[ch.case_action]) + 1)
        if ch.changed:
            self.changed_calls += 1
            self.changes.append((call_id, ch))

    @property
    def rate(self) -> float:
        """Calls per second."""
        return self.calls / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("changes")
        data["missing"] = len(self.missing)  # ids may hold customer numbers: the log keeps the count
        data["seconds"] = round(self.seconds, 2)
        return data


def model_version(pack: RulePack) -> str | None:
    """Version of the text model the pack's `learned` rules and confidences use."""
    from callqa.rules.learned.detector import default_detector

    return getattr(pack.detector or default_detector(), "version", None)


def select_calls(session: Session, selection: Selection) -> tuple[list[int], list[str]]:
    """(pks of the calls to re-check in id order, named call ids that are unknown or not checked)."""
    query = select(Call.id, Call.call_id).where(Call.status.in_(CHECKED)).order_by(Call.id)
    if selection.since:
        day = selection.since.isoformat()
        query = query.where(
            or_(
                Call.local_date >= day,
                and_(
                    Call.local_date.is_(None),
                    Call.processed_at >= datetime.combine(selection.since, datetime.min.time()),
                ),
            )
        )
    if selection.call_ids:
        query = query.where(Call.call_id.in_(selection.call_ids))
    rows = session.execute(query).all()
    found = {cid for _, cid in rows}
    return [pk for pk, _ in rows], [c for c in selection.call_ids if c not in found]


class _DryRun(Exception):
    """Raised to roll a dry run's batch back."""


@contextmanager
def _batch(db: Database, dry_run: bool) -> Iterator[Session]:
    try:
        with db.session() as session:
            yield session
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


def recheck(
    db: Database,
    pack: RulePack,
    actor: audit.Actor,
    selection: Selection = Selection(),
    *,
    dry_run: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[str, HitChanges], None] | None = None,
    batch: int = BATCH,
) -> RecheckSummary:
    """Re-evaluate the selected calls' stored transcripts with `pack` (and its text model); with
    `dry_run`, report what would change and change nothing. `actor` is who asked (audit)."""
    summary = RecheckSummary(pack.version, model_version(pack), dry_run=dry_run)
    with db.session() as session:
        pks, summary.missing = select_calls(session, selection)
    if on_start:
        on_start(len(pks))
    started = time.perf_counter()
    try:
        for k in range(0, len(pks), batch):
            with _batch(db, dry_run) as session:
                chunk = pks[k : k + batch]
                decided = decided_ids(session, chunk)
                for call in _load(session, chunk):
                    segments = stored_segments(call.segments)
                    changes = store_hits(session, pack, call, segments, actor, decided)
                    summary.promises_changed += store_promise(session, call, segments, unless_read=True)
                    summary.add(call.call_id, changes)
                    if on_done:
                        on_done(call.call_id, changes)
    finally:  # an interrupted run still says what it stored
        summary.seconds = time.perf_counter() - started
        if not dry_run:
            with db.session() as session:
                after = {"selection": selection.to_json(), **summary.to_json()}
                audit.append(session, actor, AUDIT_ACTION, "rule_pack", pack.version, None, after)
                assign_backlog(session)  # cases reopened without an owner get one
    return summary


def _load(session: Session, pks: Sequence[int]) -> list[Call]:
    query = (
        select(Call)
        .where(Call.id.in_(pks))
        .options(selectinload(Call.segments), selectinload(Call.violations))
        .order_by(Call.id)
    )
    return list(session.scalars(query))
