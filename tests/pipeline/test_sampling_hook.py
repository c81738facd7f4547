"""Processing a call draws it for 抽检 at the workspace's `sample_rate`, in the same transaction that
stores its result."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.review import accounts
from callqa.store.database import open_database
from callqa.store.models import Call, ReviewCase
from callqa.workspace import Workspace
from tests.fakes import add_scripted_call

CLEAN = [("agent", "您好，我是安和金融的催收专员小李，工号1023。"), ("customer", "好的，我下周还。")]


@pytest.mark.parametrize(("rate", "sampled"), [(1.0, True), (0.0, False)])
def test_processing_draws_clean_calls_at_the_sample_rate(tmp_path: Path, rate: float, sampled: bool) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "config.toml").write_text(f"sample_rate = {rate}\n", encoding="utf-8")
    ws = Workspace.open(tmp_path / "ws")
    assert ws.settings.sample_rate == rate
    db = open_database(ws)
    with db.session() as s:
        accounts.create_user(s, "test", "insp", "inspector", None, password="insp-pw-123")
    add_scripted_call(ws, db, "c1", CLEAN)
    with db.session() as s:
        assert s.scalar(select(Call.status)) == "clean"
        cases = [
            (c.origin, c.state, c.owner.username if c.owner else None) for c in s.scalars(select(ReviewCase))
        ]
    assert cases == ([("sample", "open", "insp")] if sampled else [])
    db.close()
