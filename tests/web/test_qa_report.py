"""The QA report (质检报表): verdicts, hit decisions, scores, notes, agent and team, 时长 as mm:ss, with
per-agent and per-team figures; XLSX read back with openpyxl, CSV checked byte for byte (BOM); from
the workbench (masked, team-restricted, audited) and from `callqa export`."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from callqa.review import accounts, workflow
from callqa.store.models import AuditEntry, Call, Violation
from tests.conftest import run_cli

from .test_api import TEAMS, build_api, client, violation_ids

NOTE = '=HYPERLINK("http://x")听录音确认'  # a note a spreadsheet must not run


@pytest.fixture(scope="module")
def env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    built = build_api(example_workspace, tmp_path_factory.mktemp("report") / "ws")
    with built.db.session() as session:
        inspector = accounts.get_user(session, "a_insp")  # owns p02 (assigned automatically)
        for k, vid in enumerate(violation_ids(built, "p02")):
            workflow.decide_violation(session, inspector, vid, "confirmed" if k == 0 else "false_positive",
                                      NOTE if k == 0 else None)  # fmt: skip
        workflow.submit_verdict(session, inspector, "p02")
    with built.db.session() as session:
        workflow.appeal(session, accounts.get_user(session, "a_lead_a"), "p02", "客户先辱骂")
    with built.db.session() as session:
        workflow.decide_appeal(session, accounts.get_user(session, "a_sup"), "p02", "uphold", "维持原判")
    yield built
    built.db.close()


def sheet_rows(book: openpyxl.Workbook, name: str) -> list[dict[str, object]]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def xlsx(env, role: str, **params: str) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    r = client(env, role).get("/reports/qa", params={"format": "xlsx", **params})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(r.content))


def csv_rows(env, role: str, **params: str) -> tuple[bytes, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    r = client(env, role).get("/reports/qa", params={"format": "csv", **params})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    return r.content, list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_xlsx_holds_verdicts_decisions_scores_and_notes(env) -> None:  # type: ignore[no-untyped-def]
    book = xlsx(env, "supervisor")
    assert book.sheetnames == ["质检明细", "坐席汇总", "团队汇总"]
    details = sheet_rows(book, "质检明细")
    p02 = [r for r in details if r["通话编号"] == "p02"]
    hits = violation_ids(env, "p02")
    assert len(p02) == len(hits) > 1  # a line per hit
    with env.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_id == "p02"))
        assert call is not None
        minutes, seconds = divmod(int(call.duration_s or 0), 60)
        first_rule = session.get_one(Violation, hits[0])
        kept = 100 - first_rule.deduction  # only the confirmed hit's rule deducts after review
        system_score = call.score
    first = p02[0]
    assert first["时长"] == f"{minutes:02d}:{seconds:02d}" and re.fullmatch(
        r"\d\d:\d\d", str(first["命中时间"])
    )
    assert first["坐席"] == "A2015" and first["团队"] == "A" and first["客户电话"] == "13800001111"
    assert first["系统得分"] == system_score and isinstance(first["系统得分"], int)
    assert first["复核后得分"] == kept and first["复核结论"] == "确认违规" and first["质检员"] == "a_insp"
    assert (
        first["复核来源"] == "疑似违规"
        and first["复核状态"] == "已结案"
        and first["终审结果"] == "维持原结论"
    )
    assert first["申诉"] == "客户先辱骂（维持原结论：维持原判）"
    confirmed = [r for r in p02 if r["判定"] == "确认"]
    assert [(r["判定人"], r["判定备注"]) for r in confirmed] == [("a_insp", NOTE)]
    assert sorted(r["判定"] for r in p02) == ["确认"] + ["误报"] * (len(hits) - 1)
    notes = [c for row in book["质检明细"].iter_rows() for c in row if c.value == NOTE]
    assert [c.data_type for c in notes] == ["s"]  # the note stays text, never a formula
    assert first["违规类别"] and first["规则"] and first["严重程度"] in ("低", "中", "高", "严重")
    clean = [r for r in details if r["通话编号"] == "p01"]
    assert len(clean) == 1 and clean[0]["复核状态"] == "无需复核" and clean[0]["违规类别"] is None
    p03 = [r for r in details if r["通话编号"] == "p03"]
    assert p03 and {r["判定"] for r in p03} == {"待判定"} and p03[0]["复核后得分"] is None
    with env.db.session() as session:
        lines = session.scalar(select(func.count(Violation.id))) + session.scalar(
            select(func.count(Call.id)).where(~Call.id.in_(select(Violation.call_pk)))
        )
    assert len(details) == lines


def test_per_agent_and_per_team_figures(env) -> None:  # type: ignore[no-untyped-def]
    book = xlsx(env, "supervisor")
    agents = {r["坐席"]: r for r in sheet_rows(book, "坐席汇总")}
    n_hits = len(violation_ids(env, "p02"))
    a2015 = agents["A2015"]
    assert (a2015["通话数"], a2015["已复核通话"], a2015["确认违规通话"]) == (1, 1, 1)
    assert (a2015["命中数"], a2015["确认命中"], a2015["误报命中"], a2015["待判定命中"]) == (
        n_hits,
        1,
        n_hits - 1,
        0,
    )
    assert a2015["命中确认率"] == f"{100 / n_hits:.1f}%"
    with env.db.session() as session:
        all_hits = session.scalar(select(func.count(Violation.id)))
        flagged = session.scalar(select(func.count(Call.id)).where(Call.status == "flagged"))
    total = agents["合计"]
    assert total["通话数"] == 14 and total["命中数"] == all_hits and total["疑似违规通话"] == flagged
    assert total["待判定命中"] == all_hits - n_hits
    teams = {r["团队"]: r for r in sheet_rows(book, "团队汇总")}
    assert teams["A"]["通话数"] == len(TEAMS["A"]) and teams["B"]["通话数"] == len(TEAMS["B"])
    assert teams["（未分组）"]["通话数"] == 14 - len(TEAMS["A"]) - len(TEAMS["B"])


def test_csv_has_a_bom_and_the_same_rows(env) -> None:  # type: ignore[no-untyped-def]
    raw, rows = csv_rows(env, "supervisor")
    assert raw.startswith(
        b"\xef\xbb\xbf\xe9\x80\x9a\xe8\xaf\x9d\xe7\xbc\x96\xe5\x8f\xb7,"
    )  # BOM, then 通话编号
    assert len(rows) == len(sheet_rows(xlsx(env, "supervisor"), "质检明细"))
    note = next(r for r in rows if r["通话编号"] == "p02" and r["判定"] == "确认")
    assert note["判定备注"] == "'" + NOTE  # a leading apostrophe: Excel shows it as text
    _, agents = csv_rows(env, "supervisor", sheet="agents")
    assert list(agents[0])[:3] == ["坐席", "通话数", "疑似违规通话"] and agents[-1]["坐席"] == "合计"
    _, teams = csv_rows(env, "supervisor", sheet="teams")
    assert {r["团队"] for r in teams} >= {"A", "B", "合计"}
    abuse = {r["通话编号"] for r in csv_rows(env, "supervisor", category="abuse")[1]}
    assert abuse and "p01" not in abuse and "p02" in abuse  # the call list's filters apply


def test_masked_and_team_restricted(env) -> None:  # type: ignore[no-untyped-def]
    raw, rows = csv_rows(env, "inspector")
    assert b"13800001111" not in raw and rows[0]["客户电话"].count("*") >= 4
    _, lead_rows = csv_rows(env, "lead_a")
    assert {r["通话编号"] for r in lead_rows} == set(TEAMS["A"])
    _, lead_teams = csv_rows(env, "lead_a", sheet="teams")
    assert [r["团队"] for r in lead_teams] == ["A", "合计"]
    assert client(env, "anon").get("/reports/qa").status_code == 303


def test_every_export_is_audited(env) -> None:  # type: ignore[no-untyped-def]
    with env.db.session() as session:
        before = session.scalar(select(func.count()).where(AuditEntry.action == "export.qa_report"))
    client(env, "supervisor").get("/reports/qa", params={"format": "csv", "sheet": "teams", "team": "A"})
    with env.db.session() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "export.qa_report")))
    assert len(entries) == before + 1
    last = entries[-1]
    assert (last.actor, last.entity, last.entity_id) == ("a_sup", "qa_report", "csv")
    assert last.after == '{"filters":{"team":"A"},"sheet":"teams"}'
    page = client(env, "supervisor").get("/audit", params={"action": "export.qa_report"}).text
    assert "导出质检报表" in page and "质检报表（CSV）" in page and "内容：团队汇总" in page


def test_the_command_line_writes_the_same_report(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "报表.xlsx"
    code, _, stderr = run_cli("export", "-w", str(env.ws.root), "-o", str(target))
    assert code == 0, stderr
    assert os.stat(target).st_mode & 0o777 == 0o600  # customers' numbers: this account only
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["质检明细", "坐席汇总", "团队汇总"]
    assert len(sheet_rows(book, "质检明细")) == len(sheet_rows(xlsx(env, "supervisor"), "质检明细"))
    code, stdout, _ = run_cli(
        "export", "-w", str(env.ws.root), "-f", "csv", "--sheet", "agents", "--team", "B"
    )
    assert code == 0 and stdout.startswith("\ufeff坐席,通话数")
    assert [r["坐席"] for r in csv.DictReader(io.StringIO(stdout.lstrip("\ufeff")))][-1] == "合计"
    assert run_cli("export", "-w", str(env.ws.root))[0] == 2  # xlsx needs a file
    assert run_cli("export", "-w", str(env.ws.root), "-f", "csv", "--since", "yesterday")[0] == 2
    assert run_cli("export", "-w", str(env.ws.root), "-f", "csv", "--status", "odd")[0] == 2
    with env.db.session() as session:
        actors = list(
            session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "export.qa_report"))
        )
    assert sum(a.startswith("cli") for a in actors) == 2
