"""承诺还款 in the workbench: PTP rates per team and agent on 总览 (aggregated in SQL), the promise list
with its CSV export, /api/promises, and `ptp` on the call's API record; team leads see their team only,
numbers are masked for masked roles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from callqa.pipeline.payments import import_payments
from callqa.review import accounts
from callqa.store.models import AuditEntry
from callqa.store.queries import promise_rates
from tests.fakes import add_scripted_call
from tests.web.accounts_app import make_env, password, signed_in

CALLS = [  # call id, team, agent, phone, what the customer said
    ("t1", "一组", "A1", "13911110001", "下周一我还两千。"),
    ("t2", "一组", "A1", "13911110002", "我没钱，还不了。"),
    ("t3", "一组", "A2", "13911110003", "后天还一千五。"),
    ("t4", "二组", "B1", "13911110004", "月底前还三千。"),
    ("t5", "二组", "B1", "13911110005", "我考虑考虑吧。"),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    built = make_env(tmp_path_factory.mktemp("ptp") / "ws")
    with built.db.session() as session:
        accounts.create_user(session, "test", "lead1", "team_lead", "一组", password=password("lead1"))
    for call_id, team, agent, phone, said in CALLS:
        add_scripted_call(built.ws, built.db, call_id, [("agent", "您好，我是安和金融的小张。"), ("customer", said)],
                          team=team, agent_id=agent, customer_phone=phone, started_at="2026-11-20T10:00:00+08:00")  # fmt: skip
    payments = built.ws.root.parent / "payments.csv"
    payments.write_text("phone,date,amount\n13911110001,2026-11-23,2000\n13911110003,2026-11-23,1500\n")
    import_payments(built.db, payments, "test", date(2026, 11, 25))  # t1 kept, t3 broken (late), t4 pending
    return built


def test_rates_per_team_and_agent_are_aggregated_beside_the_score(env: SimpleNamespace) -> None:
    with env.db.session() as session:
        rates = promise_rates(session, None)
        teams = {r.group: r for r in rates.by_team}
        agents = {r.group: r for r in rates.by_agent}
        lead = accounts.get_user(session, "lead1")
        assert [r.group for r in promise_rates(session, lead).by_team] == ["一组"]
    overall = rates.overall
    assert overall is not None
    assert (overall.calls, overall.promises, overall.kept, overall.broken) == (5, 3, 1, 1)
    assert (teams["一组"].calls, teams["一组"].promises, teams["一组"].rate) == (3, 2, 2 / 3)
    assert (teams["一组"].kept_rate, teams["二组"].kept_rate) == (0.5, None)  # 二组's only promise is pending
    assert teams["一组"].score == 100 and agents["A1"].promises == 1 and agents["B1"].calls == 2


def test_dashboard_shows_the_block_and_the_api_its_figures(env: SimpleNamespace) -> None:
    client, _ = signed_in(env.app, "sup")
    html = client.get("/").text
    block = html.split('id="ptp-rates"', 1)[1].split("</section>", 1)[0]
    assert "承诺还款" in block and "承诺率 60.0%" in block and "兑现率 50.0%" in block
    assert "<td>一组</td><td>3</td><td>100.0</td><td>2</td>\n      <td>66.7%</td>" in block
    figures = client.get("/api/dashboard").json()["ptp"]
    assert figures["overall"]["promises"] == 3 and {r["group"] for r in figures["by_agent"]} == {
        "A1",
        "A2",
        "B1",
    }
    lead, _ = signed_in(env.app, "lead1")
    assert "二组" not in lead.get("/").text.split('id="ptp-rates"', 1)[1].split("</section>", 1)[0]


def test_the_list_filters_masks_and_keeps_team_leads_to_their_team(env: SimpleNamespace) -> None:
    sup, _ = signed_in(env.app, "sup")
    page = sup.get("/promises").text
    assert "共 3 条" in page and "13911110001" in page and "已兑现" in page and "已违约" in page
    assert page.index("2026-11-22") < page.index("2026-11-23") < page.index("2026-11-30")  # soonest first
    broken = sup.get("/promises", params={"status": "broken"}).text
    assert "共 1 条" in broken and "后天还一千五" in broken
    insp, _ = signed_in(env.app, "insp")
    assert "13911110001" not in insp.get("/promises").text and "139****0001" in insp.get("/promises").text
    lead, _ = signed_in(env.app, "lead1")
    mine = lead.get("/api/promises").json()
    assert mine["total"] == 2 and {i["team"] for i in mine["items"]} == {"一组"}
    assert lead.get("/promises", params={"status": "nope"}).status_code == 422


def test_export_is_excel_ready_csv_and_audited(env: SimpleNamespace) -> None:
    insp, _ = signed_in(env.app, "insp")
    body = insp.get("/promises", params={"export": "csv", "team": "一组"}).text
    lines = body.splitlines()
    assert (
        lines[0]
        == "\ufeff通话编号,坐席,团队,客户电话,通话时间,承诺日期,承诺金额（元）,兑现情况,已还（元）,承诺时刻,客户原话"
    )
    assert len(lines) == 3 and "139****0001" in body and "13911110001" not in body
    with env.db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export.promises")).one()
        assert entry.actor == "insp" and "一组" in (entry.after or "")


def test_the_calls_api_record_carries_the_promise(env: SimpleNamespace) -> None:
    sup, _ = signed_in(env.app, "sup")
    record = sup.get("/api/calls/t1").json()["ptp"]
    assert record == {"date": "2026-11-23", "amount_yuan": 2000, "text": "下周一我还两千。", "start_s": 3.0,
                      "status": "kept", "paid_yuan": 2000}  # fmt: skip
    assert sup.get("/api/calls/t2").json()["ptp"] is None


def test_pages_need_a_sign_in(env: SimpleNamespace, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    anon = TestClient(env.app, follow_redirects=False)
    assert anon.get("/promises").status_code == 303 and anon.get("/api/promises").status_code == 401


def test_the_call_page_shows_the_promise_with_a_link_that_seeks_to_it(env: SimpleNamespace) -> None:
    sup, _ = signed_in(env.app, "sup")
    page = sup.get("/calls/t1").text
    line = page.split('id="ptp"', 1)[1].split("</p>", 1)[0]
    # said at 3 s (the scripted call's second turn); the link works without script (?t=) and call.js seeks
    assert 'href="/calls/t1?t=3.0" data-start="3.0"' in line
    assert '>11月23日 2000元「下周一我还两千。」 <span class="t">00:03</span></a>' in line
    assert line.startswith(">承诺还款：") and "已兑现" in line
    assert "已违约" in sup.get("/calls/t3").text.split('id="ptp"', 1)[1].split("</p>", 1)[0]
    assert 'id="ptp"' not in sup.get("/calls/t2").text  # 我没钱，还不了: no promise, no line
