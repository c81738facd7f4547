"""Fixtures for store tests: a migrated SQLite database in tmp_path and a helper to add calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from callqa.store.database import Database
from callqa.store.models import Call, TranscriptSegment, Violation
from callqa.store.search import index_segments
from tests.conftest import TEST_AUDIT_KEY, new_call

AddCall = Callable[..., Call]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, audit_key=TEST_AUDIT_KEY)
    yield database
    database.close()


@pytest.fixture
def add_call(db: Database) -> AddCall:
    """add_call(call_id, [(speaker, text), ...], agent_id=..., started=..., categories=[...]) -> Call."""

    def _add(
        call_id: str,
        lines: list[tuple[str, str]],
        *,
        agent_id: str | None = "A1",
        started: datetime | None = datetime(2026, 3, 10, 9, 0),
        categories: tuple[str, ...] = (),
    ) -> Call:
        with db.session() as s:
            call = new_call(call_id, agent_id=agent_id, started_at_utc=started)
            call.segments = [
                TranscriptSegment(position=k, speaker=spk, start_s=2.0 * k, end_s=2.0 * k + 1.5, text=txt)
                for k, (spk, txt) in enumerate(lines)
            ]
            call.violations = [
                Violation(
                    rule_id=f"R-{cat}",
                    rule_name=cat,
                    category=cat,
                    severity="major",
                    deduction=10,
                    speaker="agent",
                    start_s=0.0,
                    end_s=1.0,
                    text="x",
                    explanation="x",
                )
                for cat in categories
            ]
            s.add(call)
            s.flush()
            index_segments(s, call.segments)
            return call

    return _add
