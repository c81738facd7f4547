"""抽检 through the CLI, the REST API and the pages, over a copy of the processed example corpus:
drawing the backlog, the queue's order and marks, recording a missed violation, the verdicts, and
the miss-rate estimate on the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from callqa.store.models import Call, Violation
from callqa.web.schemas import MissedViolationIn
from tests.conftest import run_cli
from tests.web.test_api import build_api, client, login

MISS = {"category": "threat", "speaker": "agent", "text": "再不还钱后果自负", "start_s": 1.0, "end_s": 2.5}


@pytest.fixture(scope="module")
def env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The corpus with its users; every clean call drawn (rate 1); three flagged calls' hits scored."""
    built = build_api(example_workspace, tmp_path_factory.mktemp("sampling") / "ws")
    with built.db.session() as session:
        built.clean = sorted(session.scalars(select(Call.call_id).where(Call.status == "clean")))
        session.execute(update(Violation).values(confidence=None))  # only these three scored:
        for call_id, confidence in (("p09", 0.61), ("p10", 0.93), ("p02", 0.2)):
            pk = session.scalar(select(Call.id).where(Call.call_id == call_id))
            session.execute(update(Violation).where(Violation.call_pk == pk).values(confidence=confidence))
    yield built
    built.db.close()


def owner_client(env, call_id: str):  # type: ignore[no-untyped-def]
    owner = client(env, "admin").get(f"/api/calls/{call_id}/case").json()["owner"]
    role = {"a_insp": "inspector", "a_insp2": "owner"}[owner]
    other = "owner" if role == "inspector" else "inspector"
    return client(env, role), client(env, other), owner


def test_cli_sample_draws_the_backlog_once(env) -> None:  # type: ignore[no-untyped-def]
    assert len(env.clean) >= 3
    code, out, _ = run_cli("sample", "--rate", "0", "--workspace", str(env.ws.root))
    assert code == 0 and out.startswith("0 clean calls drawn")
    code, out, _ = run_cli("sample", "--rate", "1", "--since", "2000-01-01", "--workspace", str(env.ws.root))
    assert code == 0 and out.startswith(f"{len(env.clean)} clean calls drawn for 抽检 at rate 1"), out
    code, out, _ = run_cli("sample", "--rate", "1", "--workspace", str(env.ws.root))
    assert code == 0 and out.startswith("0 clean calls drawn")  # nothing drawn twice
    code, _, err = run_cli("sample", "--since", "yesterday", "--workspace", str(env.ws.root))
    assert code == 2 and "bad date" in err
    samples = client(env, "supervisor").get("/api/cases", params={"origin": "sample"}).json()
    assert sorted(c["call_id"] for c in samples) == env.clean
    assert {c["origin"] for c in samples} == {"sample"} and all(c["owner"] for c in samples)


def test_queue_puts_flagged_first_by_model_confidence(env) -> None:  # type: ignore[no-untyped-def]
    queue = client(env, "supervisor").get("/api/cases").json()
    origins = [c["origin"] for c in queue]
    assert origins == sorted(origins, key=lambda o: o == "sample") and "sample" in origins
    assert [(c["call_id"], c["confidence"]) for c in queue[:3]] == [
        ("p10", 0.93),
        ("p09", 0.61),
        ("p02", 0.2),
    ]
    assert all(c["confidence"] is None for c in queue[3:])
    lead = client(env, "lead_b").get("/api/cases").json()
    assert [c["call_id"] for c in lead] == ["p10", "p09"]  # a team lead's queue, same order
    assert client(env, "supervisor").get("/api/cases", params={"origin": "x"}).status_code == 422


def test_dashboard_says_sample_too_small_before_any_review(env) -> None:  # type: ignore[no-untyped-def]
    body = client(env, "supervisor").get("/api/dashboard").json()
    assert body["miss_rate"]["reviewed"] == 0 and body["miss_rate"]["summary"].startswith("样本不足")
    assert body["processed"] == 14 and body["flagged"] == 14 - len(env.clean)


