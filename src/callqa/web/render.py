"""Jinja2 templates with the helpers every page uses: the names of codes (`callqa.names`), times on the
server's clock and durations as mm:ss."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from callqa.names import (
    CASE_STATES,
    CATEGORY_NAMES,
    DECISIONS,
    ESCALATION_DECISIONS,
    FINAL_OUTCOMES,
    MODEL_VERSION_NAMES,
    ORIGINS,
    OUTCOME_NAMES,
    REVIEW_STATES,
    ROLE_NAMES,
    SEVERITY_NAMES,
    SPEAKER_NAMES,
    STATUS_NAMES,
    VERDICTS,
)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def local_time(at: datetime | str | None) -> str:
    """A stored time (UTC: naive, aware or ISO text as records hold it) on the server's clock, to the
    second; '' for None."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at) if at else None
    if at is None:
        return ""
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return utc.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 60:02d}:{total % 60:02d}"


templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, CATEGORY_NAMES=CATEGORY_NAMES, STATUS_NAMES=STATUS_NAMES,
                             SPEAKER_NAMES=SPEAKER_NAMES, CASE_STATES=CASE_STATES, VERDICTS=VERDICTS,
                             DECISIONS=DECISIONS, ORIGINS=ORIGINS, SEVERITY_NAMES=SEVERITY_NAMES,
                             FINAL_OUTCOMES=FINAL_OUTCOMES,
                             ESCALATION_DECISIONS=ESCALATION_DECISIONS,
                             OUTCOME_NAMES=OUTCOME_NAMES, REVIEW_STATES=REVIEW_STATES,
                             MODEL_VERSION_NAMES=MODEL_VERSION_NAMES)  # fmt: skip
templates.env.filters["clock"] = clock
templates.env.filters["local_time"] = local_time
