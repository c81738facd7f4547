"""The QA report (质检报表) as people read it: Chinese headers and names, 时长 and hit times as mm:ss,
personal numbers masked for the viewer; one table of calls and hits, and one of figures per agent or
per team. Shared by the workbench (/reports/qa) and `callqa export`.

XLSX holds all three tables as sheets; CSV (UTF-8 with BOM, spreadsheet-safe: `callqa.exports`)
holds the one `sheet` names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Literal

from sqlalchemy.orm import Session

from callqa.exports import Sheet, csv_lines, xlsx_book
from callqa.masking import Masker
from callqa.store.models import Appeal, User
from callqa.store.qa_report import Figures, GroupBy, ReportRow, iter_report, reviewed_score, summary, total
from callqa.store.queries import CallFilters
from callqa.web.render import (
    CASE_STATES,
    CATEGORY_NAMES,
    DECISIONS,
    ORIGINS,
    OUTCOME_NAMES,
    SEVERITY_NAMES,
    SPEAKER_NAMES,
    STATUS_NAMES,
    VERDICTS,
    clock,
    local_time,
)

SheetName = Literal["details", "agents", "teams"]
SHEET_TITLES: dict[str, str] = {"details": "质检明细", "agents": "坐席汇总", "teams": "团队汇总"}
SHEETS: tuple[SheetName, ...] = ("details", "agents", "teams")
GROUPS: dict[SheetName, GroupBy] = {"agents": "agent", "teams": "team"}
DETAIL_COLUMNS = (  # header, width in characters
    ("通话编号", 16), ("开始时间", 17), ("坐席", 10), ("团队", 10), ("客户电话", 14), ("时长", 7),
    ("处理状态", 9), ("系统得分", 8), ("复核后得分", 10), ("复核来源", 9), ("复核状态", 10), ("质检员", 10),
    ("复核结论", 10), ("提交时间", 19), ("建议处理", 20), ("升级处理", 8), ("升级意见", 20), ("申诉", 30),
    ("终审结果", 8), ("终审意见", 20), ("违规类别", 14), ("规则", 22), ("严重程度", 8), ("说话人", 7),
    ("命中时间", 8), ("命中内容", 40), ("置信度", 7), ("判定", 7), ("判定人", 10), ("判定备注", 24),
)  # fmt: skip
SUMMARY_COLUMNS = (
    ("通话数", 8), ("疑似违规通话", 12), ("平均系统得分", 12), ("已复核通话", 10), ("确认违规通话", 12),
    ("全部误报通话", 12), ("命中数", 8), ("确认命中", 9), ("误报命中", 9), ("待判定命中", 10),
    ("命中确认率", 10),
)  # fmt: skip
NO_CASE = "无需复核"
UNDECIDED = "待判定"
MANUAL = "质检员补录"


def _appeals(appeals: list[Appeal], mask: Masker) -> str:
    """Each appeal as 理由（结果：意见）."""
    parts = []
    for a in appeals:
        outcome = OUTCOME_NAMES.get(a.decision or "", "待终审")
        comment = f"：{mask.text(a.comment)}" if a.comment else ""
        parts.append(f"{mask.text(a.reason)}（{outcome}{comment}）")
    return "；".join(parts)


def _call_cells(row: ReportRow, reviewed: int | None, mask: Masker) -> list[object]:
    call, case = row.call, row.case
    return [
        mask.text(call.call_id),
        (call.started_at or "")[:16].replace("T", " "),
        call.agent_id,
        call.team,
        mask.text(call.customer_phone),
        clock(call.duration_s),
        STATUS_NAMES.get(call.status, call.status),
        call.score,
        reviewed,
        ORIGINS.get(case.origin, case.origin) if case else None,
        CASE_STATES.get(case.state, case.state) if case else NO_CASE,
        row.owner,
        VERDICTS.get(case.verdict or "") if case else None,
        local_time(case.submitted_at) if case else None,
        mask.text(case.proposed_action) if case else None,
        OUTCOME_NAMES.get(case.escalation_decision or "") if case else None,
        mask.text(case.escalation_comment) if case else None,
        _appeals(case.appeals, mask) if case else None,
        OUTCOME_NAMES.get(case.final_outcome or "") if case else None,
        mask.text(case.final_comment) if case else None,
    ]


def _hit_cells(row: ReportRow, mask: Masker) -> list[object]:
    hit, decision = row.hit, row.decision
    if hit is None:
        return []
    decided: str | None = UNDECIDED if row.case is not None else None
    if decision is not None:
        decided = DECISIONS.get(decision.decision, decision.decision)
    return [
        CATEGORY_NAMES.get(hit.category, hit.category),
        MANUAL if hit.source == "inspector" else hit.rule_name,
        SEVERITY_NAMES.get(hit.severity, hit.severity),
        SPEAKER_NAMES.get(hit.speaker, hit.speaker),
        clock(hit.start_s),
        mask.text(hit.text),
        None if hit.confidence is None else round(hit.confidence, 2),
        decided,
        row.decided_by,
        mask.text(decision.comment) if decision is not None else None,
    ]


def detail_rows(rows: Iterable[ReportRow], mask: Masker) -> Iterator[list[object]]:
    """A line per hit (a call without hits: one line), each with its call's columns. A call's lines
    arrive together, so its score after review is computed from all its hits before the first."""
    for _pk, lines in groupby(rows, key=lambda r: r.call.id):
        group = list(lines)
        case = group[0].case
        hits = [(r.hit, r.decision.decision if r.decision else None) for r in group if r.hit is not None]
        reviewed = reviewed_score(hits) if case is not None and case.verdict is not None else None
        call_cells = _call_cells(group[0], reviewed, mask)
        for r in group:
            yield call_cells + _hit_cells(r, mask)


def _percent(share: float | None) -> str | None:
    return None if share is None else f"{100 * share:.1f}%"


def summary_rows(figures: list[Figures]) -> Iterator[list[object]]:
    """A line per agent or team, then the 合计 line."""
    for f in [*figures, total(figures)] if figures else []:
        yield [f.key, f.calls, f.flagged, f.mean_score, f.reviewed, f.confirmed, f.all_false_positive, f.hits,
               f.hits_confirmed, f.hits_false_positive, f.hits_undecided, _percent(f.precision)]  # fmt: skip


def _header(sheet: SheetName) -> list[tuple[str, float]]:
    if sheet == "details":
        return list(DETAIL_COLUMNS)
    return [("坐席" if sheet == "agents" else "团队", 14), *SUMMARY_COLUMNS]


def _rows(
    session: Session, viewer: User | None, mask: Masker, filters: CallFilters, sort: str, sheet: SheetName
) -> Iterable[list[object]]:
    if sheet == "details":
        return detail_rows(iter_report(session, viewer, filters, sort), mask)
    return summary_rows(summary(session, viewer, GROUPS[sheet], filters))


def report_sheet(
    session: Session, viewer: User | None, mask: Masker, filters: CallFilters, sort: str, sheet: SheetName
) -> Sheet:
    columns = _header(sheet)
    return Sheet(
        SHEET_TITLES[sheet],
        [name for name, _ in columns],
        _rows(session, viewer, mask, filters, sort, sheet),
        [width for _, width in columns],
    )


def xlsx_report(
    session: Session, viewer: User | None, mask: Masker, filters: CallFilters, sort: str
) -> bytes:
    """The workbook: 质检明细, 坐席汇总 and 团队汇总."""
    return xlsx_book(report_sheet(session, viewer, mask, filters, sort, name) for name in SHEETS)


def csv_report(
    session: Session, viewer: User | None, mask: Masker, filters: CallFilters, sort: str, sheet: SheetName
) -> Iterator[str]:
    """One of the tables as CSV text, a line at a time (UTF-8 with BOM when encoded)."""
    table = report_sheet(session, viewer, mask, filters, sort, sheet)
    return csv_lines(table.header, table.rows)
