"""我的复核, 升级与申诉 and 申诉 over a copy of the processed example corpus: the queue's columns,
orders, finished toggle and paging (page and API alike), bulk reassignment with a reason, the
escalation queue, and appeals that name violations with a 终审 on each, through the HTML forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from callqa.review import accounts, audit, workflow
from callqa.store.models import Call, ReviewCase, Violation
from tests.web.test_api import build_api, client, login

A_CALLS = ("p02", "p03", "p04", "p13")  # team A in build_api


@pytest.fixture
def env(example_workspace: Path, tmp_path: Path) -> Iterator[SimpleNamespace]:
    built = build_api(example_workspace, tmp_path / "ws")  # every flagged case is a_insp's
    yield built
    built.db.close()


def queue_ids(html: str) -> list[str]:
    """The call ids of the queue table's rows, in order."""
    body = html.split('<table class="queue">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/calls/[^"]+">([^<]+)</a>', body)


def hits_of(env: SimpleNamespace, call_id: str) -> list[int]:
    with env.db.session() as s:
        return list(
            s.scalars(select(Violation.id).join(Call).where(Call.call_id == call_id).order_by(Violation.id))
        )


def submit(env: SimpleNamespace, call_id: str, *decisions: str) -> None:
    """a_insp decides the call's hits (confirmed unless `decisions` says) and submits the verdict."""
    with env.db.session() as s:
        owner = accounts.get_user(s, "a_insp")
        for k, vid in enumerate(hits_of(env, call_id)):
            workflow.decide_violation(s, owner, vid, decisions[k] if k < len(decisions) else "confirmed")
        workflow.submit_verdict(s, owner, call_id)


def a_call_with_hits(env: SimpleNamespace, at_least: int, besides: str = "") -> str:
    return next(c for c in A_CALLS if c != besides and len(hits_of(env, c)) >= at_least)


# --- 我的复核 ----------------------------------------------------------------------------------------


def test_the_queue_shows_severity_hits_agent_team_and_age_and_sorts(env: SimpleNamespace) -> None:
    browser, _ = login(env, "a_insp")
    page = browser.get("/review").text
    for header in ("严重程度", "违规数", "分数", "坐席", "团队", "等待", "显示已完成"):
        assert header in page
    api = client(env, "inspector")
    for sort in ("priority", "severity", "score", "age"):
        rows = api.get("/api/cases", params={"mine": True, "sort": sort}).json()
        assert queue_ids(browser.get("/review", params={"sort": sort}).text) == [r["call_id"] for r in rows]
    by_severity = api.get("/api/cases", params={"mine": True, "sort": "severity"}).json()
    ranks = {"low": 1, "medium": 2, "high": 3, "critical": 4}
    keys = [(ranks[r["severity"]], r["hits"]) for r in by_severity]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) > 1
    by_score = [r["score"] for r in api.get("/api/cases", params={"mine": True, "sort": "score"}).json()]
    assert by_score == sorted(by_score) and len(set(by_score)) > 1
    first = by_severity[0]
    row = page.split(f">{first['call_id']}</a>", 1)[1].split("</tr>", 1)[0]
    shown = re.search(r'class="sev[^"]*">(.)', row)
    assert (
        shown
        and {"严": "critical", "高": "high", "中": "medium", "低": "low"}[shown.group(1)] == first["severity"]
    )
    assert f"<td>{first['hits']}</td>" in row and (first["team"] or "—") in row and "分钟" in unescape(row)
    assert browser.get("/review", params={"sort": "newest"}).status_code == 422


def test_finished_cases_are_hidden_unless_asked(env: SimpleNamespace) -> None:
    done = A_CALLS[0]
    submit(env, done)
    browser, _ = login(env, "a_insp")
    assert done not in queue_ids(browser.get("/review").text)
    assert done in queue_ids(browser.get("/review", params={"finished": "1"}).text)
    api = client(env, "inspector")
    assert done not in {c["call_id"] for c in api.get("/api/cases", params={"mine": True}).json()}
    shown = api.get("/api/cases", params={"mine": True, "finished": True})
    assert done in {c["call_id"] for c in shown.json()}
    assert shown.headers["x-total-count"] == str(len(shown.json()))
    page = api.get("/api/cases", params={"mine": True, "finished": True, "limit": 2, "offset": 1})
    assert [c["call_id"] for c in page.json()] == [c["call_id"] for c in shown.json()][1:3]
    assert page.headers["x-total-count"] == shown.headers["x-total-count"]


