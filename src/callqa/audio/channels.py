"""Stereo call recordings: which channel owns each moment of speech.

Real stereo recordings bleed: one party's voice is audible, weaker, on the other channel
(codecs such as Opus mix channels). We measure short-time energy on both channels and silence
each channel wherever the other one is clearly louder, so the weak copy is never transcribed
(and words are never reported twice). Over-talk, where both are loud, stays on both channels.

A long call is not held in memory: its energy is measured block by block (`stream_energy_db`),
the decisions are made on the whole call's energy (`owned_frames`), and each block is then muted
in place as it is decoded again (`mute_unowned`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np

from callqa.audio.blocks import rechunk
from callqa.audio.decode import SAMPLE_RATE

FRAME_S = 0.02
FRAME = int(FRAME_S * SAMPLE_RATE)  # samples per energy frame
SILENT_DB = -120.0  # the energy of an all-zero (muted) frame
BLEED_MARGIN_DB = 12.0  # the other channel this much louder => this channel only carries bleed
FLOOR_MARGIN_DB = 3.0
_HOLD_FRAMES = 5  # keep decisions stable for 100 ms around each owned frame
_ENERGY_STEP_FRAMES = 500  # energy of a stream is measured 10 s at a time
_CUT_SMOOTH_FRAMES = 25


def frame_energy_db(samples: np.ndarray, frame: int = FRAME) -> np.ndarray:
    """Energy in dB per channel per frame, shape (channels, frames)."""
    n = samples.shape[1] // frame
    if n == 0:
        return np.full((samples.shape[0], 0), SILENT_DB)
    blocks = samples[:, : n * frame].reshape(samples.shape[0], n, frame).astype(np.float64)
    return 10.0 * np.log10(np.mean(blocks * blocks, axis=2) + 1e-12)


def _dilate(mask: np.ndarray, width: int) -> np.ndarray:
    if width <= 0 or not mask.any():
        return mask
    kernel = np.ones(2 * width + 1)
    return np.convolve(mask.astype(np.float64), kernel, mode="same") > 0


def stream_energy_db(blocks: Iterable[np.ndarray]) -> tuple[np.ndarray, int]:
    """`frame_energy_db` of a stream of blocks, 10 s at a time; returns it and the stream's length."""
    step = _ENERGY_STEP_FRAMES * FRAME
    parts: list[np.ndarray] = []
    total = 0
    for _, piece in rechunk(blocks, itertools.count(step, step)):
        parts.append(frame_energy_db(piece))
        total += piece.shape[1]
    if not parts:
        return np.full((1, 0), SILENT_DB), 0
    return np.concatenate(parts, axis=1), total


def owned_frames(energy_db: np.ndarray, margin_db: float = BLEED_MARGIN_DB) -> np.ndarray:
    """For a stereo call's (2, frames) energy: where each channel carries its own speaker, not the
    other's bleed (bool, same shape). Floors are the whole call's, so this needs all its energy."""
    owned = np.ones(energy_db.shape, bool)
    for ch in (0, 1):
        other = 1 - ch
        floor = float(np.percentile(energy_db[ch], 10)) if energy_db.shape[1] else SILENT_DB
        speech = energy_db[ch] > floor + FLOOR_MARGIN_DB  # the channel's noise floor is owned by no one
        owned[ch] = _dilate(speech & (energy_db[ch] >= energy_db[other] - margin_db), _HOLD_FRAMES)
    return owned


def mute_unowned(samples: np.ndarray, owned: np.ndarray, first_frame: int = 0) -> None:
    """Silence, in place, the frames of a (2, n) block that its channel does not own; the block
    starts at frame `first_frame` of the call. A last partial frame is left as it is."""
    n = max(0, min(samples.shape[1] // FRAME, owned.shape[1] - first_frame))
    for ch in (0, 1):
        frames = samples[ch, : n * FRAME].reshape(n, FRAME)
        frames[~owned[ch, first_frame : first_frame + n]] = 0.0


def remove_bleed(samples: np.ndarray, margin_db: float = BLEED_MARGIN_DB) -> np.ndarray:
    """Return a copy of a (2, n) signal with each channel's bleed from the other silenced."""
    if samples.shape[0] != 2:
        return samples
    cleaned = np.array(samples, order="C")
    mute_unowned(cleaned, owned_frames(frame_energy_db(samples), margin_db))
    return cleaned


def quiet_cuts(energy_db: np.ndarray, every_s: float, search_s: float, grid: int = FRAME) -> list[int]:
    """Sample positions about every `every_s` seconds at which to cut a call into blocks: each the
    quietest half second (loudest channel's energy) within the `search_s` before, so a cut falls
    in a pause rather than through speech. Cuts are multiples of `grid` samples (a multiple of FRAME)."""
    step = grid // FRAME
    every, search = int(every_s / FRAME_S) // step, int(search_s / FRAME_S) // step
    if energy_db.shape[1] <= every * step:
        return []
    loudest = 10.0 ** (energy_db.max(axis=0) / 10.0)
    smoothed = np.convolve(loudest, np.ones(_CUT_SMOOTH_FRAMES) / _CUT_SMOOTH_FRAMES, mode="same")[::step]
    cuts: list[int] = []
    start = 0
    while (start + every) * step < energy_db.shape[1]:
        lo = start + every - search
        start = lo + int(np.argmin(smoothed[lo : start + every]))
        cuts.append(start * grid)
    return cuts
