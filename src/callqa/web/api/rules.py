"""/api/rules: how often each rule is right, over the calls a viewer may see; re-checking stored calls."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from callqa.pipeline.recheck import Selection
from callqa.review.precision import rule_precision
from callqa.web.api.deps import CSRF
from callqa.web.rechecks import start_recheck
from callqa.web.schemas import RecheckIn, RecheckOut, RuleFigures
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/rules/precision", response_model=dict[str, RuleFigures])
def precision(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """Per rule: reviewed hits confirmed / false positive, undecided hits, and precision."""
    with request.app.state.db.session() as session:
        return {rule: figures.to_json() for rule, figures in rule_precision(session, viewer.user).items()}


@router.post("/rules/recheck", response_model=RecheckOut, dependencies=CSRF)
def recheck(request: Request, response: Response, viewer: CurrentViewer, body: RecheckIn):  # type: ignore[no-untyped-def]
    """Supervisors and admins: re-check stored transcripts with the current rule pack and text model
    (decisions are kept; see the README's "Re-check"). Small selections answer with the counts; large
    ones go to the background worker (202, `queued`), whose result is in the audit log."""
    outcome = start_recheck(request, viewer, Selection(body.since, tuple(body.call_ids)), body.dry_run)
    if outcome.summary is None:
        response.status_code = 202
        return RecheckOut(queued=outcome.queued)
    summary, mask = outcome.summary, viewer.mask
    data = summary.to_json() | {"missing": [mask.text(c) for c in summary.missing]}
    data["changes"] = [
        {"call_id": mask.text(cid), **{k: getattr(ch, k) for k in RecheckCallOut_FIELDS}}
        for cid, ch in summary.changes
    ]
    return data


RecheckCallOut_FIELDS = (
    "status_before",
    "status_after",
    "new",
    "vanished",
    "removed",
    "returned",
    "case_action",
)
