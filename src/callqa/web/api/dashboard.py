"""/api/dashboard: the 总览 figures over the calls a viewer may see, with the 抽检 miss-rate estimate."""

from __future__ import annotations

from fastapi import APIRouter, Request

from callqa.store.queries import dashboard as dashboard_figures
from callqa.store.records import dashboard_record
from callqa.web.schemas import DashboardOut
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/dashboard", response_model=DashboardOut)
def dashboard(request: Request, viewer: CurrentViewer):  # type: ignore[no-untyped-def]
    """Counts, flagged rate, the charts' series, and how many violations the rules miss (from 抽检)."""
    with request.app.state.db.session() as session:
        return dashboard_record(dashboard_figures(session, viewer.user))