def test_reviewing_sampled_calls_and_the_miss_rate(env) -> None:  # type: ignore[no-untyped-def]
    missed_call, clean_call = env.clean[0], env.clean[1]
    owner, other, owner_name = owner_client(env, missed_call)

    r = other.post(f"/api/calls/{missed_call}/missed-violations", json=MISS)
    assert r.status_code == 403 and owner_name in r.json()["detail"]
    assert (
        client(env, "lead_a").post(f"/api/calls/{missed_call}/missed-violations", json=MISS).status_code
        == 404
    )
    assert (
        owner.post(
            f"/api/calls/{missed_call}/missed-violations", json=MISS | {"category": "off_hours"}
        ).status_code
        == 422
    )
    r = owner.post(
        f"/api/calls/{missed_call}/missed-violations", json=MISS | {"start_s": 9999.0, "end_s": 9999.5}
    )
    assert r.status_code == 422 and "time out of range" in r.json()["detail"]

    case = owner.post(f"/api/calls/{missed_call}/missed-violations", json=MISS).json()
    assert case["origin"] == "sample" and list(case["decisions"].values()) == ["confirmed"]
    hit = client(env, "admin").get(f"/api/calls/{missed_call}").json()["violations"][0]
    assert (hit["source"], hit["rule_id"], hit["text"], hit["confidence"]) == (
        "inspector",
        "manual",
        MISS["text"],
        None,
    )
    assert hit["explanation"].startswith("质检员补录：")
    assert owner.post(f"/api/calls/{missed_call}/verdict").json()["verdict"] == "confirmed"
    escalated = owner.post(f"/api/calls/{missed_call}/escalate", json={"proposed_action": "复训"}).json()
    assert escalated["state"] == "escalated"

    clean_owner, _, _ = owner_client(env, clean_call)
    assert clean_owner.post(f"/api/calls/{clean_call}/verdict").json()["verdict"] == "clean"

    r = client(env, "owner").post("/api/calls/p03/missed-violations", json=MISS)  # a flagged case
    assert r.status_code in (403, 409)

    body = client(env, "supervisor").get("/api/dashboard").json()["miss_rate"]
    assert (body["reviewed"], body["missed"], body["rate"]) == (2, 1, 0.5)
    assert body["summary"].startswith("抽检 2 通，发现漏检 1 通，估计漏检率 50.0%（95% 置信区间 9.5%–90.5%）")
    assert body["missed_calls"] == pytest.approx(0.5 * len(env.clean), abs=0.1)
    assert client(env, "lead_a").get("/api/dashboard").json()["miss_rate"]["reviewed"] == 0  # teamless calls
    page = client(env, "supervisor").get("/")
    assert page.status_code == 200 and "抽检 2 通，发现漏检 1 通" in page.text

    actions = [e["action"] for e in client(env, "supervisor").get("/api/audit").json()]
    assert "violation.add_missed" in actions and "case.sample" in actions
    assert client(env, "supervisor").get("/api/audit/verify").json()["ok"] is True


def test_pages_mark_samples_show_confidence_and_record_a_miss(env) -> None:  # type: ignore[no-untyped-def]
    call_id = env.clean[2]
    owner_name = client(env, "admin").get(f"/api/calls/{call_id}/case").json()["owner"]
    browser, csrf = login(env, owner_name)
    page = browser.get(f"/calls/{call_id}").text
    assert "抽检" in page and "补录漏检违规" in page and "未发现违规" in page
    form = re.search(r'<form method="post" action="(/calls/[^"]+/missed)"', page)
    assert form
    fields = {
        "csrf_token": csrf,
        "category": "abuse",
        "speaker": "agent",
        "text": "骂人的话",
        "start": "0:01",
    }
    assert browser.post(form.group(1), data=fields | {"csrf_token": "forged"}).status_code == 403
    r = browser.post(form.group(1), data=fields | {"end": "soon"})
    assert r.status_code == 422 and "结束时间" in r.text  # the call page again, with the reason
    assert browser.post(form.group(1), data=fields).status_code == 303
    page = browser.get(f"/calls/{call_id}").text
    assert "质检员补录" in page and "骂人的话" in page and "提交复核结论（确认漏检）" in page

    queue = browser.get("/review", params={"origin": "sample"}).text
    assert "抽检" in queue and call_id in queue and "p10" not in queue
    supervisor, _ = login(env, "a_sup")
    everything = supervisor.get("/review", params={"scope": "all", "finished": "1"}).text
    assert "<td>0.93</td>" in everything and everything.index("p10") < everything.index(env.clean[0])
    assert "置信度 0.93" in supervisor.get("/calls/p10").text
    assert supervisor.get("/review", params={"origin": "nonsense"}).status_code == 422


def test_missed_categories_of_the_api_match_the_workflow() -> None:
    from typing import get_args

    from callqa.review.workflow import MISSED_CATEGORIES

    assert get_args(MissedViolationIn.model_fields["category"].annotation) == MISSED_CATEGORIES
