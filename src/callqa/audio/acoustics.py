"""How a call sounds, not what was said: dead air, overtalk, the agent's interruptions, speech rate
and the agent's shouting (静音, 抢话, 语速, 音量), measured once when the call is processed.

Everything comes from the transcript's segment times and the 20 ms frame energy the transcription
measures anyway (`callqa.asr.transcribe.speaker_energy`, bleed from the other channel muted), so it
costs no extra pass over the audio. On mono (and `mixed`) calls the roles come from speaker
separation (`callqa.speakers`), which gives each word to one speaker: the speech rates and the
agent's loudness are measured from its segments, but overtalk and interruptions, which need both
voices heard at once, are None, never a guess (and so are all per-role measures while the call's
speech is `unknown`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from callqa.audio.channels import FRAME_S, SILENT_DB
from callqa.transcript import Segment

MIN_SILENCE_S = 2.0  # a pause shorter than this is turn-taking, not dead air
SPEECH_MARGIN_DB = 10.0  # untranscribed energy this far above a channel's floor is someone talking
INTERRUPT_WITHIN_S = 1.0  # the customer stops within this after the agent starts: an interruption
INTERRUPT_LEAD_S = 0.5  # ...having spoken at least this long, the agent quiet for this long before
MIN_RATE_S = 5.0  # a role with less speech than this has no meaningful speech rate
LOUD_DB = 10.0  # the agent's short-term energy this far above their own median speech level: shouting
LOUD_WINDOW_S = 0.5  # short-term energy: mean power over this window (a syllable is not a shout)
MAX_EVIDENCE = 20  # stored times per kind of event (the hits' markers), the longest or first ones


@dataclass(frozen=True)
class Acoustics:
    """One call's measures (seconds, counts, characters a minute); None where the call cannot tell
    (mono: no overtalk, interruptions, per-role rate or loudness). The `*_at` fields are the times of
    the events, for hits and markers."""

    silence_s: float
    longest_silence_s: float
    overtalk_s: float | None
    agent_interruptions: int | None
    agent_chars_per_min: float | None
    customer_chars_per_min: float | None
    agent_loud_s: float | None
    longest_silence_at: tuple[float, float] | None = None
    interruptions_at: tuple[float, ...] = ()
    overtalk_at: tuple[tuple[float, float], ...] = ()  # the longest stretches, in time order
    loud_at: tuple[tuple[float, float], ...] = ()  # the agent's loudest stretches, in time order

    SUMMARY = (
        "silence_s",
        "longest_silence_s",
        "overtalk_s",
        "agent_interruptions",
        "agent_chars_per_min",
        "customer_chars_per_min",
        "agent_loud_s",
    )

    @property
    def one_track(self) -> bool:
        """Both parties on one track (mono or mixed): who said what was guessed from the voices."""
        return self.overtalk_s is None

    def summary(self) -> dict[str, float | int | None]:
        """The figures shown and exported (`calls --format json`'s `acoustics`)."""
        return {name: getattr(self, name) for name in self.SUMMARY}

    def to_json(self) -> dict[str, Any]:
        """Everything, for the store (a JSON column)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Acoustics:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        at = known.get("longest_silence_at")
        known["longest_silence_at"] = tuple(at) if at else None
        known["interruptions_at"] = tuple(known.get("interruptions_at") or ())
        for key in ("overtalk_at", "loud_at"):
            known[key] = tuple(tuple(pair) for pair in known.get(key) or ())
        return cls(**known)


def measure(
    segments: Sequence[Segment], energy_db: np.ndarray, roles: Sequence[str], duration_s: float | None
) -> Acoustics:
    """The acoustics of a call from its segments and its (len(roles), frames) frame energy in dB
    (`roles[i]` speaks on channel i; stereo when they are agent and customer)."""
    frames = max(energy_db.shape[1] if energy_db.size else 0, _frame(duration_s or 0.0))
    for seg in segments:
        frames = max(frames, _frame(seg.end_s))
    masks = {r: _mask([s for s in segments if s.speaker == r], frames) for r in ("agent", "customer")}
    anyone = _mask(segments, frames)
    voiced = np.zeros((len(roles), frames), bool)
    for ch in range(min(len(roles), energy_db.shape[0])):
        voiced[ch, : energy_db.shape[1]] = _voiced(energy_db[ch])
    silence, longest, longest_at = _silence(~(anyone | voiced.any(axis=0)))
    if sorted(roles) != ["agent", "customer"]:  # mono or mixed: one voice track
        return _one_track(segments, energy_db, masks, silence, longest, longest_at)
    both = masks["agent"] & masks["customer"]
    overlaps = _top(_runs(both), MAX_EVIDENCE)
    interruptions = _interruptions(segments, masks["agent"])
    agent_ch = list(roles).index("agent")
    n = energy_db.shape[1]
    loud = np.zeros(frames, bool)
    loud[:n] = _loud(energy_db[agent_ch], masks["agent"][:n] & (energy_db[agent_ch] > SILENT_DB + 1))
    return Acoustics(
        silence_s=silence,
        longest_silence_s=longest,
        overtalk_s=round(float(both.sum()) * FRAME_S, 2),
        agent_interruptions=len(interruptions),
        agent_chars_per_min=_rate(segments, "agent", masks["agent"]),
        customer_chars_per_min=_rate(segments, "customer", masks["customer"]),
        agent_loud_s=round(float(loud.sum()) * FRAME_S, 2),
        longest_silence_at=longest_at,
        interruptions_at=tuple(interruptions[:MAX_EVIDENCE]),
        overtalk_at=overlaps,
        loud_at=_top(_runs(loud), MAX_EVIDENCE),
    )


def _one_track(
    segments: Sequence[Segment],
    energy_db: np.ndarray,
    masks: dict[str, np.ndarray],
    silence: float,
    longest: float,
    longest_at: tuple[float, float] | None,
) -> Acoustics:
    """A mono call's acoustics: per role where separation named the speakers (the agent's loudness
    over the frames only the agent's segments cover), no overtalk or interruptions."""
    if not (masks["agent"].any() and masks["customer"].any()):
        return Acoustics(silence, longest, None, None, None, None, None, longest_at)
    n = energy_db.shape[1] if energy_db.size else 0
    loud = np.zeros(masks["agent"].size, bool)
    if n:
        only_agent = (masks["agent"] & ~masks["customer"])[:n] & (energy_db[0] > SILENT_DB + 1)
        loud[:n] = _loud(energy_db[0], only_agent)
    return Acoustics(
        silence_s=silence,
        longest_silence_s=longest,
        overtalk_s=None,
        agent_interruptions=None,
        agent_chars_per_min=_rate(segments, "agent", masks["agent"]),
        customer_chars_per_min=_rate(segments, "customer", masks["customer"]),
        agent_loud_s=round(float(loud.sum()) * FRAME_S, 2),
        longest_silence_at=longest_at,
        loud_at=_top(_runs(loud), MAX_EVIDENCE),
    )


def _frame(t: float) -> int:
    return round(t / FRAME_S)


def _mask(segments: Sequence[Segment], frames: int) -> np.ndarray:
    """Frames covered by any of `segments`."""
    mask = np.zeros(frames, bool)
    for seg in segments:
        mask[_frame(seg.start_s) : max(_frame(seg.end_s), _frame(seg.start_s) + 1)] = True
    return mask


def _voiced(energy_db: np.ndarray) -> np.ndarray:
    """Frames clearly above the channel's own floor (its quietest tenth, muted bleed left out):
    speech the transcript may have missed does not count as dead air."""
    live = energy_db[energy_db > SILENT_DB + 1]
    if live.size == 0:
        return np.zeros(energy_db.shape, bool)
    return energy_db > float(np.percentile(live, 10)) + SPEECH_MARGIN_DB


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame indices of each run of True."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _seconds(run: tuple[int, int]) -> tuple[float, float]:
    return round(run[0] * FRAME_S, 2), round(run[1] * FRAME_S, 2)


def _top(runs: list[tuple[int, int]], n: int) -> tuple[tuple[float, float], ...]:
    """The `n` longest runs, in seconds, in time order."""
    longest = sorted(sorted(runs, key=lambda r: r[0] - r[1])[:n])
    return tuple(_seconds(r) for r in longest)


def _silence(silent: np.ndarray) -> tuple[float, float, tuple[float, float] | None]:
    """Total and longest dead air: silent stretches of at least MIN_SILENCE_S between the first and
    the last speech (ringing before and hanging up after are not the agent's dead air)."""
    speech = np.flatnonzero(~silent)
    if speech.size == 0:
        return 0.0, 0.0, None
    runs = [r for r in _runs(silent[speech[0] : speech[-1] + 1]) if (r[1] - r[0]) * FRAME_S >= MIN_SILENCE_S]
    runs = [(a + int(speech[0]), b + int(speech[0])) for a, b in runs]
    if not runs:
        return 0.0, 0.0, None
    total = round(sum(b - a for a, b in runs) * FRAME_S, 2)
    best = max(runs, key=lambda r: r[1] - r[0])
    return total, round((best[1] - best[0]) * FRAME_S, 2), _seconds(best)


def _interruptions(segments: Sequence[Segment], agent: np.ndarray) -> list[float]:
    """Times the agent started talking while the customer was (for INTERRUPT_LEAD_S at least), the
    agent having been quiet just before, and the customer stopped within INTERRUPT_WITHIN_S: the
    customer was cut off."""
    lead = _frame(INTERRUPT_LEAD_S)
    customer = [s for s in segments if s.speaker == "customer"]
    out: list[float] = []
    for seg in (s for s in segments if s.speaker == "agent"):
        t, f = seg.start_s, _frame(seg.start_s)
        if agent[max(0, f - lead) : f].any():
            continue  # the agent was already talking: a segment boundary, not a new turn
        if any(c.start_s + INTERRUPT_LEAD_S <= t < c.end_s <= t + INTERRUPT_WITHIN_S for c in customer):
            out.append(round(t, 2))
    return sorted(set(out))


def _rate(segments: Sequence[Segment], role: str, mask: np.ndarray) -> float | None:
    """Characters (letters, digits, ideographs) a minute of the role's own speaking time."""
    seconds = float(mask.sum()) * FRAME_S
    if seconds < MIN_RATE_S:
        return None
    chars = sum(ch.isalnum() for s in segments if s.speaker == role for ch in s.text)
    return round(chars / seconds * 60, 1)


def _loud(energy_db: np.ndarray, speaking: np.ndarray) -> np.ndarray:
    """Frames where the speaker's short-term energy is LOUD_DB or more above their own median speech
    level (`speaking`: their segments' frames that carry their voice, bleed muted): shouting relative
    to how this person talks, whatever the line's gain."""
    if speaking.sum() * FRAME_S < MIN_RATE_S:
        return np.zeros(energy_db.shape, bool)
    power = np.power(10.0, energy_db / 10.0)
    width = max(1, _frame(LOUD_WINDOW_S))
    short = 10.0 * np.log10(np.convolve(power, np.ones(width) / width, mode="same") + 1e-12)
    level = float(np.median(short[speaking]))
    return speaking & (short >= level + LOUD_DB)
