"""/api/rules: how often each rule is right, over the calls a viewer may see."""

from __future__ import annotations

from fastapi import APIRouter, Request

from callqa.review.precision import rule_precision
from callqa.web.schemas import RuleFigures
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/rules/precision", response_model=dict[str, RuleFigures])
def precision(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """Per rule: reviewed hits confirmed / false positive, undecided hits, and precision."""
    with request.app.state.db.session() as session:
        return {rule: figures.to_json() for rule, figures in rule_precision(session, viewer.user).items()}
