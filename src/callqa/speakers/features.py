"""Light acoustic speaker features: mel cepstra and pitch every 20 ms, in numpy and scipy.

Telling two voices apart on one channel needs what the voice sounds like, not what it says: the
spectral envelope (mel-frequency cepstral coefficients, c1..c12: c0 is loudness and left out) and
the pitch (log F0 by autocorrelation; 0 where a frame is unvoiced). Frames sit on the 20 ms grid of
`callqa.audio.channels` so frame k here is frame k of the call's energy. The call is read block by
block (bounded memory); only the features are kept, 14 floats per frame (4 MB for an hour).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import cache

import numpy as np
import scipy.fft
from scipy.signal import resample_poly

from callqa.audio.blocks import rechunk
from callqa.audio.channels import FRAME_S
from callqa.audio.decode import SAMPLE_RATE

RATE = 8000  # analysed at the telephone rate: a quarter of the work of 16 kHz, and nothing lost below 4 kHz
_DOWN = SAMPLE_RATE // RATE
FRAME = int(FRAME_S * RATE)
WINDOW = 256  # samples per analysis window (32 ms), centred on each 20 ms frame
MEL_BANDS = 24
CEPSTRA = 12  # c1..c12
LOW_HZ, HIGH_HZ = 100.0, 3800.0  # the telephone band: above it an 8 kHz call holds nothing
F0_MIN_HZ, F0_MAX_HZ = 70.0, 400.0
VOICING = 0.45  # normalised autocorrelation peak a voiced frame reaches
_STEP_FRAMES = 3000  # frames analysed at a time (60 s)
DIMS = CEPSTRA + 2  # cepstra, log F0 and voicing strength


@cache
def _mel_filters() -> np.ndarray:
    """(MEL_BANDS, WINDOW // 2 + 1) triangular filters, equally spaced on the mel scale."""

    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    edges_mel = np.linspace(mel(np.array(LOW_HZ)), mel(np.array(HIGH_HZ)), MEL_BANDS + 2)
    edges = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(WINDOW, 1.0 / RATE)
    filters = np.zeros((MEL_BANDS, bins.size))
    for m in range(MEL_BANDS):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        filters[m] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0.0, None)
    return filters


@cache
def _dct() -> np.ndarray:
    """(CEPSTRA, MEL_BANDS) DCT-II rows 1..CEPSTRA."""
    n = np.arange(MEL_BANDS)
    return np.cos(np.pi / MEL_BANDS * (n + 0.5)[None, :] * np.arange(1, CEPSTRA + 1)[:, None])


def _frames(signal: np.ndarray, count: int) -> np.ndarray:
    """(count, WINDOW) windows of a padded signal, window k centred on frame k's middle."""
    starts = np.arange(count) * FRAME
    return signal[starts[:, None] + np.arange(WINDOW)[None, :]]


def _analyse(windows: np.ndarray) -> np.ndarray:
    """(n, DIMS) features of (n, WINDOW) sample windows."""
    tapered = windows * np.hanning(WINDOW).astype(np.float32)
    spectrum = (
        np.abs(scipy.fft.rfft(tapered, n=2 * WINDOW, axis=1)) ** 2
    )  # zero-padded for the autocorrelation
    power = spectrum[:, ::2]
    cepstra = np.log(power @ _mel_filters().T + 1e-10) @ _dct().T
    autocorr = scipy.fft.irfft(spectrum, axis=1)[:, :WINDOW]
    lo, hi = int(RATE / F0_MAX_HZ), int(RATE / F0_MIN_HZ)
    lag_range = autocorr[:, lo:hi] / (autocorr[:, :1] + 1e-10)
    best = np.argmax(lag_range, axis=1)
    strength = lag_range[np.arange(len(best)), best]
    log_f0 = np.where(strength >= VOICING, np.log(RATE / (best + lo)), 0.0)
    return np.column_stack([cepstra, log_f0, strength]).astype(np.float32)


def frame_features(blocks: Iterable[np.ndarray]) -> np.ndarray:
    """(frames, DIMS) features of a mono stream of (1, n) blocks, one row per 20 ms frame."""
    step = _STEP_FRAMES * FRAME * _DOWN
    pad = (WINDOW - FRAME) // 2
    carry = np.zeros(pad, np.float32)  # the samples before a piece that its first windows reach into
    parts: list[np.ndarray] = []
    pending: np.ndarray | None = None
    for _, piece in rechunk(blocks, itertools.count(step, step)):
        signal = resample_poly(piece[0], 1, _DOWN).astype(np.float32)
        if pending is not None:  # the previous piece's frames, now that their right context is here
            joined = np.concatenate([carry, pending, signal[:WINDOW], np.zeros(WINDOW, np.float32)])
            parts.append(_analyse(_frames(joined, pending.size // FRAME)))
            carry = np.concatenate([carry, pending])[-pad:]
        pending = signal
    if pending is not None:
        joined = np.concatenate([carry, pending, np.zeros(WINDOW, np.float32)])
        parts.append(_analyse(_frames(joined, pending.size // FRAME)))
    return np.concatenate(parts) if parts else np.zeros((0, DIMS), np.float32)
