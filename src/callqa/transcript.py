"""The transcript nouns shared by every stage after speech-to-text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Speaker = Literal["agent", "customer", "unknown"]


@dataclass(frozen=True, slots=True)
class Word:
    """A piece of a segment's text with its time in the audio (seconds), as the speech model timed it."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of speech by one speaker, with its time in the audio (seconds). `words`, when the
    speech model timed them, spell `text` in order: a mono call's segment is split where the speaker
    changes (`callqa.speakers`); they are not stored."""

    speaker: Speaker
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CallInfo:
    """Call metadata the rules may look at (from the call system's manifest)."""

    call_id: str
    agent_id: str | None = None
    customer_phone: str | None = None
    started_at: datetime | None = None  # timezone-aware when the manifest gave an offset
    duration_s: float | None = None
    team: str | None = None


def clock(seconds: float | None) -> str:
    """A time in the audio as mm:ss (minutes past 59 keep counting); '' for None."""
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 60:02d}:{total % 60:02d}"
