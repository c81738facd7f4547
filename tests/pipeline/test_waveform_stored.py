"""Processing stores each call's waveform (one lane per speaker) with its transcript; a failed run
removes it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from callqa.pipeline.process import save_result
from callqa.pipeline.transcribe_worker import TranscribeResult
from callqa.rules import load_default_pack
from callqa.store.database import open_database
from callqa.store.models import Call
from callqa.store.waveforms import load_waveform
from callqa.workspace import Workspace
from tests.fakes import add_scripted_call


def test_processed_calls_have_a_waveform_per_speaker(example_workspace: Path) -> None:
    db = open_database(Workspace.open(example_workspace))
    with db.session() as session:
        calls = {c.call_id: c for c in session.scalars(select(Call))}
        stereo, mono = load_waveform(session, calls["p01"].id), load_waveform(session, calls["p04"].id)
        duration = calls["p01"].duration_s or 0
    db.close()
    assert stereo is not None and mono is not None
    assert stereo.speakers == ("agent", "customer")
    assert mono.speakers == ("agent", "customer")  # a mono call's lanes come from speaker separation
    assert len(stereo.levels[0]) == len(stereo.levels[1])
    assert abs(len(stereo.levels[0]) * stereo.bucket_s - duration) < 0.2
    assert max(max(stereo.levels[0]), max(stereo.levels[1])) == 255  # the loudest frame is full scale
    assert (
        sum(1 for b in stereo.levels[1] if b == 0) > 10
    )  # the customer's lane is silent while the agent talks
    assert sum(1 for b in mono.levels[1] if b == 0) > 10 and max(mono.levels[1]) > 0


def test_a_failed_run_removes_the_waveform(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    add_scripted_call(ws, db, "c1", [("agent", "您好")])
    with db.session() as session:
        pk = session.scalars(select(Call.id)).one()
        assert load_waveform(session, pk) is not None
    save_result(db, load_default_pack(), TranscribeResult(pk, error="unreadable"), "test")
    with db.session() as session:
        assert load_waveform(session, pk) is None
    db.close()
