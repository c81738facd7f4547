"""Database tables (SQLAlchemy 2 declarative). Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
    agent_id: Mapped[str | None] = mapped_column(String(100), index=True)
    customer_phone: Mapped[str | None] = mapped_column(String(50), index=True)
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[str | None] = mapped_column(String(40))  # ISO 8601 as given, offset kept
    started_at_utc: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    local_date: Mapped[str | None] = mapped_column(String(10))  # the call's own calendar day
    channels: Mapped[str] = mapped_column(String(40), default="")
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    score: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    ingested_at: Mapped[datetime] = mapped_column(DateTime)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    asr_model: Mapped[str | None] = mapped_column(String(200))

    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="TranscriptSegment.position"
    )
    violations: Mapped[list[Violation]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="Violation.start_s"
    )

    __table_args__ = (Index("ix_calls_phone_day", "customer_phone", "local_date"),)


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

    call: Mapped[Call] = relationship(back_populates="violations")
