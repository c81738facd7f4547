"""Database tables (SQLAlchemy 2 declarative). Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def db_now() -> datetime:
    """Now, as the database stores times: UTC without tzinfo."""
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


CALL_STATUSES = ("pending", "processing", "clean", "flagged", "failed")


class Base(DeclarativeBase):
    pass


class Call(Base):
    """One ingested recording and what processing made of it."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200), unique=True)
    file_name: Mapped[str] = mapped_column(String(500))
    source_path: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    stored_path: Mapped[str] = mapped_column(Text)  # relative to the workspace
    size_bytes: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[str | None] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(50), index=True)
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[str | None] = mapped_column(String(40))  # ISO 8601 as given, offset kept
    started_at_utc: Mapped[datetime | None] = mapped_column(DateTime)
    local_date: Mapped[str | None] = mapped_column(String(10))  # the call's own calendar day
    channels: Mapped[str] = mapped_column(String(40), default="")
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    score: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    # A Celery worker's claim lasts until this time unless its heartbeat renews it (callqa.pipeline.lease)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime)  # when a task was last sent for it
    ingested_at: Mapped[datetime] = mapped_column(DateTime)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    asr_model: Mapped[str | None] = mapped_column(String(200))
    acoustics: Mapped[dict | None] = mapped_column(JSON)  # callqa.audio.acoustics.Acoustics.to_json()
    promise_reader: Mapped[str | None] = mapped_column(String(16))  # callqa.ptp.version.reader_version()

    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="TranscriptSegment.position"
    )
    violations: Mapped[list[Violation]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="(Violation.start_s, Violation.id)"
    )
    promise: Mapped[PaymentPromise | None] = relationship(back_populates="call", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_calls_phone_day", "customer_phone", "local_date"),
        # sorts end in the primary key, so PostgreSQL reads a page of any sort from the index (0012)
        Index("ix_calls_agent_id_id", "agent_id", "id"),
        Index("ix_calls_started_at_utc_id", "started_at_utc", "id"),
    )


class CallTallyDay(Base):
    """Calls per day, team and status, kept exact by database triggers on `calls` (migration 0012):
    总览's trend and counts, and the call list's totals, without reading every call. NULL keys are ''."""

    __tablename__ = "call_tally_days"

    local_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)


class CallTallyAgent(Base):
    """Calls, score sums and promises per team, agent and status, kept exact by database triggers on
    `calls` and `promises` (migration 0012): 总览's per-team and per-agent figures. NULL keys are ''."""

    __tablename__ = "call_tally_agents"

    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[int] = mapped_column(Integer)  # over the calls with a score
    scored: Mapped[int] = mapped_column(Integer)
    promises: Mapped[int] = mapped_column(Integer)
    kept: Mapped[int] = mapped_column(Integer)
    broken: Mapped[int] = mapped_column(Integer)


class CallTallyCategory(Base):
    """Calls with a hit of each category per team, kept exact by database triggers on `violations` and
    `calls` (migration 0012): 总览's categories. A NULL team is ''."""

    __tablename__ = "call_tally_categories"

    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    category: Mapped[str] = mapped_column(String(50), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)


