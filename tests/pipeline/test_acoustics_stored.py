"""Processing measures each call's acoustics and stores them; the rules read the stored ones both when
the call is processed and at `callqa recheck`, and `calls --format json` shows them."""

from __future__ import annotations

import io
import json
import textwrap
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select

from callqa.pipeline.hits import call_context
from callqa.pipeline.ingest import ingest_one
from callqa.pipeline.manifest import ManifestRow
from callqa.pipeline.process import process_pending
from callqa.pipeline.recheck import recheck
from callqa.rules import load_default_pack, load_pack
from callqa.store.database import open_database
from callqa.store.models import Call, Violation
from callqa.transcript import Segment
from callqa.workspace import Workspace
from tests.conftest import run_cli
from tests.fakes import ScriptedSpeech, tone_wav

RATE = 16000


def _stereo_wav(path: Path) -> Path:
    """60 s: the agent talks 0–10 s, nobody 10–50 s (line noise), the customer 50–60 s."""
    rng = np.random.default_rng(7)
    agent, customer = rng.standard_normal((2, 60 * RATE)) * 30
    agent[: 10 * RATE] *= 100
    customer[50 * RATE :] *= 100
    samples = np.stack([agent, customer], axis=1).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    path.write_bytes(buf.getvalue())
    return path


def test_acoustics_are_stored_at_processing_and_read_again_at_recheck(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    path = _stereo_wav(tmp_path / "c1.wav")
    started = "2026-11-20T10:00:00+08:00"
    row = ManifestRow(line=0, path=path, call_id="c1", started_at=datetime.fromisoformat(started),
                      started_at_text=started, channels="agent,customer")  # fmt: skip
    assert ingest_one(ws, db, row).status == "added"
    engine = ScriptedSpeech()
    engine.add(path, [Segment("agent", 0.0, 10.0, "您好" * 25), Segment("customer", 50.0, 60.0, "好的" * 20)])
    process_pending(ws, db, load_default_pack(), "", transcriber=engine)
    with db.session() as session:
        call = session.scalars(select(Call)).one()
        stored = call.acoustics or {}
        hits = [(v.rule_name, v.start_s, v.end_s, v.explanation) for v in call.violations]
        assert not call_context(session, call).one_track  # two channels: the roles are the channels'
    assert stored["longest_silence_s"] == 40.0 and stored["agent_chars_per_min"] == 300.0
    assert stored["overtalk_s"] == 0.0 and stored["agent_interruptions"] == 0
    assert ("长时间静音", 10.0, 50.0, "最长静音 40 秒（00:10–00:50，上限 30 秒）") in hits
    code, out, _ = run_cli("calls", "--workspace", str(ws.root), "--format", "json")
    assert code == 0 and json.loads(out)[0]["acoustics"] == {
        "silence_s": 40.0,
        "longest_silence_s": 40.0,
        "overtalk_s": 0.0,
        "agent_interruptions": 0,
        "agent_chars_per_min": 300.0,
        "customer_chars_per_min": 240.0,
        "agent_loud_s": 0.0,
    }

    pack = tmp_path / "strict.yaml"  # a stricter pack, checked on the stored acoustics at recheck
    pack.write_text(textwrap.dedent("""\
        rules:
          - id: fast
            name: 语速过快
            category: service_quality
            severity: low
            deduction: 2
            when:
              speech_rate: {role: agent, above: 250}
        """), encoding="utf-8")  # fmt: skip
    recheck(db, load_pack(pack), "cli:test")
    with db.session() as session:
        rows = session.scalars(select(Violation)).all()
        assert [(v.rule_name, v.speaker, v.explanation) for v in rows] == [
            ("语速过快", "agent", "坐席语速 300 字/分钟（上限 250），按整通电话计")
        ]
    db.close()


def test_a_mono_calls_stored_acoustics_tell_the_rules_its_roles_were_guessed(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    path = tmp_path / "m1.wav"
    path.write_bytes(tone_wav("m1", seconds=4.0))
    row = ManifestRow(line=0, path=path, call_id="m1")
    assert ingest_one(ws, db, row).status == "added"
    engine = ScriptedSpeech()
    engine.add(path, [Segment("unknown", 0.0, 3.0, "您好，我是恒信消费金融的客服小周，工号三三八一。")])
    process_pending(ws, db, load_default_pack(), "", transcriber=engine)
    with db.session() as session:
        call = session.scalars(select(Call)).one()
        assert call.acoustics and call_context(session, call).one_track
    db.close()
