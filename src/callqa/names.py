"""What users call the codes the system stores: roles, call statuses, categories, case states,
verdicts, decisions, severities, speakers and outcomes, in Simplified Chinese.

One home for every layer: pages and exports show these names, and domain refusals
(`callqa.errors`) name states and roles with them, so a message reads as the page does. The API's
JSON keeps the codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
REVIEW_STATES = CASE_STATES | {"none": "无需复核"}  # a call's review state: its case's, or none
VERDICTS = {"confirmed": "确认违规", "all_false_positive": "全部误报", "clean": "未发现违规"}
ORIGINS = {"flagged": "疑似违规", "sample": "抽检"}
DECISIONS = {"confirmed": "确认", "false_positive": "误报"}
SPEAKER_NAMES = {"agent": "坐席", "customer": "客户", "unknown": "未区分", "call": "通话"}
SEVERITY_NAMES = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
FINAL_OUTCOMES = {"upheld": "维持原结论", "overturned": "改判误报", "partly": "部分改判",
                  "closed": "终审结案", "approved": "同意处理措施并结案"}  # fmt: skip
APPEAL_HIT_OUTCOMES = {"upheld": "维持", "overturned": "改判误报"}  # the 终审 on one contested hit
APPEAL_DECISIONS = {"uphold": "维持", "overturn": "改判误报"}  # what a supervisor picks for one
QUEUE_SORTS = {"priority": "优先级", "severity": "严重程度", "score": "分数（低分在前）",
               "age": "等待时间（最久在前）"}  # fmt: skip
ESCALATION_DECISIONS = {"approved": "同意处理措施", "rejected": "驳回"}
# escalation decisions, appeal decisions and 终审 outcomes
OUTCOME_NAMES = ESCALATION_DECISIONS | FINAL_OUTCOMES
PROMISE_STATUS_NAMES = {"pending": "待兑现", "kept": "已兑现", "broken": "已违约"}  # a promise to pay
MODEL_VERSION_NAMES = {"shipped": "出厂模型"}  # the text model that comes with callqa; others: ws-<n>


def name(names: Mapping[str, str], code: str | None) -> str:
    """The code's name, or the code itself when it has none (never dropped)."""
    return "" if code is None else names.get(code, code)


def either(names: Mapping[str, str], codes: Iterable[str]) -> str:
    """'质检主管或管理员': the codes' names as alternatives."""
    return "或".join(name(names, c) for c in codes)


def listed(names: Mapping[str, str], codes: Iterable[str]) -> str:
    """'威胁恐吓、辱骂侮辱': the codes' names as a list."""
    return "、".join(name(names, c) for c in codes)


def hit_label(position: int, category: str, words: str | None, width: int = 16) -> str:
    """A hit as the call page shows it: its number there (#1 the earliest), category and words:
    '#2 威胁恐吓「你再不还钱，你孩子以后…」'."""
    said = (words or "").strip()
    quoted = f"「{said[:width]}…」" if len(said) > width else f"「{said}」" if said else ""
    return f"#{position} {name(CATEGORY_NAMES, category)}{quoted}"


def role_refusal(role: str, allowed: Iterable[str]) -> str:
    """Why a user of `role` may not do what only the `allowed` roles may."""
    return f"{name(ROLE_NAMES, role)}无权执行此操作，需要{either(ROLE_NAMES, allowed)}"
