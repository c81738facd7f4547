"""Rendered mono calls where only the customer is aggressive (insults, 「你再打我就报警」): with the
speakers told apart, nothing is flagged. tests/data/mono holds them (render_calls.py, 8 kHz)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.pipeline.process import process_pending
from callqa.rules import evaluate, load_default_pack
from callqa.store.database import open_database
from callqa.store.models import Call, TranscriptSegment
from callqa.transcript import CallInfo, Segment
from callqa.workspace import Workspace
from tests.conftest import DATA, run_cli
from tests.fakes import ScriptedSpeech

MONO = DATA / "mono"
CALLS = [json.loads(line) for line in (MONO / "turns.jsonl").read_text(encoding="utf-8").splitlines()]


def as_heard(call: dict) -> list[Segment]:
    """A mono call's reference transcript as the speech model gives it: every line `unknown`."""
    return [Segment("unknown", t["start"], t["end"], t["text"]) for t in call["turns"]]


def ingested(tmp_path: Path) -> Workspace:
    ws_dir = tmp_path / "ws"
    code, _, stderr = run_cli("ingest", str(MONO / "calls"), "--manifest", str(MONO / "manifest.csv"),
                              "--workspace", str(ws_dir))  # fmt: skip
    assert code == 0, stderr
    return Workspace.open(ws_dir)


def stored(ws: Workspace) -> dict[str, tuple[Call, list[str]]]:
    db = open_database(ws)
    with db.session() as session:
        out = {}
        for call in session.scalars(select(Call)):
            rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.call_pk == call.id)
                                   .order_by(TranscriptSegment.position))  # fmt: skip
            out[call.call_id] = (call, [r.speaker for r in rows])
            session.expunge(call)
    db.close()
    return out


def test_without_speakers_the_customers_words_would_flag_the_agent() -> None:
    """The calls are a real test: read as one mixed voice, the rules hold m04's customer's insults and
    threats (「滚，王八蛋」, 「我找人去你公司堵你」) against the agent."""
    pack = load_default_pack()
    flagged = [c["call_id"] for c in CALLS if evaluate(pack, CallInfo(c["call_id"]), as_heard(c))]
    assert flagged == ["m04"]


def test_mono_calls_with_an_aggressive_customer_are_clean(tmp_path: Path) -> None:
    ws = ingested(tmp_path)
    engine = ScriptedSpeech()
    for call in CALLS:
        engine.add(MONO / "calls" / f"{call['call_id']}.flac", as_heard(call))
    db = open_database(ws)
    summary = process_pending(ws, db, load_default_pack(), "", transcriber=engine)
    db.close()
    assert summary.done == len(CALLS) and not summary.failed
    for call in CALLS:
        row, speakers = stored(ws)[call["call_id"]]
        assert speakers == [t["role"] for t in call["turns"]], call["call_id"]
        assert (row.status, row.score) == ("clean", 100), call["call_id"]
        assert (
            row.acoustics and row.acoustics["customer_chars_per_min"] and row.acoustics["overtalk_s"] is None
        )


@pytest.fixture(scope="module")
def through_the_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Call, list[str]]]:
    ws = ingested(tmp_path_factory.mktemp("mono"))
    code, _, stderr = run_cli("process", "--workspace", str(ws.root))
    assert code == 0, stderr
    return stored(ws)


@pytest.mark.slow
@pytest.mark.parametrize(
    "call_id",
    ["m01", "m02", "m03", "m04"],
)
def test_mono_calls_through_the_speech_model_are_clean(
    through_the_model: dict[str, tuple[Call, list[str]]], call_id: str
) -> None:
    row, speakers = through_the_model[call_id]
    assert {"agent", "customer"} <= set(speakers), call_id
    assert row.status == "clean", (call_id, row.status)
