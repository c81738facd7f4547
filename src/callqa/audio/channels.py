"""Stereo call recordings: which channel owns each moment of speech.

Real stereo recordings bleed: one party's voice is audible, weaker, on the other channel
(codecs such as Opus mix channels). We measure short-time energy on both channels and silence
each channel wherever the other one is clearly louder, so the weak copy is never transcribed
(and words are never reported twice). Over-talk, where both are loud, stays on both channels.
"""

from __future__ import annotations

import numpy as np

from callqa.audio.decode import SAMPLE_RATE

FRAME_S = 0.02
BLEED_MARGIN_DB = 12.0  # the other channel this much louder => this channel only carries bleed
FLOOR_MARGIN_DB = 3.0
_HOLD_FRAMES = 5  # keep decisions stable for 100 ms around each owned frame


def frame_energy_db(samples: np.ndarray, frame: int = int(FRAME_S * SAMPLE_RATE)) -> np.ndarray:
    """Energy in dB per channel per frame, shape (channels, frames)."""
    n = samples.shape[1] // frame
    if n == 0:
        return np.full((samples.shape[0], 0), -120.0)
    blocks = samples[:, : n * frame].reshape(samples.shape[0], n, frame).astype(np.float64)
    return 10.0 * np.log10(np.mean(blocks * blocks, axis=2) + 1e-12)


def _dilate(mask: np.ndarray, width: int) -> np.ndarray:
    if width <= 0 or not mask.any():
        return mask
    kernel = np.ones(2 * width + 1)
    return np.convolve(mask.astype(np.float64), kernel, mode="same") > 0


def remove_bleed(samples: np.ndarray, margin_db: float = BLEED_MARGIN_DB) -> np.ndarray:
    """Return a copy of a (2, n) signal with each channel's bleed from the other silenced."""
    if samples.shape[0] != 2:
        return samples
    frame = int(FRAME_S * SAMPLE_RATE)
    energy = frame_energy_db(samples, frame)
    cleaned = samples.copy()
    for ch in (0, 1):
        other = 1 - ch
        floor = float(np.percentile(energy[ch], 10)) if energy.shape[1] else -120.0
        speech = energy[ch] > floor + FLOOR_MARGIN_DB  # the channel's noise floor is owned by no one
        owned = _dilate(speech & (energy[ch] >= energy[other] - margin_db), _HOLD_FRAMES)
        muted = np.repeat(~owned, frame)
        cleaned[ch, : muted.size][muted] = 0.0
    return cleaned


def dominant_channel(energy_db: np.ndarray, start_s: float, end_s: float) -> int:
    """Index of the channel with the most energy between start_s and end_s."""
    lo = max(0, int(start_s / FRAME_S))
    hi = max(lo + 1, int(end_s / FRAME_S))
    window = energy_db[:, lo:hi]
    if window.size == 0:
        return 0
    return int(np.argmax(np.mean(10.0 ** (window / 10.0), axis=1)))
