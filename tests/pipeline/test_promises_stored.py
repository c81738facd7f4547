"""A call's promise to pay is stored when it is processed and when it is re-checked, and shown by
`callqa calls --format json` as `ptp`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select, update

from callqa.pipeline.recheck import recheck
from callqa.ptp.version import reader_version
from callqa.rules import load_pack
from callqa.store.database import open_database
from callqa.store.models import Call, PaymentPromise, TranscriptSegment
from callqa.workspace import Workspace
from tests.conftest import run_cli
from tests.fakes import add_scripted_call

PACK = """\
rules:
  - id: rude
    name: rude
    category: abuse
    severity: high
    deduction: 20
    role: agent
    when:
      keyword: [老赖]
"""


@pytest.fixture
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    (tmp_path / "pack.yaml").write_text(textwrap.dedent(PACK), encoding="utf-8")
    yield ws, db, load_pack(tmp_path / "pack.yaml")
    db.close()


def calls_json(ws: Workspace) -> dict[str, dict]:
    code, out, err = run_cli("calls", "--workspace", str(ws.root), "--format", "json")
    assert code == 0, err
    return {c["call_id"]: c for c in json.loads(out)}


def test_processing_stores_the_promise_and_calls_json_shows_it(env) -> None:  # type: ignore[no-untyped-def]
    ws, db, pack = env
    lines = [("agent", "您好，您的欠款是五千六百元。"), ("customer", "我这个月底先还两千八，剩下的下个月。")]
    add_scripted_call(
        ws, db, "k1", lines, pack, started_at="2026-11-20T10:00:00+08:00", customer_phone="13900001111"
    )
    add_scripted_call(ws, db, "k2", [("customer", "我没钱，还不了。")], pack)
    calls = calls_json(ws)
    assert calls["k1"]["ptp"] == {
        "date": "2026-11-30",
        "amount_yuan": 2800,
        "text": "我这个月底先还两千八，剩下的下个月。",
        "start_s": 3.0,
        "status": "pending",
        "paid_yuan": None,
    }
    assert calls["k2"]["ptp"] is None
    with db.session() as session:
        stored = session.scalars(select(PaymentPromise)).one()
        assert stored.phone == "13900001111" and stored.speaker == "customer"


def reads_differently(db, text: str) -> None:  # type: ignore[no-untyped-def]
    """Stand for a new promise reader: the transcript now reads as `text`, and no call has been read
    by this reader yet (as after an upgrade)."""
    with db.session() as session:
        session.execute(update(TranscriptSegment).values(text=text))
        session.execute(update(Call).values(promise_reader="an-older-one"))


def test_recheck_finds_changes_and_drops_the_promise(env) -> None:  # type: ignore[no-untyped-def]
    ws, db, pack = env
    add_scripted_call(
        ws, db, "k3", [("customer", "后天我转一千过去。")], pack, started_at="2026-11-20T10:00:00+08:00"
    )
    assert calls_json(ws)["k3"]["ptp"]["date"] == "2026-11-22"
    reads_differently(db, "大后天我转一千二过去。")
    summary = recheck(db, pack, "test")
    assert summary.promises_changed == 1
    assert calls_json(ws)["k3"]["ptp"]["date"] == "2026-11-23"
    assert calls_json(ws)["k3"]["ptp"]["amount_yuan"] == 1200
    with db.session() as session:
        session.execute(update(Call).values(promise_reader="an-older-one"))
    assert recheck(db, pack, "test").promises_changed == 0  # the same promise: its row stays
    reads_differently(db, "我下周看看吧，不一定。")
    assert recheck(db, pack, "test").promises_changed == 1
    assert calls_json(ws)["k3"]["ptp"] is None
    with db.session() as session:
        assert session.scalar(select(PaymentPromise)) is None


def test_recheck_reads_a_promise_again_only_after_the_reader_changed(env) -> None:  # type: ignore[no-untyped-def]
    ws, db, pack = env
    add_scripted_call(ws, db, "k6", [("customer", "后天我转一千过去。")], pack)
    with db.session() as session:
        assert session.scalars(select(Call)).one().promise_reader == reader_version()
        session.execute(update(TranscriptSegment).values(text="我没钱，还不了。"))
    assert recheck(db, pack, "test").promises_changed == 0  # read by this reader: not read again
    assert calls_json(ws)["k6"]["ptp"]["amount_yuan"] == 1000
    with db.session() as session:
        session.execute(update(Call).values(promise_reader=None))  # read before readers were recorded
    assert recheck(db, pack, "test").promises_changed == 1
    assert calls_json(ws)["k6"]["ptp"] is None
    with db.session() as session:
        assert session.scalars(select(Call)).one().promise_reader == reader_version()


def test_a_call_that_fails_loses_its_promise(env) -> None:  # type: ignore[no-untyped-def]
    from callqa.pipeline.process import save_result
    from callqa.pipeline.transcribe_worker import TranscribeResult

    ws, db, pack = env
    add_scripted_call(ws, db, "k4", [("customer", "明天还三千。")], pack)
    with db.session() as session:
        call_pk = session.scalar(select(Call.id).where(Call.call_id == "k4"))
    save_result(db, pack, TranscribeResult(call_pk, error="cannot decode"), "fake")
    assert calls_json(ws)["k4"]["ptp"] is None


def test_masked_roles_see_the_promise_text_masked(env) -> None:  # type: ignore[no-untyped-def]
    from callqa.masking import masker_for
    from callqa.store.records import promise_record

    ws, db, pack = env
    add_scripted_call(ws, db, "k5", [("customer", "明天从13912345678这张卡转三千给你们。")], pack)
    with db.session() as session:
        row = session.scalars(select(PaymentPromise)).one()
        masked = promise_record(row, masker_for("inspector", ("admin", "supervisor")))
        assert (
            masked is not None and "13912345678" not in str(masked["text"]) and masked["amount_yuan"] == 3000
        )
        assert "13912345678" in str(promise_record(row)["text"])  # type: ignore[index]
