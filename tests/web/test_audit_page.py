"""The 审计日志 page: entries read as sentences (Chinese action, the object as users name it, changes
as 字段：旧 → 新), filtered by actor, action, call and day and paged in SQL; the API's same filters."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from callqa.review import accounts, audit, workflow
from callqa.web import audit_view

from .test_api import build_api, client, login, violation_ids


@pytest.fixture(scope="module")
def env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    built = build_api(example_workspace, tmp_path_factory.mktemp("auditpage") / "ws")
    with built.db.session() as session:
        inspector = accounts.get_user(session, "a_insp")  # owns p02 (assigned automatically)
        for vid in violation_ids(built, "p02"):
            workflow.decide_violation(session, inspector, vid, "confirmed", "听录音确认")
        workflow.submit_verdict(session, inspector, "p02")
    yield built
    built.db.close()


def rows(html: str) -> list[list[str]]:
    """The log table's entry rows as cell texts (tags stripped); the "no entries" row is not one."""
    body = html.split('<table class="audit">')[1].split("</tbody>")[0].split("<tbody>")[1]
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        out.append(
            [re.sub(r"<[^>]+>", " ", td).split() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        )
    return [[" ".join(cell) for cell in row] for row in out if len(row) > 1]


def test_entries_read_as_people_name_things(env) -> None:  # type: ignore[no-untyped-def]
    sup, _ = login(env, "a_sup")
    page = sup.get("/audit")
    assert page.status_code == 200
    html = page.text.split("<main>")[1]
    assert "\\u" not in html and "&#34;" not in html and '{"' not in html  # no stored JSON shown
    table = rows(html)
    submit = next(r for r in table if r[2] == "提交复核结论")
    assert submit[1] == "a_insp" and submit[3] == "通话 p02"
    assert "状态：复核中 → 已提交" in submit[4] and "复核结论：（空） → 确认违规" in submit[4]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", submit[0])
    decided = [r for r in table if r[2] == "判定违规"]
    assert decided and all(r[3].startswith("通话 p02 的违规 #") for r in decided)
    assert "判定：确认" in decided[0][4] and "备注：听录音确认" in decided[0][4]
    assert '<a href="/calls/p02">通话 p02</a>' in html  # the object links to its call
    created = next(r for r in table if r[2] == "新增用户" and r[3] == "用户 a_lead_a")
    assert "角色：催收组长" in created[4] and "团队：A" in created[4] and "账号状态：启用" in created[4]
    assert "哈希链校验通过" in html


def test_filters_by_actor_action_call_and_day(env) -> None:  # type: ignore[no-untyped-def]
    sup, _ = login(env, "a_sup")
    mine = rows(sup.get("/audit", params={"actor": "a_insp"}).text)
    assert mine and {r[1] for r in mine} == {"a_insp"}
    given = rows(sup.get("/audit", params={"action": "case.auto_assign"}).text)
    assert {"通话 p02", "通话 p03"} <= {r[3] for r in given} and {r[2] for r in given} == {"自动分配复核"}
    about_p02 = rows(sup.get("/audit", params={"call": "p02"}).text)
    actions = {r[2] for r in about_p02}
    assert {"自动分配复核", "判定违规", "提交复核结论"} <= actions
    assert all("p02" in r[3] for r in about_p02) and not any("p03" in r[3] for r in about_p02)
    both = rows(
        sup.get("/audit", params={"call": "p02", "action": "violation.decide", "actor": "a_insp"}).text
    )
    assert len(both) == len(violation_ids(env, "p02"))
    # The day comes from a stored entry (its local day as shown), not the clock: a run that crosses
    # midnight after the fixture was built must not change what is asserted.
    day = date.fromisoformat(next(r for r in about_p02 if r[2] == "提交复核结论")[0][:10])
    next_day, day_before = day + timedelta(days=1), day - timedelta(days=1)

    def on(**params: str) -> list[list[str]]:
        return rows(sup.get("/audit", params={"call": "p02", **params}).text)

    assert on(since=day.isoformat(), until=day.isoformat()) == [
        r for r in about_p02 if r[0].startswith(day.isoformat())
    ]
    assert not any(r[2] == "提交复核结论" for r in on(since=next_day.isoformat()))
    assert not any(r[2] == "提交复核结论" for r in on(until=day_before.isoformat()))
    assert all(r[0] < day.isoformat() for r in on(until=day_before.isoformat()))
    empty = sup.get("/audit", params={"since": (day + timedelta(days=3650)).isoformat()}).text
    assert "没有符合条件的记录" in empty and not rows(empty)
    unknown = sup.get("/audit", params={"call": "no-such-call"})
    assert unknown.status_code == 200 and "没有通话“no-such-call”" in unknown.text
    assert sup.get("/audit", params={"since": "yesterday"}).status_code == 422


def test_paged_in_sql_and_links_keep_the_filters(env) -> None:  # type: ignore[no-untyped-def]
    with env.db.session() as session:
        for n in range(60):
            audit.append(session, "pager", "call.audio", "call", "p04", None, {"n": n})
    sup, _ = login(env, "a_sup")
    first = sup.get("/audit", params={"actor": "pager"}).text
    assert len(rows(first)) == 50 and "第 1 / 2 页" in first and "共 60 条符合条件" in first
    assert "/audit?actor=pager&amp;page=2" in first
    second = rows(sup.get("/audit", params={"actor": "pager", "page": 2}).text)
    assert len(second) == 10 and {r[2] for r in second} == {"播放录音"}
    assert second[-1][4] == "n：0"  # newest first: the oldest entry ends the last page


def test_only_supervisors_and_admins(env) -> None:  # type: ignore[no-untyped-def]
    for name in ("a_insp", "a_lead_a"):
        assert login(env, name)[0].get("/audit").status_code == 403


def test_api_filters_and_audited_csv(env) -> None:  # type: ignore[no-untyped-def]
    sup = client(env, "supervisor")
    entries = sup.get("/api/audit", params={"call": "p03"}).json()
    assert entries and {(e["entity"], e["entity_id"]) for e in entries} == {("review_case", "p03")}
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)  # oldest first, as before
    page = sup.get("/api/audit", params={"limit": 2, "offset": 1}).json()
    assert [e["id"] for e in page] == [e["id"] for e in sup.get("/api/audit").json()[1:3]]
    exported = sup.get("/api/audit", params={"format": "csv", "action": "case.submit"})
    assert exported.text.startswith("\ufeff编号,") and len(exported.text.splitlines()) == 2  # p02's
    last = sup.get("/api/audit", params={"action": "export.audit"}).json()[-1]
    assert last["actor"] == "a_sup" and last["after"] == {"filters": {"action": "case.submit"}, "rows": 1}
    assert sup.get("/api/audit", params={"call": "nope"}).status_code == 404


def test_changes_read_as_lines() -> None:
    before = {"id": 3, "state": "open", "owner": "a_insp", "verdict": None}
    after = {"id": 3, "state": "submitted", "owner": "a_insp", "verdict": "confirmed"}
    assert audit_view.changes(before, after) == ["状态：复核中 → 已提交", "复核结论：（空） → 确认违规"]
    exported = {"filters": {"status": "flagged", "agent": "A1"}, "active": False, "team": None}
    assert audit_view.changes(None, exported) == ["账号状态：停用", "筛选条件：坐席：A1，状态：疑似违规"]
    assert audit_view.changes({"decision": "confirmed"}, None) == ["删除前：", "判定：确认"]
    assert audit_view.action_name("case.escalate") == "升级"
    assert audit_view.action_name("new.thing") == "new.thing"  # shown by its code, never dropped
