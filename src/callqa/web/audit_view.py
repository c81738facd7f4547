"""Audit entries as people read them: the action in Chinese, the object as users name it (with a link
to its call), and what changed as "字段：旧值 → 新值" lines instead of stored JSON.

The stored entry (and the API and CSV export) keeps the codes; only this view translates them. An
action or field this table does not know is shown by its code, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from callqa.masking import Masker
from callqa.names import (
    APPEAL_HIT_OUTCOMES,
    CASE_STATES,
    CATEGORY_NAMES,
    DECISIONS,
    ORIGINS,
    OUTCOME_NAMES,
    ROLE_NAMES,
    SEVERITY_NAMES,
    SPEAKER_NAMES,
    STATUS_NAMES,
    VERDICTS,
)
from callqa.review.audit import CALL_ENTITIES
from callqa.review.workflow import SYSTEM
from callqa.store.models import AuditEntry
from callqa.web.qa_report import SHEET_TITLES

ACTION_NAMES = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.logout": "退出登录",
    "user.create": "新增用户",
    "user.reset_password": "重置密码",
    "user.enable": "启用账号",
    "user.disable": "停用账号",
    "user.unlock": "解除锁定",
    "user.signout_everywhere": "全部退出",
    "session.revoke": "撤销登录会话",
    "api_token.create": "创建 API 令牌",
    "api_token.revoke": "撤销 API 令牌",
    "call.upload": "上传录音",
    "call.audio": "播放录音",
    "export.calls": "导出通话列表",
    "export.qa_report": "导出质检报表",
    "export.audit": "导出审计日志",
    "case.open": "建立复核",
    "case.auto_assign": "自动分配复核",
    "case.auto_verdict": "系统自动给出结论",
    "case.sample": "抽检入选",
    "case.claim": "认领复核",
    "case.reassign": "改派复核",
    "case.reopen": "重新打开复核",
    "case.withdraw": "撤销复核",
    "case.submit": "提交复核结论",
    "case.escalate": "升级",
    "case.decide_escalation": "处理升级",
    "case.final": "终审结案",
    "appeal.file": "提出申诉",
    "appeal.decide": "申诉终审",
    "violation.auto_confirm": "系统自动确认违规",
    "violation.overturn": "终审改判误报",
    "violation.decide": "判定违规",
    "violation.add_missed": "补录漏检违规",
    "model.learn": "重新训练文本模型",
    "model.use": "切换文本模型",
    "rules.recheck": "重新检查",
}
FIELD_NAMES = {
    "username": "用户名",
    "user": "用户",
    "role": "角色",
    "team": "团队",
    "active": "账号状态",
    "created_at": "创建时间",
    "failed_logins": "登录失败次数",
    "locked_until": "登录限制至",
    "delayed_until": "登录限制至",
    "ended_sessions": "结束的会话",
    "revoked_tokens": "撤销的令牌",
    "address": "地址",
    "user_agent": "浏览器",
    "expires_at": "过期时间",
    "last_seen_at": "最近活动",
    "last_used_at": "最近使用",
    "revoked": "已撤销",
    "name": "名称",
    "call_id": "通话",
    "file": "文件",
    "size_bytes": "大小（字节）",
    "filters": "筛选条件",
    "format": "格式",
    "sheet": "内容",
    "rows": "行数",
    "state": "状态",
    "origin": "来源",
    "owner": "负责人",
    "verdict": "复核结论",
    "system_verdict": "系统结论",
    "reviewed_score": "复核后得分",
    "submitted_at": "提交时间",
    "proposed_action": "建议处理",
    "escalated_at": "升级时间",
    "escalation_decision": "升级处理",
    "escalation_comment": "升级意见",
    "final_outcome": "终审结果",
    "final_at": "终审时间",
    "final_comment": "终审意见",
    "decisions": "逐条判定",
    "auto_confirmed": "自动确认",
    "appeals": "申诉",
    "reason": "理由",
    "filed_at": "申诉时间",
    "hits": "申诉的违规",
    "decision": "判定",
    "comment": "备注",
    "rule_id": "规则",
    "category": "违规类别",
    "severity": "严重程度",
    "speaker": "说话人",
    "start_s": "开始（秒）",
    "end_s": "结束（秒）",
    "text": "内容",
    "explanation": "说明",
    "version": "版本",
    "trained_on": "训练样本",
    "verdict_weight": "结论权重",
    "selection": "范围",
    "since": "起始日期",
    "until": "结束日期",
    "calls": "通话数",
    "changed_calls": "有变化的通话",
    "new": "新增命中",
    "unchanged": "未变命中",
    "returned": "恢复命中",
    "missing": "缺失",
    "seconds": "用时（秒）",
    "dry_run": "仅预览",
    "agent": "坐席",
    "status": "状态",
    "review_state": "复核状态",
    "min_score": "最低分",
    "max_score": "最高分",
}
VALUE_NAMES: dict[str, Mapping[str, str]] = {
    "role": ROLE_NAMES,
    "state": CASE_STATES,
    "review_state": CASE_STATES,
    "origin": ORIGINS,
    "verdict": VERDICTS,
    "decision": DECISIONS | OUTCOME_NAMES,
    "escalation_decision": OUTCOME_NAMES,
    "final_outcome": OUTCOME_NAMES,
    "category": CATEGORY_NAMES,
    "severity": SEVERITY_NAMES,
    "speaker": SPEAKER_NAMES,
    "status": STATUS_NAMES,
    "sheet": {"all": "全部", **SHEET_TITLES},
}
HIDDEN_FIELDS = {"id", "ref", "hash", "prev_hash"}  # row ids and links: noise to a reader
ENTITY_NAMES = {
    "user": "用户",
    "web_session": "登录会话",
    "api_token": "API 令牌",
    "model": "文本模型",
    "rule_pack": "规则包",
    "violation": "违规",
}
EXPORTS = {"calls": "通话列表", "qa_report": "质检报表", "audit_log": "审计日志"}
EMPTY = "（空）"


def field_name(key: str) -> str:
    return FIELD_NAMES.get(key, key)


def value_text(key: str, value: object) -> str:
    """One value as a reader wants it: codes named, yes/no for flags, nested objects as 键：值."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if key == "active" and isinstance(value, bool):
        return "启用" if value else "停用"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        named = VALUE_NAMES.get(key, {}).get(value)
        if named:
            return named
        if len(value) == 19 and value[10] == "T" and value[4] == "-":  # an ISO time to the second
            return value.replace("T", " ")
        return value
    if isinstance(value, Mapping):
        if key == "decisions":  # violation id → decision
            return "；".join(f"#{k} {value_text('decision', v)}" for k, v in value.items())
        if key == "hits":  # an appeal's contested violation id → its 终审 (None: pending)
            return "；".join(f"#{k} {APPEAL_HIT_OUTCOMES.get(v or '', '待终审')}" for k, v in value.items())
        return "，".join(f"{field_name(k)}：{value_text(k, value[k])}" for k in _reading_order(value))
    if isinstance(value, list):
        return "；".join(value_text(key, v) for v in value)
    return str(value)