# --- bulk reassignment -----------------------------------------------------------------------------


def test_a_supervisor_reassigns_selected_cases_with_a_reason(env: SimpleNamespace) -> None:
    browser, csrf = login(env, "a_sup")
    page = browser.get("/review", params={"scope": "all", "sort": "age"}).text
    assert 'action="/review/reassign"' in page and 'name="reason"' in page and "a_insp2" in page
    chosen = ["p02", "p09"]
    form = {"csrf_token": csrf, "owner": "a_insp2", "reason": "a_insp 本周培训", "call": chosen,
            "scope": "all", "sort": "age"}  # fmt: skip
    assert browser.post("/review/reassign", data=form | {"csrf_token": "forged"}).status_code == 403
    refused = browser.post("/review/reassign", data=form | {"reason": " "})
    assert refused.status_code == 422 and "请填写改派原因" in refused.text
    done = browser.post("/review/reassign", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/review?scope=all&sort=age&moved=2"
    assert "已改派 2 件" in browser.get(done.headers["location"]).text
    owners = {c["call_id"]: c["owner"] for c in client(env, "supervisor").get("/api/cases").json()}
    assert owners["p02"] == owners["p09"] == "a_insp2" and owners["p03"] == "a_insp"
    with env.db.session() as s:
        reasons = [
            (r["entity_id"], r["after"]["reason"])
            for r in audit.export_rows(s)
            if r["action"] == "case.reassign"
        ]
    assert reasons == [("p02", "a_insp 本周培训"), ("p09", "a_insp 本周培训")]

    inspector, token = login(env, "a_insp")
    assert 'action="/review/reassign"' not in inspector.get("/review").text
    assert inspector.post("/review/reassign", data=form | {"csrf_token": token}).status_code == 403
    api = client(env, "supervisor").post(
        "/api/cases/reassign", json={"call_ids": ["p03", "p04"], "owner": "a_insp2", "reason": "均衡"}
    )
    assert api.status_code == 200 and [c["call_id"] for c in api.json()] == ["p03", "p04"]
    assert (
        client(env, "supervisor")
        .post("/api/cases/reassign", json={"call_ids": ["p03"], "owner": "a_insp"})
        .status_code
        == 422
    )


# --- 升级与申诉 ----------------------------------------------------------------------------------------


def test_the_escalation_queue_decides_escalations_and_each_contested_violation(env: SimpleNamespace) -> None:
    escalated = "p02"
    appealed = a_call_with_hits(env, 2, besides=escalated)
    submit(env, escalated)
    with env.db.session() as s:
        workflow.escalate(s, accounts.get_user(s, "a_insp"), escalated, "书面警告")
    submit(env, appealed)
    anonymous = client(env)
    assert anonymous.get("/escalations", follow_redirects=False).status_code in (401, 303)
    for name in ("a_insp", "a_lead_a", "a_admin"):
        assert login(env, name)[0].get("/escalations").status_code == 403

    # the team lead picks one confirmed violation on the 申诉 page
    lead, token = login(env, "a_lead_a")
    appeals = lead.get("/appeals").text
    assert f">{appealed}</a>" in appeals and 'name="violation"' in appeals
    v1, v2, *_ = hits_of(env, appealed)
    form = {"csrf_token": token, "reason": "第一处是客户说的", "picked": "1", "back": "appeals"}
    none_picked = lead.post(f"/calls/{appealed}/appeal", data=form)
    assert none_picked.status_code == 422 and "至少选择一条" in none_picked.text
    filed = lead.post(f"/calls/{appealed}/appeal", data=form | {"violation": [str(v1)]})
    assert filed.status_code == 303 and filed.headers["location"] == "/appeals"

    sup, token = login(env, "a_sup")
    assert 'href="/escalations"' in sup.get("/").text
    queue = sup.get("/escalations").text
    assert "书面警告" in queue and "第一处是客户说的" in queue and "同意并结案" in queue
    assert queue.count('name="hit_outcome"') == 1  # one select per contested violation
    decided = sup.post(f"/calls/{escalated}/escalation",
                       data={"csrf_token": token, "decision": "approve", "back": "escalations"})  # fmt: skip
    assert decided.status_code == 303 and decided.headers["location"] == "/escalations"
    incomplete = sup.post(
        f"/calls/{appealed}/appeal/decision", data={"csrf_token": token, "violation": [str(v1)]}
    )
    assert incomplete.status_code == 422 and "每一条违规" in incomplete.text
    judged = sup.post(
        f"/calls/{appealed}/appeal/decision",
        data={"csrf_token": token, "violation": [str(v1)], "hit_outcome": ["overturn"], "comment": "录音中为客户所说",
              "back": "escalations"},
    )  # fmt: skip
    assert judged.status_code == 303
    queue = sup.get("/escalations").text
    assert "没有待决定的升级" in queue and "没有待终审的申诉" in queue

    cases = {
        c["call_id"]: c for c in client(env, "supervisor").get("/api/cases", params={"state": "final"}).json()
    }
    assert (cases[escalated]["final_outcome"], cases[escalated]["escalation_decision"]) == (
        "approved",
        "approved",
    )
    final = cases[appealed]
    assert final["final_outcome"] == "overturned" and final["appeals"][0]["hits"] == {str(v1): "overturned"}
    assert final["decisions"][str(v1)] == "false_positive" and final["decisions"][str(v2)] == "confirmed"
    assert final["verdict"] == "confirmed" and final["reviewed_score"] is not None

    record = lead.get(
        "/appeals"
    ).text  # what the team lead reads afterwards: each violation and the reasoning
    assert "改判误报" in record and "录音中为客户所说" in record and "第一处是客户说的" in record
    assert "改判误报" in lead.get(f"/calls/{appealed}").text


def test_a_supervisor_who_decided_a_case_is_not_offered_its_decision(env: SimpleNamespace) -> None:
    call_id = "p13"
    with env.db.session() as s:
        sup = accounts.get_user(s, "a_sup")
        workflow.reassign(s, sup, call_id, "a_sup")
        for vid in hits_of(env, call_id):
            workflow.decide_violation(s, sup, vid, "confirmed")
        workflow.submit_verdict(s, sup, call_id)
        workflow.escalate(s, sup, call_id, "停岗")
    sup, _ = login(env, "a_sup")
    row = sup.get("/escalations").text.split(f">{call_id}</a>", 1)[1].split("</tr>", 1)[0]
    assert "须由其他主管决定" in row and "同意并结案" not in row


def test_the_api_files_and_decides_an_appeal_per_violation(env: SimpleNamespace) -> None:
    call_id = a_call_with_hits(env, 2)
    submit(env, call_id)
    v1, v2, *_ = hits_of(env, call_id)
    lead = client(env, "lead_a")
    assert (
        lead.post(f"/api/calls/{call_id}/appeal", json={"reason": "x", "violation_ids": []}).status_code
        == 422
    )
    case = lead.post(
        f"/api/calls/{call_id}/appeal", json={"reason": "两处都不成立", "violation_ids": [v1, v2]}
    ).json()
    assert case["state"] == "appealed" and case["appeals"][0]["hits"] == {str(v1): None, str(v2): None}
    sup = client(env, "supervisor")
    r = sup.post(f"/api/calls/{call_id}/appeal/decision", json={"hits": {str(v1): "overturn"}})
    assert r.status_code == 422 and "每一条违规" in r.json()["detail"]
    case = sup.post(f"/api/calls/{call_id}/appeal/decision",
                    json={"hits": {str(v1): "overturn", str(v2): "uphold"}, "comment": "部分成立"}).json()  # fmt: skip
    assert (case["final_outcome"], case["appeals"][0]["decision"]) == ("partly", "partly")
    assert case["appeals"][0]["hits"] == {str(v1): "overturned", str(v2): "upheld"}
    with env.db.session() as s:
        assert (
            s.scalar(select(ReviewCase.final_comment).join(Call).where(Call.call_id == call_id)) == "部分成立"
        )
