"""Turn a decoded call into speaker-labelled, time-ordered transcript segments.

Stereo: bleed is removed, speech spans of both channels are packed into shared windows (see
packing.py), all windows are decoded in one batch, and each word goes back to its channel's
role. Mono: one channel, speaker `unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callqa.asr.cleanup import RawSegment, clean_segments
from callqa.asr.engine import SpeechModel
from callqa.asr.packing import Piece, Window, pack_windows
from callqa.audio.channels import FRAME_S, frame_energy_db, remove_bleed
from callqa.audio.decode import SAMPLE_RATE, DecodedAudio
from callqa.transcript import Segment, Speaker

# Zeros between windows in the joint buffer: no timestamp can overshoot into the next window.
WINDOW_SPACING_S = 30.0
MIN_CHARS_PER_S = 1.0  # Mandarin runs ~4 characters a second; far fewer means a missed span
SILENCE_MARGIN_DB = 6.0  # a segment no louder than the channel's floor + this is noise


def channel_roles(channels_spec: str | None, n_channels: int) -> list[Speaker]:
    """Map the manifest's `channels` field to a speaker per channel."""
    if n_channels == 1:
        return ["unknown"]
    spec = (channels_spec or "agent,customer").replace(" ", "").lower()
    if spec == "customer,agent":
        return ["customer", "agent"]
    if spec == "mixed":
        return ["unknown", "unknown"]
    return ["agent", "customer"]


def transcribe_audio(
    model: SpeechModel, audio: DecodedAudio, channels_spec: str | None = None
) -> list[Segment]:
    """Transcribe a call; returns segments in time order, bleed and hallucinations removed."""
    samples = audio.samples
    roles = channel_roles(channels_spec, audio.channels)
    if audio.channels == 2 and roles[0] == roles[1]:  # a 'mixed' stereo file: downmix
        samples = samples.mean(axis=0, keepdims=True)
        roles = ["unknown"]
    elif audio.channels == 2:
        samples = remove_bleed(samples)
    energy = frame_energy_db(samples)
    windows = pack_windows(samples)
    if not windows:
        return []
    decoded = [seg for window_segs in _decode_windows(model, windows, energy) for seg in window_segs]
    decoded = _redo_missed_pieces(model, windows, decoded, energy)
    per_channel: list[list[RawSegment]] = [[] for _ in roles]
    for piece, raw in decoded:
        per_channel[piece.channel].append(raw)
    merged = [
        Segment(roles[ch], s.start_s, s.end_s, s.text)
        for ch, raw in enumerate(per_channel)
        for s in clean_segments(sorted(raw, key=lambda r: r.start_s), model.settings.initial_prompt)
    ]
    return sorted(merged, key=lambda s: (s.start_s, s.end_s))


@dataclass(frozen=True)
class _Word:
    start: float
    end: float
    word: str


def _decode_windows(
    model: SpeechModel, windows: list[Window], energy: np.ndarray
) -> list[list[tuple[Piece, RawSegment]]]:
    """Decode all windows in one batch; returns each window's (piece, segment) in call time."""
    spacing = np.zeros(int(WINDOW_SPACING_S * SAMPLE_RATE), np.float32)
    parts: list[np.ndarray] = []
    starts: list[float] = []
    offset = 0.0
    for window in windows:
        starts.append(offset)
        parts.extend([*window.audio, spacing])
        offset += window.length_s + WINDOW_SPACING_S
    clips = [{"start": s, "end": s + w.length_s} for s, w in zip(starts, windows, strict=True)]
    out: list[list[tuple[Piece, RawSegment]]] = [[] for _ in windows]
    for seg in model.transcribe_clips(np.concatenate(parts), clips):
        # Word times are quantised to 20 ms and may start a hair before their clip: allow 1 s.
        index = max(int(np.searchsorted(starts, seg.start + 1.0, side="right")) - 1, 0)
        base = starts[index]
        words = [_Word(w.start - base, w.end - base, w.word) for w in (seg.words or [])]
        if not words:
            words = [_Word(seg.start - base, seg.end - base, seg.text)]
        for piece_index, start, end, text in windows[index].split(words):
            piece = windows[index].pieces[piece_index]
            end = max(end, start + 0.01)
            if _is_quiet(energy[piece.channel], start, end):
                continue
            raw = RawSegment(round(start, 2), round(end, 2), text, seg.avg_logprob, seg.no_speech_prob,
                             seg.compression_ratio)  # fmt: skip
            out[index].append((piece, raw))
    return out


def _redo_missed_pieces(
    model: SpeechModel, windows: list[Window], decoded: list[tuple[Piece, RawSegment]], energy: np.ndarray
) -> list[tuple[Piece, RawSegment]]:
    """Whisper may stop before the end of a packed window (or derail on short choppy turns):
    decode each piece that got far too little text on its own, and keep whichever got more."""
    chars: dict[int, int] = {}
    for piece, raw in decoded:
        chars[id(piece)] = chars.get(id(piece), 0) + len(raw.text)
    missed = [
        (window, i)
        for window in windows
        if len(window.pieces) > 1
        for i, piece in enumerate(window.pieces)
        if chars.get(id(piece), 0) < MIN_CHARS_PER_S * piece.length_s
    ]
    if not missed:
        return decoded
    singles = [window.single(i) for window, i in missed]
    redone = _decode_windows(model, singles, energy)
    for (window, i), segs in zip(missed, redone, strict=True):
        original = window.pieces[i]
        if sum(len(raw.text) for _, raw in segs) > chars.get(id(original), 0):
            decoded = [(p, raw) for p, raw in decoded if p is not original]
            decoded.extend((original, raw) for _, raw in segs)
    return decoded


def _is_quiet(energy_db: np.ndarray, start_s: float, end_s: float) -> bool:
    lo = int(start_s / FRAME_S)
    window = energy_db[lo : max(lo + 1, int(end_s / FRAME_S))]
    if window.size == 0:
        return True
    floor = float(np.percentile(energy_db, 10))
    return float(np.percentile(window, 90)) < floor + SILENCE_MARGIN_DB
