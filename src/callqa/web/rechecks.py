"""A recheck asked for in the workbench: run at once when small, else handed to the background worker.

Only supervisors and admins may ask. Up to SYNC_LIMIT calls are rechecked within the request (about
four seconds); a larger selection goes to the server's worker, which writes the same audit entry when
it is done. Without a worker (`serve --no-worker`) a larger selection is refused with the command to
run instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.errors import TransitionError
from callqa.pipeline.recheck import AUDIT_ACTION, RecheckSummary, Selection, recheck, select_calls
from callqa.store.models import AuditEntry
from callqa.web.viewer import Viewer

SYNC_LIMIT = 200
ROLES = ("admin", "supervisor")  # who may recheck


@dataclass(frozen=True)
class Outcome:
    """A finished run's summary, or the number of calls queued for the worker."""

    summary: RecheckSummary | None = None
    queued: int = 0


def start_recheck(request: Request, viewer: Viewer, selection: Selection, dry_run: bool = False) -> Outcome:
    viewer.require(*ROLES)
    state = request.app.state
    with state.db.session() as session:
        count = len(select_calls(session, selection)[0])
    if count <= SYNC_LIMIT:
        return Outcome(recheck(state.db, state.pack, viewer.user, selection, dry_run=dry_run))
    worker = getattr(state, "worker", None)
    if worker is None or dry_run:
        why = "预览只在页面中完成" if dry_run else "工作台未启用后台任务"
        raise TransitionError(
            f"所选 {count} 通通话超过工作台一次可重新检查的 {SYNC_LIMIT} 通，且{why}："
            "请缩小范围，或在服务器上运行 callqa recheck"
        )
    worker.queue_recheck(state.pack, viewer.user, selection)
    return Outcome(queued=count)


def last_run(session: Session) -> dict[str, object] | None:
    """The newest recheck's audit entry (who, when, counts), for the rules page."""
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION).order_by(AuditEntry.id.desc()).limit(1)
    )
    if entry is None:
        return None
    return {"at": entry.at, "actor": entry.actor, **json.loads(entry.after or "{}")}
