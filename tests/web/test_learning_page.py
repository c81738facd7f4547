"""The 规则 page's text model section: who may retrain and switch, CSRF, the background run, the
reloaded pack, phrasing suggestions shown to supervisors only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.review import workflow
from callqa.rules.learned.versions import SHIPPED, current_version
from callqa.store.models import AuditEntry, Call, ReviewCase, User
from callqa.web.learning import LearnState
from tests.learnkit import add_transcribed_call, small_options, write_banks
from tests.web.accounts_app import make_env, signed_in

MISSED = "我们知道你孩子在哪个学校上学。"


@pytest.fixture
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = make_env(tmp_path / "ws")
    # tiny banks and a small config: the button's path is the real one, the training is quick
    env.app.state.learn_options = small_options(write_banks(tmp_path / "banks"))
    return env


def _owner(env, call_id: str) -> int:  # type: ignore[no-untyped-def]
    with env.db.session() as s:
        owner = s.scalar(select(ReviewCase.owner_id).join(Call).where(Call.call_id == call_id))
        assert owner
        return owner


def test_only_supervisors_and_admins_retrain_or_switch(env) -> None:  # type: ignore[no-untyped-def]
    client, token = signed_in(env.app, "insp")
    assert client.post("/rules/learn", data={"csrf_token": token}).status_code == 403
    assert client.post("/rules/model", data={"csrf_token": token, "version": SHIPPED}).status_code == 403
    page = client.get("/rules").text
    assert "重新训练" not in page and "措辞建议" not in page
    sup, _ = signed_in(env.app, "sup")
    assert sup.post("/rules/learn", data={}).status_code == 403  # no CSRF token
    assert env.app.state.learn_job.state is None  # nothing was started


def test_one_retraining_at_a_time(env) -> None:  # type: ignore[no-untyped-def]
    env.app.state.learn_job.state = LearnState(True, "root", datetime.now(UTC))  # a run in progress
    sup, token = signed_in(env.app, "sup")
    assert "训练中" in sup.get("/rules").text
    r = sup.post("/rules/learn", data={"csrf_token": token})
    assert r.status_code == 409 and "发起的重新训练尚未结束" in r.text
    assert sup.post("/rules/model", data={"csrf_token": token, "version": SHIPPED}).status_code == 409
    assert env.app.state.learn_job.thread is None


@pytest.mark.slow
def test_supervisor_retrains_in_the_background_and_the_pack_reloads(env) -> None:  # type: ignore[no-untyped-def]
    add_transcribed_call(env.db, "c1", [MISSED], [(0, "manual", "threat", MISSED, "inspector", None)])
    sup, token = signed_in(env.app, "sup")
    page = sup.get("/rules").text
    assert "用复核结论重新训练" in page and "（使用中）" in page and "措辞建议" in page
    r = sup.post("/rules/learn", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/rules"
    env.app.state.learn_job.thread.join(timeout=300)
    state = env.app.state.learn_job.state
    assert state.error is None and state.result.saved, state
    version = state.result.version
    assert env.app.state.pack.detector.version == version == current_version(env.ws)
    page = sup.get("/rules").text
    assert f"<code>{version}</code> <strong>（使用中）</strong>" in page and "已启用" in page

    # rollback from the page
    r = sup.post("/rules/model", data={"csrf_token": token, "version": SHIPPED})
    assert r.status_code == 303 and current_version(env.ws) == SHIPPED
    assert env.app.state.pack.detector.version != version
    assert sup.post("/rules/model", data={"csrf_token": token, "version": "ws-0"}).status_code == 404
    with env.db.session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "model").order_by(AuditEntry.id))
        actions = [(e.actor, e.action) for e in entries]
    assert actions == [("sup", "model.learn"), ("sup", "model.use")]


def test_phrasing_suggestions_on_the_rules_page(tmp_path: Path) -> None:
    env = make_env(tmp_path / "ws", 'unmasked_roles = ["admin"]\n')
    said = "你走夜路的时候可要小心点，我知道你电话13812345678。"
    (vid,) = add_transcribed_call(env.db, "c1", [said], [(0, "threat-model", "threat", said, "rule", 0.81)])
    with env.db.session() as s:
        workflow.decide_violation(s, s.get_one(User, _owner(env, "c1")), vid, "confirmed")
    suggestions = signed_in(env.app, "sup")[0].get("/rules").text.split("措辞建议", 1)[1]
    assert "你走夜路的时候可要小心点，我知道你电话138****5678。" in suggestions and "概率 0.81" in suggestions
    assert "/calls/c1?t=1" in suggestions and "13812345678" not in suggestions
    unmasked = signed_in(env.app, "root")[0].get("/rules").text.split("措辞建议", 1)[1]
    assert "13812345678" in unmasked