def _reading_order(keys: Iterable[str]) -> list[str]:
    """Fields in FIELD_NAMES' order (who, what, then details), unknown ones last; stored snapshots
    are sorted by code, which reads as noise."""
    rank = {key: n for n, key in enumerate(FIELD_NAMES)}
    return sorted((k for k in keys if k not in HIDDEN_FIELDS), key=lambda k: (rank.get(k, len(rank)), k))


def changes(before: object, after: object) -> list[str]:
    """What an entry records, a line per field: with both snapshots the changed fields as 旧 → 新;
    with one, its fields that hold something."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        lines = []
        for key in _reading_order({*after, *before}):
            if before.get(key) != after.get(key):
                old, new = value_text(key, before.get(key)), value_text(key, after.get(key))
                lines.append(f"{field_name(key)}：{old} → {new}")
        return lines
    if before is not None and after is None:
        return ["删除前：", *changes(None, before)]
    if isinstance(after, Mapping):
        shown = [k for k in _reading_order(after) if value_text(k, after[k]) != EMPTY]
        return [f"{field_name(k)}：{value_text(k, after[k])}" for k in shown]
    return [] if after is None else [value_text("", after)]


@dataclass(frozen=True)
class Target:
    """What an entry is about, as users name it, and the page that shows it (if any)."""

    text: str
    href: str | None = None


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def actor_name(actor: str) -> str:
    """Who acted: a username as it is; the pipeline as 系统; an operator at the server's command line
    (`cli:<login>`) as 命令行（<login>）."""
    if actor == SYSTEM:
        return "系统"
    if actor.startswith("cli:"):
        return f"命令行（{actor[4:]}）"
    return actor


def target(entry: AuditEntry, calls: Mapping[str, int], hit_calls: Mapping[str, str], mask: Masker) -> Target:
    """The entry's object as `mask`'s viewer may see it. `calls` maps the call_ids the viewer may open
    to their row ids; `hit_calls` a violation id to the call_id it was found on."""
    entity, entity_id = entry.entity, entry.entity_id
    call_id: str | None = None
    if entity in CALL_ENTITIES:
        call_id, text = entity_id, "通话 {call}"
    elif entity == "violation":
        call_id = hit_calls.get(entity_id) or _after_call_id(entry)
        text = "通话 {call} 的违规 #" + entity_id
    if call_id is not None:
        pk = calls.get(call_id)
        href = f"/calls/{mask.call_ref(call_id, pk)}" if pk is not None else None
        return Target(text.format(call=mask.text(call_id)), href)
    if entity in EXPORTS:  # entity_id is the file format
        return Target(f"{EXPORTS[entity]}（{entity_id.upper()}）")
    if entity == "user":
        return Target(f"用户 {mask.text(entity_id)}")
    return Target(f"{ENTITY_NAMES.get(entity, entity)} {mask.text(entity_id)}")


def _after_call_id(entry: AuditEntry) -> str | None:
    """The call_id a hit's entry names (a hit a recheck has since removed is not in the database)."""
    try:
        after = json.loads(entry.after or "null")
    except ValueError:
        return None
    call_id = after.get("call_id") if isinstance(after, dict) else None
    return call_id if isinstance(call_id, str) else None


def call_ids(entries: list[AuditEntry]) -> tuple[set[str], set[int]]:
    """The call_ids and violation ids the entries are about (to look up in one query each)."""
    calls = {e.entity_id for e in entries if e.entity in CALL_ENTITIES}
    hits = set()
    for e in entries:
        if e.entity == "violation":
            if e.entity_id.isdigit():
                hits.add(int(e.entity_id))
            if named := _after_call_id(e):
                calls.add(named)
    return calls, hits
