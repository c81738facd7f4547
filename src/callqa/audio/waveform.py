"""A call's waveform for the workbench timeline, one lane per speaker, computed at processing time.

It comes from the frame energy the transcription measures anyway (`callqa.asr.transcribe.speaker_energy`:
20 ms frames, bleed from the other channel muted), so it costs no extra pass over the audio and each
lane shows only its own speaker. Each bucket holds the loudest frame in it on a 50 dB scale below the
call's loudest frame, one byte per bucket: at most MAX_BUCKETS per lane, about 4 KB for a 2-lane call
of any length, small enough to send with the call page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callqa.audio.channels import FRAME_S, SILENT_DB
from callqa.transcript import Segment

MAX_BUCKETS = 2000  # per lane: finer than the timeline is wide on a 1920 px screen
MIN_BUCKET_FRAMES = 5  # 0.1 s: finer would only show syllables nobody can click
RANGE_DB = 50.0  # levels span this far below the call's loudest frame; quieter is 0


@dataclass(frozen=True)
class Waveform:
    """Per speaker (`speakers[i]`), the level of each `bucket_s`-long bucket, 0–255 (`levels[i]`)."""

    bucket_s: float
    speakers: tuple[str, ...]
    levels: tuple[bytes, ...]

    def as_dict(self) -> dict[str, object]:
        """The timeline's input: {bucket_s, lanes: {speaker: [0–255, ...]}}."""
        return {
            "bucket_s": self.bucket_s,
            "lanes": {s: list(level) for s, level in zip(self.speakers, self.levels, strict=True)},
        }


def waveform_from_energy(energy_db: np.ndarray, speakers: Sequence[str]) -> Waveform:
    """The waveform of a (channels, frames) frame energy in dB; `speakers[i]` speaks on channel i."""
    channels, frames = energy_db.shape
    assert channels == len(speakers), (channels, speakers)
    per = max(MIN_BUCKET_FRAMES, math.ceil(frames / MAX_BUCKETS))
    buckets = math.ceil(frames / per)
    padded = np.full((channels, buckets * per), SILENT_DB)
    padded[:, :frames] = energy_db
    loudest = padded.reshape(channels, buckets, per).max(axis=2) if buckets else padded
    top = float(loudest.max()) if loudest.size else SILENT_DB
    scaled = np.clip((loudest - (top - RANGE_DB)) / RANGE_DB, 0.0, 1.0)
    if top <= SILENT_DB:  # an all-silent call: flat lanes
        scaled = np.zeros_like(scaled)
    levels = np.rint(scaled * 255).astype(np.uint8)
    return Waveform(round(per * FRAME_S, 3), tuple(speakers), tuple(row.tobytes() for row in levels))


def lanes_by_speaker(energy_db: np.ndarray, segments: Sequence[Segment]) -> tuple[np.ndarray, list[str]]:
    """A one-channel call's energy as one lane per speaker of its segments (agent, customer, then
    unknown; a frame goes to the lanes of the segments covering it), for `waveform_from_energy`:
    a separated mono call's timeline shows who spoke when, as a stereo call's does. A call whose
    segments are all `unknown` keeps its one lane whole."""
    speakers = [s for s in ("agent", "customer", "unknown") if any(seg.speaker == s for seg in segments)]
    if speakers in ([], ["unknown"]) or energy_db.shape[0] != 1:
        return energy_db, ["unknown"] if energy_db.shape[0] == 1 else []
    frames = energy_db.shape[1]
    out = np.full((len(speakers), frames), SILENT_DB)
    for seg in segments:
        lo, hi = int(seg.start_s / FRAME_S), int(np.ceil(seg.end_s / FRAME_S))
        row = speakers.index(seg.speaker)
        out[row, lo:hi] = energy_db[0, lo:hi]
    return out, speakers
