"""Jinja2 templates with the helpers every page uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from callqa.transcript import clock

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

ROLE_NAMES = {"admin": "管理员", "supervisor": "质检主管", "inspector": "质检员", "team_lead": "催收组长"}
CATEGORY_NAMES = {
    "threat": "威胁恐吓",
    "abuse": "辱骂侮辱",
    "third_party_disclosure": "向第三方透露债务",
    "impersonation": "冒充公检法",
    "false_legal_claim": "虚假法律后果",
    "improper_repayment": "不当还款诱导",
    "missing_identification": "未表明身份",
    "off_hours": "非规定时段催收",
    "excessive_frequency": "频繁催收",
    "service_quality": "服务规范",
}
STATUS_NAMES = {
    "pending": "待处理",
    "processing": "处理中",
    "clean": "合规",
    "flagged": "疑似违规",
    "failed": "失败",
}
CASE_STATES = {"unassigned": "待认领", "open": "复核中", "submitted": "已提交", "escalated": "已升级",
               "decided": "主管已处理", "appealed": "申诉中", "final": "已结案"}  # fmt: skip
SEVERITY_NAMES = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
FINAL_OUTCOMES = {"upheld": "维持原结论", "overturned": "改判误报", "partly": "部分改判",
                  "closed": "终审结案", "approved": "同意处理措施并结案"}  # fmt: skip
APPEAL_HIT_OUTCOMES = {"upheld": "维持", "overturned": "改判误报"}
QUEUE_SORTS = {"priority": "优先级", "severity": "严重程度", "score": "分数（低分在前）",
               "age": "等待时间（最久在前）"}  # fmt: skip
VERDICTS = {"confirmed": "确认违规", "all_false_positive": "全部误报", "clean": "未发现违规"}
ORIGINS = {"flagged": "疑似违规", "sample": "抽检"}
DECISIONS = {"confirmed": "确认", "false_positive": "误报"}
SPEAKER_NAMES = {"agent": "坐席", "customer": "客户", "unknown": "未区分", "call": "通话"}
ESCALATION_DECISIONS = {"approved": "同意处理措施", "rejected": "驳回"}
# escalation decisions, appeal decisions and 终审 outcomes
OUTCOME_NAMES = ESCALATION_DECISIONS | FINAL_OUTCOMES


def local_time(at: datetime | None) -> str:
    """A stored time (UTC, naive) on the server's clock, to the second; '' for None."""
    return at.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S") if at else ""


def waited(seconds: int | None) -> str:
    """How long something has waited, in the largest whole unit: 3 天, 5 小时, 12 分钟."""
    if seconds is None:
        return ""
    for unit, name in ((86_400, "天"), (3_600, "小时"), (60, "分钟")):
        if seconds >= unit:
            return f"{seconds // unit} {name}"
    return "不到 1 分钟"


templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, CATEGORY_NAMES=CATEGORY_NAMES, STATUS_NAMES=STATUS_NAMES,
                             SPEAKER_NAMES=SPEAKER_NAMES, CASE_STATES=CASE_STATES, VERDICTS=VERDICTS,
                             DECISIONS=DECISIONS, ORIGINS=ORIGINS, SEVERITY_NAMES=SEVERITY_NAMES,
                             FINAL_OUTCOMES=FINAL_OUTCOMES, APPEAL_HIT_OUTCOMES=APPEAL_HIT_OUTCOMES,
                             QUEUE_SORTS=QUEUE_SORTS, ESCALATION_DECISIONS=ESCALATION_DECISIONS,
                             OUTCOME_NAMES=OUTCOME_NAMES)  # fmt: skip
templates.env.filters["clock"] = clock
templates.env.filters["waited"] = waited


def percent(share: float | None) -> str:
    """A 0..1 share as the pages show it: 12.5%, or — when there is no base."""
    return "—" if share is None else f"{100 * share:.1f}%"


templates.env.filters["percent"] = percent
