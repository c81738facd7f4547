"""Jinja2 templates with the helpers every page uses: the names of codes (`callqa.names`), times on the
server's clock and durations as mm:ss."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from callqa.names import (
    APPEAL_HIT_OUTCOMES,
    CASE_STATES,
    CATEGORY_NAMES,
    DECISIONS,
    ESCALATION_DECISIONS,
    FINAL_OUTCOMES,
    MODEL_VERSION_NAMES,
    ORIGINS,
    OUTCOME_NAMES,
    PROMISE_STATUS_NAMES,
    QUEUE_SORTS,
    REVIEW_STATES,
    ROLE_NAMES,
    SEVERITY_NAMES,
    SPEAKER_NAMES,
    STATUS_NAMES,
    VERDICTS,
)
from callqa.transcript import clock

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


def waited(seconds: int | None) -> str:
    """How long something has waited, in the largest whole unit: 3 天, 5 小时, 12 分钟."""
    if seconds is None:
        return ""
    for unit, name in ((86_400, "天"), (3_600, "小时"), (60, "分钟")):
        if seconds >= unit:
            return f"{seconds // unit} {name}"
    return "不到 1 分钟"


templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, CATEGORY_NAMES=CATEGORY_NAMES, STATUS_NAMES=STATUS_NAMES,
                             SPEAKER_NAMES=SPEAKER_NAMES, CASE_STATES=CASE_STATES, VERDICTS=VERDICTS,
                             DECISIONS=DECISIONS, ORIGINS=ORIGINS, SEVERITY_NAMES=SEVERITY_NAMES,
                             FINAL_OUTCOMES=FINAL_OUTCOMES, APPEAL_HIT_OUTCOMES=APPEAL_HIT_OUTCOMES,
                             QUEUE_SORTS=QUEUE_SORTS, ESCALATION_DECISIONS=ESCALATION_DECISIONS,
                             OUTCOME_NAMES=OUTCOME_NAMES, REVIEW_STATES=REVIEW_STATES,
                             MODEL_VERSION_NAMES=MODEL_VERSION_NAMES,
                             PROMISE_STATUS_NAMES=PROMISE_STATUS_NAMES)  # fmt: skip
templates.env.filters["clock"] = clock
templates.env.filters["local_time"] = local_time
templates.env.filters["waited"] = waited


def percent(share: float | None) -> str:
    """A 0..1 share as the pages show it: 12.5%, or — when there is no base."""
    return "—" if share is None else f"{100 * share:.1f}%"


templates.env.filters["percent"] = percent
