"""`callqa sample`: draw the 抽检 sample over clean calls already processed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from callqa.cli.context import fail, open_workspace, out
from callqa.cli.render import WorkspaceOpt


def sample(
    rate: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Share of clean calls to draw (default: sample_rate)."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only calls of this day or later (YYYY-MM-DD).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Open a 抽检 review case for each drawn clean call that has none (new calls are drawn as they
    are processed). The draw is fixed per recording: running it again draws no call twice, and a
    higher rate adds calls to the sample."""
    from callqa.review.workflow import sample_clean_calls

    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise fail(f"bad date: {exc}", 2) from None
    ws, db = open_workspace(workspace)
    share = ws.settings.sample_rate if rate is None else rate
    with db.session() as session:
        drawn = sample_clean_calls(session, share, since_day)
    out.print(f"{drawn} clean calls drawn for 抽检 at rate {share:g}", highlight=False)
