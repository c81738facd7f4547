"""The REST API's request and response bodies (pydantic), shared by the routers in callqa.web.api.

Every string a client sends is `Text`: valid Unicode (a lone surrogate such as "\\ud800" is refused
with 422 instead of failing later in the database) and bounded in length.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, Field

from callqa.rules.model import Severity, TextCategory

MAX_ID = 2**53  # larger ids cannot exist (and would overflow SQLite's integers)


def _valid_unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (unpaired surrogate)") from None
    return value


Unicode = AfterValidator(_valid_unicode)
Text = Annotated[str, Field(max_length=2000), Unicode]  # free text: comments, reasons
RequiredText = Annotated[str, Field(min_length=1, max_length=2000), Unicode]
Name = Annotated[str, Field(min_length=1, max_length=100), Unicode]
ShortText = Annotated[str, Field(max_length=100), Unicode]
TokenName = Annotated[str, Field(min_length=1, max_length=200), Unicode]
Comment = Annotated[Text | None, Field(description="optional note")]
CallRef = Annotated[str, Path(max_length=200, description="call_id, or '~<n>' as given in `ref`")]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Filter = Annotated[str | None, Query(max_length=100)]
Score = Annotated[int | None, Query(ge=0, le=100)]

CallStatus = Literal["pending", "processing", "clean", "flagged", "failed"]
CaseOrigin = Literal["flagged", "sample"]
QueueSort = Literal["priority", "severity", "score", "age"]
CaseState = Literal["unassigned", "open", "submitted", "escalated", "decided", "appealed", "final"]
ReviewStateFilter = Literal[
    "none", "unassigned", "open", "submitted", "escalated", "decided", "appealed", "final"
]
CallSort = Literal[
    "started_at",
    "-started_at",
    "score",
    "-score",
    "call_id",
    "-call_id",
    "agent",
    "-agent",
    "duration",
    "-duration",
]
Role = Literal["admin", "supervisor", "inspector", "team_lead"]
AdminAction = Literal["disable", "enable", "unlock", "signout-everywhere"]
Username = Annotated[str, Path(min_length=1, max_length=100)]


# --- responses -----------------------------------------------------------------------------------


class ViolationOut(BaseModel):
    id: int
    category: str
    rule_id: str
    rule_name: str
    severity: str
    speaker: str
    start_s: float
    end_s: float
    text: str
    explanation: str
    source: Literal["rule", "inspector"] = Field(
        description="rule: found by the rule pack; inspector: missed by it, recorded in 抽检"
    )
    confidence: float | None = Field(description="the text model's probability (0..1), if it scored the hit")
    decision: str | None = Field(None, description="the review decision, when listed with one")
    vanished: bool = Field(
        False, description="decided, but a recheck with the current rules no longer finds it"
    )


class AcousticsOut(BaseModel):
    """How the call sounds, measured when it was processed; per-role figures are null on mono calls."""

    silence_s: float = Field(description="dead air between first and last speech, pauses of 2 s and more")
    longest_silence_s: float
    overtalk_s: float | None = Field(description="both speaking at once (stereo calls)")
    agent_interruptions: int | None = Field(description="the agent cut the customer off (stereo calls)")
    agent_chars_per_min: float | None
    customer_chars_per_min: float | None
    agent_loud_s: float | None = Field(description="the agent 10 dB or more above their own median level")


class PromiseOut(BaseModel):
    date: str = Field(description="the day the customer promised to pay by (YYYY-MM-DD)")
    amount_yuan: float | None = Field(description="the promised sum; null when none was said")
    text: str = Field(description="the words of the promise")
    start_s: float
    status: Literal["pending", "kept", "broken"] = Field(description="judged against imported payments")
    paid_yuan: float | None = Field(description="payments that count towards it")


class CallOut(BaseModel):
    call_id: str = Field(description="masked for roles that may not see customer numbers")
    ref: str = Field(description="names the call in API paths and links")
    file: str
    agent_id: str | None
    team: str | None
    customer_phone: str | None
    started_at: str | None
    duration_s: float | None
    status: str
    score: int | None
    error: str | None
    review_state: str | None = Field(description="state of the call's review case, if it has one")
    violations: list[ViolationOut]
    acoustics: AcousticsOut | None = Field(description="null: not processed, or processed before acoustics")
    ptp: PromiseOut | None = Field(None, description="the customer's promise to pay (承诺还款), if any")


class CallPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CallOut]


class SegmentOut(BaseModel):
    speaker: str
    start_s: float
    end_s: float
    text: str


class TranscriptOut(BaseModel):
    call_id: str
    ref: str
    segments: list[SegmentOut]


class ViolationRowOut(ViolationOut):
    call_id: str
    ref: str
    agent_id: str | None
    team: str | None
    started_at: str | None


class ViolationPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ViolationRowOut]


class SearchHitOut(BaseModel):
    call_id: str
    ref: str
    speaker: str
    start_s: float
    end_s: float
    text: str
    snippet: str = Field(description="the text around the matches, each match marked 【like this】")
    matches: list[list[int]] = Field(description="[start, end) character offsets of the matches in `text`")


class SearchOut(BaseModel):
    q: str
    fuzzy: bool
    hits: list[SearchHitOut]


class AppealOut(BaseModel):
    id: int
    reason: str
    filed_at: str | None
    hits: dict[str, str | None] = Field(
        description="contested violation id → the 终审 on it: upheld | overturned (null: not yet decided)"
    )
    decision: str | None = Field(description="upheld | overturned | partly (some contested ones each way)")
    comment: str | None


class CaseOut(BaseModel):
    id: int
    call_id: str
    ref: str
    team: str | None
    agent: str | None
    state: str
    origin: Literal["flagged", "sample"] = Field(description="sample: a clean call drawn for 抽检")
    owner: str | None
    verdict: str | None
    reviewed_score: int | None = Field(
        description="100 minus the deductions of the rules with a confirmed violation (once per rule); "
        "null before the verdict"
    )
    created_at: str | None
    submitted_at: str | None
    system_verdict: bool = Field(
        description="the system gave the verdict: every hit was of auto_confirm rules"
    )
    proposed_action: str | None
    escalated_at: str | None
    escalation_decision: str | None
    escalation_comment: str | None
    final_outcome: str | None = Field(description="upheld | overturned | partly | closed | approved")
    final_at: str | None
    final_comment: str | None
    decisions: dict[str, str] = Field(description="violation id → confirmed | false_positive")
    auto_confirmed: list[int] = Field(description="violations the system confirmed (auto_confirm rules)")
    appeals: list[AppealOut]


class QueuedCaseOut(CaseOut):
    confidence: float | None = Field(description="the highest text-model confidence of the call's hits")
    hits: int = Field(description="the call's current hits (those a recheck still finds)")
    severity: str | None = Field(description="the highest severity among them")
    score: int | None = Field(description="reviewed_score once there is a verdict, else the system's score")
    age_s: int = Field(description="seconds since the case was opened")


class MissRateOut(BaseModel):
    reviewed: int = Field(description="sampled (抽检) clean calls whose review has a verdict")
    missed: int = Field(description="of those, calls with a violation the system missed")
    clean_calls: int
    rate: float | None = Field(description="missed / reviewed; null when nothing was reviewed")
    low: float | None = Field(description="95% Wilson score interval of the rate")
    high: float | None
    missed_calls: float | None = Field(description="rate × clean calls: estimated missed violating calls")
    missed_calls_low: float | None
    missed_calls_high: float | None
    summary: str = Field(description="the estimate in plain Chinese; 样本不足 when there is no sample")


class CategoryCount(BaseModel):
    category: str
    calls: int


class TeamCount(BaseModel):
    team: str
    calls: int


class AgentCount(BaseModel):
    agent: str
    calls: int


class DayFigures(BaseModel):
    day: str
    processed: int
    flagged: int


class PromiseRateOut(BaseModel):
    group: str = Field(description="team or agent id ('' for all calls)")
    calls: int = Field(description="checked calls")
    score: float | None = Field(description="their average compliance score")
    promises: int = Field(description="calls that ended with a promise to pay")
    rate: float | None = Field(description="promises / calls (0..1)")
    kept: int
    broken: int
    kept_rate: float | None = Field(description="kept / (kept + broken) (0..1)")


class PromiseRatesOut(BaseModel):
    overall: PromiseRateOut | None
    by_team: list[PromiseRateOut]
    by_agent: list[PromiseRateOut] = Field(description="the 50 agents with the most calls")


class PromiseItemOut(PromiseOut):
    call_id: str
    ref: str
    agent_id: str | None
    team: str | None
    customer_phone: str | None
    started_at: str | None


class PromisePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[PromiseItemOut]


class DashboardOut(BaseModel):
    processed: int
    flagged: int
    flagged_rate: float = Field(description="flagged / processed, in percent")
    failed: int
    pending: int
    by_category: list[CategoryCount]
    by_team: list[TeamCount] = Field(description="flagged calls per team")
    by_agent: list[AgentCount] = Field(description="flagged calls of the agents with the most")
    trend: list[DayFigures]
    miss_rate: MissRateOut
    ptp: PromiseRatesOut = Field(description="promise-to-pay (承诺还款) rates beside the compliance score")


class RuleFigures(BaseModel):
    confirmed: int
    false_positive: int
    undecided: int
    auto: int = Field(description="hits the system confirmed (an auto_confirm rule): not in the precision")
    precision: float | None


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class AuditProblem(BaseModel):
    entry_id: int
    reason: str


class AuditVerifyOut(BaseModel):
    ok: bool
    entries: int
    head: str
    problems: list[AuditProblem]


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    team: str | None
    active: bool
    created_at: str
    failed_logins: int
    locked_until: str | None


class NewUserOut(BaseModel):
    user: UserOut
    password: str = Field(description="shown once")


class PasswordOut(BaseModel):
    username: str
    password: str = Field(description="shown once")


class TokenOut(BaseModel):
    id: int
    user: str
    name: str
    created_at: str
    token: str = Field(description="shown once; send as 'Authorization: Bearer <token>'")


class TokenInfo(BaseModel):
    id: int
    user: str
    name: str
    created_at: str
    last_used_at: str | None
    revoked: bool


class SessionInfo(BaseModel):
    id: int
    user: str
    created_at: str
    expires_at: str
    last_seen_at: str
    revoked: bool
    address: str
    user_agent: str
    current: bool


class EndedOut(BaseModel):
    ended_sessions: int
    revoked_tokens: int


class CsrfOut(BaseModel):
    csrf_token: str = Field(description="send as X-CSRF-Token on state-changing cookie-session requests")


class IngestOut(BaseModel):
    file: str
    call_id: str | None
    ref: str | None = Field(description="the call (new, or the one already holding this recording)")
    status: Literal["added", "exists", "failed"]
    status_name: str = Field(description="已接收 / 重复 / 已拒绝")
    message: str = Field(description="what happened, in Chinese (why, when refused)")
    call_status: CallStatus | None = Field(description="the call's processing status now")
    call_status_name: str | None


class UploadOut(BaseModel):
    outcomes: list[IngestOut]


class CallStatusOut(BaseModel):
    ref: str
    status: CallStatus
    status_name: str
    score: int | None
    error: str | None


class CallStatusPage(BaseModel):
    items: list[CallStatusOut]


# --- requests ------------------------------------------------------------------------------------


class ReassignIn(BaseModel):
    owner: Name
    reason: Comment = Field(None, description="why (kept in the audit log)")


class BulkReassignIn(BaseModel):
    call_ids: list[Annotated[str, Field(min_length=1, max_length=200), Unicode]] = Field(
        min_length=1, max_length=500, description="call_id or `ref` of each case"
    )
    owner: Name
    reason: RequiredText = Field(description="why (required; kept in the audit entry of each case)")


class DecisionIn(BaseModel):
    decision: Literal["confirmed", "false_positive"]
    comment: Comment = None


class EscalateIn(BaseModel):
    proposed_action: RequiredText


class EscalationDecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    comment: Comment = None


class AppealIn(BaseModel):
    reason: RequiredText
    violation_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=1000, description="the confirmed violations contested (default: every one)"
    )


AppealOutcome = Literal["uphold", "overturn"]


class AppealDecisionIn(BaseModel):
    decision: AppealOutcome | None = Field(None, description="for every contested violation")
    hits: dict[int, AppealOutcome] | None = Field(
        None, description="contested violation id → uphold | overturn (each contested one)"
    )
    comment: Comment = None


class MissedViolationIn(BaseModel):
    category: TextCategory
    speaker: Literal["agent", "customer"]
    text: Annotated[RequiredText, Field(description="the words of the violation")]
    explanation: Comment = None
    start_s: Annotated[float | None, Field(ge=0, le=86_400)] = None
    end_s: Annotated[float | None, Field(ge=0, le=86_400)] = None
    severity: Severity = "medium"


class FinalIn(BaseModel):
    comment: Comment = None


class RecheckIn(BaseModel):
    since: date | None = Field(None, description="calls started on or after this day (their local date)")
    call_ids: list[Annotated[str, Field(min_length=1, max_length=200), Unicode]] = Field(
        default_factory=list, max_length=1000, description="only these calls"
    )
    dry_run: bool = Field(False, description="report what would change, change nothing")


class RecheckCallOut(BaseModel):
    call_id: str
    status_before: str
    status_after: str
    new: int
    vanished: int
    removed: int
    returned: int
    case_action: str | None


class RecheckOut(BaseModel):
    queued: int = Field(0, description="calls handed to the background worker (then no counts yet)")
    dry_run: bool = False
    pack_version: str | None = None
    model_version: str | None = None
    calls: int = 0
    changed_calls: int = 0
    new: int = 0
    unchanged: int = 0
    returned: int = 0
    vanished: int = 0
    removed: int = 0
    now_flagged: int = 0
    now_clean: int = 0
    cases_opened: int = 0
    cases_reopened: int = 0
    cases_withdrawn: int = 0
    promises_changed: int = 0
    seconds: float = 0.0
    missing: list[str] = []
    changes: list[RecheckCallOut] = []


class UserIn(BaseModel):
    username: Name
    role: Role
    team: Annotated[ShortText | None, Field(description="required for team_lead")] = None


class TokenIn(BaseModel):
    username: Annotated[ShortText | None, Field(description="default: yourself")] = None
    name: TokenName