class TranscriptSegment(Base):
    """One stretch of speech in a call's transcript."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(20))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    # What the speech model wrote, when `text` is its corrected form (callqa.text.correct); else None.
    raw_text: Mapped[str | None] = mapped_column(Text, nullable=True)

    call: Mapped[Call] = relationship(back_populates="segments")


class Violation(Base):
    """A rule hit on a call, with everything needed to explain it."""

    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(50), index=True)
    severity: Mapped[str] = mapped_column(String(20))
    deduction: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(20))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    # How the hit was found: 'rule' (the rule pack), 'inspector' (a violation the system missed,
    # added by a person reviewing a sampled call).
    source: Mapped[str] = mapped_column(String(20), default="rule", server_default="rule")
    confidence: Mapped[float | None] = mapped_column(Float)  # the text model's probability, 0..1
    pack_version: Mapped[str | None] = mapped_column(String(40))  # RulePack.version that found it
    model_version: Mapped[str | None] = mapped_column(String(80))  # detector version, if one scored it
    vanished_at: Mapped[datetime | None] = mapped_column(DateTime)  # a recheck no longer finds it

    call: Mapped[Call] = relationship(back_populates="violations")


class CallVectors(Base):
    """Sentence embeddings of a call's scored units, kept so a recheck with a retrained model does not
    embed again. `texts[i]` is the unit whose vector is row i of `vectors` (float16, `dim` wide)."""

    __tablename__ = "call_vectors"

    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    embedder: Mapped[str] = mapped_column(String(80))
    dim: Mapped[int] = mapped_column(Integer)
    texts: Mapped[list] = mapped_column(JSON)
    vectors: Mapped[bytes] = mapped_column(LargeBinary)


class CallWaveform(Base):
    """The timeline's waveform of a call (`callqa.audio.waveform`), written when it is processed:
    `levels` holds one byte per `bucket_s` bucket for each of `speakers` in turn (lanes of equal length)."""

    __tablename__ = "call_waveforms"

    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    bucket_s: Mapped[float] = mapped_column(Float)
    speakers: Mapped[list] = mapped_column(JSON)
    levels: Mapped[bytes] = mapped_column(LargeBinary)


# --- Promises to pay (see callqa.ptp) ------------------------------------------------------------

PROMISE_STATUSES = ("pending", "kept", "broken")


class PaymentPromise(Base):
    """The customer's promise to pay found in a call (`callqa.ptp`), and whether payments kept it.

    Written when the call is processed or re-checked; `status` is set against the imported payments
    (`callqa.pipeline.payments`): kept when the payments to `phone` from the call's day to `due_on`
    plus the grace days reach `amount_yuan` (any payment when it is unknown), broken when that day
    has passed by the last import without it, else pending."""

    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    due_on: Mapped[str] = mapped_column(String(10))  # ISO date
    amount_yuan: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    start_s: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(50), index=True)  # the call's number, digits only
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending", index=True)
    team: Mapped[str | None] = mapped_column(
        String(100)
    )  # the call's, kept by triggers (0015): never written here
    paid_yuan: Mapped[float | None] = mapped_column(Float)  # payments counted towards it
    settled_on: Mapped[str | None] = mapped_column(String(10))  # the import day that judged it
    found_at: Mapped[datetime] = mapped_column(DateTime)

    call: Mapped[Call] = relationship(back_populates="promise")

    __table_args__ = (
        CheckConstraint(_in("status", PROMISE_STATUSES), name="ck_promises_status"),
        Index("ix_promises_call_status", "call_pk", "status"),
        Index("ix_promises_due_on_id", "due_on", "id"),  # 承诺还款's order, any page (0012)
        # a team's list (its copy of the call's team, kept by 0015's triggers), by status too
        Index("ix_promises_team_due_on_id", "team", "due_on", "id"),
        Index("ix_promises_team_status_due_on_id", "team", "status", "due_on", "id"),
        Index("ix_promises_status_due_on_id", "status", "due_on", "id"),
    )


class PaymentImport(Base):
    """One run of `callqa payments import`: the day and grace it judged promises with, and its counts."""

    __tablename__ = "payment_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    as_of: Mapped[str] = mapped_column(String(10))  # payments are known up to this day
    grace_days: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)


class Payment(Base):
    """A payment from the collections system. `row_key` makes importing the same file twice a no-op."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(50), index=True)  # digits only
    paid_on: Mapped[str] = mapped_column(String(10))  # ISO date
    amount_yuan: Mapped[float] = mapped_column(Float)
    reference: Mapped[str | None] = mapped_column(String(100))
    row_key: Mapped[str] = mapped_column(String(64), unique=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("payment_imports.id"), index=True)


# --- Review workflow (see callqa.review for the state machine) -----------------------------------

USER_ROLES = ("admin", "supervisor", "inspector", "team_lead")
CASE_STATES = ("unassigned", "open", "submitted", "escalated", "decided", "appealed", "final")
ACTIVE_CASE_STATES = CASE_STATES[:2]  # the review is under way; every later state has a verdict
VERDICTS = ("confirmed", "all_false_positive", "clean")
CASE_ORIGINS = ("flagged", "sample")  # sample: an unflagged call drawn for 抽检
DECISIONS = ("confirmed", "false_positive")
APPEAL_HIT_OUTCOMES = ("upheld", "overturned")  # the 终审 on one contested violation
# how a case became final: an appeal's 终审 (every contested hit upheld, every one overturned, or some
# of each), a 终审 without appeal (closed), or an approved escalation
FINAL_OUTCOMES = ("upheld", "overturned", "partly", "closed", "approved")
# owner_id may be empty while nobody has the case, and on a verdict the system gave (every hit of the
# call found by an auto_confirm rule): no person reviewed it
OWNER_CHECK = "state = 'unassigned' OR owner_id IS NOT NULL OR (verdict IS NOT NULL AND submitted_by IS NULL)"


