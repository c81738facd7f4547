"""Re-check from the workbench: supervisors and admins only, CSRF, audited; small selections run in
the request, large ones go to the background worker; vanished decided hits show on the call page."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from callqa.review import accounts, workflow
from callqa.rules import load_pack
from callqa.store.models import AuditEntry
from callqa.web import rechecks
from callqa.web.worker import BackgroundWorker
from tests.web.test_api import build_api, client, login, violation_ids

URL = "/api/rules/recheck"


@pytest.fixture
def env(example_workspace: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    built = build_api(example_workspace, tmp_path / "ws")
    yield built
    built.db.close()


def entries(env: SimpleNamespace) -> list[dict]:
    with env.db.session() as s:
        query = select(AuditEntry).where(AuditEntry.action == "rules.recheck").order_by(AuditEntry.id)
        return [json.loads(e.after) | {"actor": e.actor} for e in s.scalars(query)]


def keyword_pack(tmp_path: Path, word: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "pack.yaml"
    path.write_text(
        textwrap.dedent(f"""\
            rules:
              - id: only-rule
                name: 唯一规则
                category: abuse
                severity: high
                deduction: 20
                role: agent
                when:
                  keyword: [{word}]
        """),
        encoding="utf-8",
    )
    return load_pack(path)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anon", 401), ("inspector", 403), ("lead_a", 403), ("admin", 200), ("supervisor", 200)],
)
def test_only_supervisors_and_admins_recheck(env, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    assert client(env, role).post(URL, json={"dry_run": True}).status_code == status


def test_cookie_sessions_need_the_csrf_token(env) -> None:  # type: ignore[no-untyped-def]
    c, token = login(env, "a_sup")
    assert c.post(URL, json={}).status_code == 403
    assert c.post(URL, json={}, headers={"X-CSRF-Token": token}).status_code == 200


def test_the_processed_corpus_rechecked_with_the_same_pack_is_unchanged(env) -> None:  # type: ignore[no-untyped-def]
    """Processing and recheck are one code path: the same pack and model find exactly the same hits."""
    preview = client(env, "supervisor").post(URL, json={"dry_run": True}).json()
    assert (preview["calls"], preview["changed_calls"], preview["new"], preview["removed"]) == (14, 0, 0, 0)
    assert preview["unchanged"] > 0 and entries(env) == []
    done = client(env, "admin").post(URL, json={}).json()
    assert done["changed_calls"] == 0 and done["pack_version"] == env.app.state.pack.version
    [entry] = entries(env)
    assert entry["actor"] == "a_admin" and entry["calls"] == 14 and entry["model_version"]


def test_a_decided_hit_the_new_pack_misses_is_shown_vanished(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kept, *others = violation_ids(env, "p03")  # the case is a_insp's: given out when the account was made
    with env.db.session() as s:
        workflow.decide_violation(s, accounts.get_user(s, "a_insp"), kept, "confirmed")
    env.app.state.pack = keyword_pack(tmp_path, "这句话不会出现")

    body = client(env, "supervisor").post(URL, json={"call_ids": ["p03", "nope"]}).json()

    assert body["calls"] == 1 and body["missing"] == ["nope"]
    assert body["changes"] == [
        {"call_id": "p03", "status_before": "flagged", "status_after": "flagged", "new": 0, "vanished": 1,
         "removed": len(others), "returned": 0, "case_action": None}
    ]  # fmt: skip
    call = client(env, "inspector").get("/api/calls/p03").json()
    assert [(v["id"], v["vanished"]) for v in call["violations"]] == [(kept, True)]
    c, _ = login(env, "a_insp")
    assert "新规则下未命中" in c.get("/calls/p03").text


def test_rules_page_button_runs_and_shows_the_last_recheck(env) -> None:  # type: ignore[no-untyped-def]
    c, _ = login(env, "a_sup")
    page = c.get("/rules").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token and 'action="/rules/recheck"' in page and "last-recheck" not in page
    assert c.post("/rules/recheck", data={"since": "2026-01-01"}).status_code == 403  # no CSRF token
    answer = c.post("/rules/recheck", data={"csrf_token": token.group(1), "since": "2000-01-01"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/rules")
    assert "上次重新检查" in c.get("/rules").text and "14 通通话" in c.get("/rules").text
    bad = c.post("/rules/recheck", data={"csrf_token": token.group(1), "since": "tomorrow"})
    assert bad.status_code == 422

    i, _ = login(env, "a_insp")
    page = i.get("/rules").text
    assert 'action="/rules/recheck"' not in page and "上次重新检查" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', i.get("/account").text)
    assert token and i.post("/rules/recheck", data={"csrf_token": token.group(1)}).status_code == 403


def test_large_selections_go_to_the_worker_or_are_refused(env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rechecks, "SYNC_LIMIT", 5)
    refused = client(env, "supervisor").post(URL, json={})
    assert refused.status_code == 409 and "callqa recheck" in refused.json()["detail"]

    worker = BackgroundWorker(env.ws, env.db, env.app.state.pack, "")  # not started: run by hand
    env.app.state.worker = worker
    assert client(env, "supervisor").post(URL, json={"dry_run": True}).status_code == 409  # no preview there
    queued = client(env, "supervisor").post(URL, json={})
    assert (queued.status_code, queued.json()["queued"]) == (202, 14)
    assert entries(env) == []
    assert worker.run_rechecks() == 1
    [entry] = entries(env)
    assert entry["actor"] == "a_sup" and entry["calls"] == 14