class User(Base):
    """A person who signs in: admin, supervisor, inspector or team lead (bound to a team)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(_in("role", USER_ROLES), name="ck_users_role"),
        CheckConstraint("role != 'team_lead' OR team IS NOT NULL", name="ck_users_team_lead_team"),
    )


class ApiToken(Base):
    """A bearer token for an integration; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A workbench sign-in. The cookie holds a random id; only its sha256 is stored, so a copy of the
    database cannot be replayed as a cookie. Revoking the row ends the session whatever the cookie says."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200))

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins of one (submitted username, client address) pair, or of one address over all
    names (``username`` empty), and until when further attempts are refused (see callqa.review.throttle)."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)  # as submitted; need not exist
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("username", "address", name="uq_login_throttle_username_address"),)


class ReviewCase(Base):
    """The review of one flagged call. `owner_id` is its single owner (unique call_pk: one case per call)."""

    __tablename__ = "review_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(20), default="flagged", server_default="flagged")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    rotation_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # round-robin pointer
    created_at: Mapped[datetime] = mapped_column(DateTime)
    verdict: Mapped[str | None] = mapped_column(String(30))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    proposed_action: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalation_decision: Mapped[str | None] = mapped_column(String(20))  # approved | rejected
    escalation_comment: Mapped[str | None] = mapped_column(Text)
    escalation_decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalation_decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    final_outcome: Mapped[str | None] = mapped_column(String(20))  # one of FINAL_OUTCOMES
    final_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    final_at: Mapped[datetime | None] = mapped_column(DateTime)
    final_comment: Mapped[str | None] = mapped_column(Text)
    # 100 minus the deductions of the rules with a confirmed violation (once per rule), set with the
    # verdict and again when a 终审 overturns violations; None before the verdict
    score: Mapped[int | None] = mapped_column(Integer)
    # the queue's figures of the call's current hits (not vanished), kept by the database's triggers
    # (migration 0015; the queue's order indexes are there too): never written here
    top_confidence: Mapped[float | None] = mapped_column(Float)  # None: no hit was scored
    top_severity: Mapped[int | None] = mapped_column(Integer)  # SEVERITY_RANKS; None: no hit
    hit_count: Mapped[int] = mapped_column(Integer, server_default="0")
    team: Mapped[str | None] = mapped_column(String(100))  # the call's, for a team lead's queue

    call: Mapped[Call] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    appeals: Mapped[list[Appeal]] = relationship(back_populates="case", order_by="Appeal.id")
    decisions: Mapped[list[ViolationDecision]] = relationship(order_by="ViolationDecision.violation_id")

    __table_args__ = (
        CheckConstraint(_in("state", CASE_STATES), name="ck_review_cases_state"),
        CheckConstraint(OWNER_CHECK, name="ck_review_cases_owner"),
        CheckConstraint(f"verdict IS NULL OR {_in('verdict', VERDICTS)}", name="ck_review_cases_verdict"),
        CheckConstraint(_in("origin", CASE_ORIGINS), name="ck_review_cases_origin"),
        Index("ix_review_cases_sampled", "origin", "verdict", "call_pk"),  # 总览's miss rate (0012)
    )


class ViolationDecision(Base):
    """The reviewer's call on one violation: confirmed or false_positive. `decided_by` None: the
    system confirmed it (the hit's rule has `auto_confirm`)."""

    __tablename__ = "violation_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime)

    violation: Mapped[Violation] = relationship()

    __table_args__ = (CheckConstraint(_in("decision", DECISIONS), name="ck_violation_decisions_decision"),)


class Appeal(Base):
    """A team lead's appeal against confirmed violations of a case (`hits`), and the supervisor's
    decision on it: upheld, overturned, or partly (some contested violations each way)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    decision: Mapped[str | None] = mapped_column(String(20))  # upheld | overturned | partly
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str | None] = mapped_column(Text)

    case: Mapped[ReviewCase] = relationship(back_populates="appeals")
    hits: Mapped[list[AppealHit]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="AppealHit.violation_id"
    )


class AppealHit(Base):
    """One violation an appeal contests, and the 终审's outcome on it (None until decided)."""

    __tablename__ = "appeal_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))

    appeal: Mapped[Appeal] = relationship(back_populates="hits")
    violation: Mapped[Violation] = relationship()

    __table_args__ = (
        UniqueConstraint("appeal_id", "violation_id", name="uq_appeal_hits_appeal_violation"),
        CheckConstraint(
            f"outcome IS NULL OR {_in('outcome', APPEAL_HIT_OUTCOMES)}", name="ck_appeal_hits_outcome"
        ),
    )


class AuditEntry(Base):
    """One append-only audit record; `hash` covers the fields and `prev_hash` (a hash chain)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives users
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)  # unique: the chain cannot fork
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
