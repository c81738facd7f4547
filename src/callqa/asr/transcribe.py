"""Turn a decoded call into speaker-labelled, time-ordered transcript segments.

Stereo: bleed is removed, each channel is cut into speech clips by Silero VAD (shipped with
faster-whisper), clips of both channels are decoded in one batch, and each segment is labelled
with its channel's role. Mono: one channel, speaker `unknown`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from callqa.asr.cleanup import RawSegment, clean_segments
from callqa.asr.engine import SpeechModel
from callqa.audio.channels import FRAME_S, frame_energy_db, remove_bleed
from callqa.audio.decode import SAMPLE_RATE, DecodedAudio
from callqa.transcript import Segment, Speaker

MAX_WINDOW_S = 28.0  # packed speech per decoding window (Whisper decodes 30 s windows)
PACK_GAP_S = 0.5  # silence kept between packed speech spans
CHANNEL_GAP_S = (
    30.0  # zeros between windows in the joint buffer: no timestamp can overshoot into the next window
)
MIN_CHARS_PER_S = 1.0
MIN_SPAN_S = 0.3
SILENCE_MARGIN_DB = 6.0  # a segment no louder than the channel's floor + this is noise
_VAD = VadOptions(
    threshold=0.35, min_silence_duration_ms=600, speech_pad_ms=300, max_speech_duration_s=MAX_WINDOW_S
)


@dataclass
class Window:
    """Speech spans of one channel packed together for one decoding pass.

    `pieces` maps packed time to original time: (packed_start_s, original_start_s, length_s).
    """

    channel: int
    audio: list[np.ndarray] = field(default_factory=list)
    pieces: list[tuple[float, float, float]] = field(default_factory=list)
    length_s: float = 0.0
    parent: int = 0  # id() of the window this one was split from, if any

    def add(self, span: np.ndarray, original_start_s: float) -> None:
        if self.audio:
            self.audio.append(np.zeros(int(PACK_GAP_S * SAMPLE_RATE), np.float32))
            self.length_s += PACK_GAP_S
        self.pieces.append((self.length_s, original_start_s, span.size / SAMPLE_RATE))
        self.audio.append(span)
        self.length_s += span.size / SAMPLE_RATE

    def piece_at(self, t: float) -> int:
        """Index of the packed piece holding (or nearest before) packed time t."""
        index = 0
        for i, piece in enumerate(self.pieces):
            if piece[0] <= t + 1e-6:
                index = i
        return index

    def to_original(self, t: float, piece: int) -> float:
        """Map a packed time inside piece `piece` back to the call's timeline."""
        packed_start, original_start, length = self.pieces[piece]
        return original_start + min(max(t - packed_start, 0.0), length)

    def split(self, seg: object) -> list[tuple[float, float, str]]:
        """Split a decoded segment at piece boundaries (by word times) in call time."""
        words = getattr(seg, "words", None) or []
        groups: dict[int, list] = {}
        for word in words:
            groups.setdefault(self.piece_at((word.start + word.end) / 2), []).append(word)
        if not groups:
            piece = self.piece_at(seg.start)
            return [(self.to_original(seg.start, piece), self.to_original(seg.end, piece), seg.text)]
        return [self._span(p, ws) for p, ws in sorted(groups.items())]

    def _span(self, piece: int, words: list) -> tuple[float, float, str]:
        """Call-time span of words in one piece; Whisper's word times can collapse on short
        clips, so a span shorter than MIN_SPAN_S falls back to the whole piece."""
        text = "".join(w.word for w in words).strip()
        start, end = self.to_original(words[0].start, piece), self.to_original(words[-1].end, piece)
        if end - start < MIN_SPAN_S:
            _, start, length = self.pieces[piece]
            end = start + length
        return start, end, text


def pack_windows(channel: np.ndarray, ch_index: int) -> list[Window]:
    """Cut one channel into VAD speech spans and pack them into windows of ≤ MAX_WINDOW_S."""
    windows: list[Window] = []
    for span in get_speech_timestamps(channel, _VAD):
        start, end = int(span["start"]), int(span["end"])
        piece = channel[start:end]
        if not windows or windows[-1].length_s + PACK_GAP_S + piece.size / SAMPLE_RATE > MAX_WINDOW_S:
            windows.append(Window(ch_index))
        windows[-1].add(piece, start / SAMPLE_RATE)
    return windows


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


def _is_quiet(energy_db: np.ndarray, start_s: float, end_s: float) -> bool:
    lo = int(start_s / FRAME_S)
    window = energy_db[lo : max(lo + 1, int(end_s / FRAME_S))]
    if window.size == 0:
        return True
    floor = float(np.percentile(energy_db, 10))
    return float(np.percentile(window, 90)) < floor + SILENCE_MARGIN_DB


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
    windows = [w for ch_index, channel in enumerate(samples) for w in pack_windows(channel, ch_index)]
    if not windows:
        return []
    per_channel: list[list[RawSegment]] = [[] for _ in roles]
    decoded = _decode_windows(model, windows, energy)
    retry = [w for w, segs in zip(windows, decoded, strict=True) if _too_little_text(w, segs)]
    if retry:  # packing can derail Whisper on short choppy turns: decode those spans one by one
        singles = [_single(w, i) for w in retry for i in range(len(w.pieces))]
        redone = _decode_windows(model, singles, energy)
        by_window = {id(w): [] for w in retry}
        for single, segs in zip(singles, redone, strict=True):
            by_window[single.parent].extend(segs)
        decoded = [by_window.get(id(w), segs) for w, segs in zip(windows, decoded, strict=True)]
    for window, segs in zip(windows, decoded, strict=True):
        per_channel[window.channel].extend(segs)
    merged = [
        Segment(roles[ch], s.start_s, s.end_s, s.text)
        for ch, raw in enumerate(per_channel)
        for s in clean_segments(sorted(raw, key=_start))
    ]
    return sorted(merged, key=lambda s: (s.start_s, s.end_s))


def _decode_windows(model: SpeechModel, windows: list[Window], energy: np.ndarray) -> list[list[RawSegment]]:
    """Decode all windows in one batch; returns each window's segments in call time."""
    gap = np.zeros(int(CHANNEL_GAP_S * SAMPLE_RATE), np.float32)
    parts: list[np.ndarray] = []
    clips: list[dict[str, float]] = []
    offset = 0.0
    for window in windows:
        clips.append({"start": offset, "end": offset + window.length_s})
        parts.extend([*window.audio, gap])
        offset += window.length_s + CHANNEL_GAP_S
    starts = np.array([c["start"] for c in clips])
    out: list[list[RawSegment]] = [[] for _ in windows]
    for seg in model.transcribe_clips(np.concatenate(parts), clips):
        index = max(int(np.searchsorted(starts, seg.start + 1.0, side="right")) - 1, 0)
        window = windows[index]
        for start, end, text in window.split(_Shifted(seg, starts[index])):
            end = max(end, start + 0.01)
            if not _is_quiet(energy[window.channel], start, end):
                out[index].append(
                    RawSegment(
                        round(start, 2),
                        round(end, 2),
                        text,
                        seg.avg_logprob,
                        seg.no_speech_prob,
                        seg.compression_ratio,
                    )
                )
    return out


def _too_little_text(window: Window, segments: list[RawSegment]) -> bool:
    """Mandarin runs ~4 characters a second; far fewer means the packed decode went wrong."""
    speech_s = sum(piece[2] for piece in window.pieces)
    chars = sum(len(clean.text) for clean in clean_segments(segments))
    return len(window.pieces) > 1 and chars < MIN_CHARS_PER_S * speech_s


def _single(window: Window, index: int) -> Window:
    """One piece of a window as a window of its own."""
    packed_start, original_start, length = window.pieces[index]
    single = Window(window.channel, parent=id(window))
    lo = round(packed_start * SAMPLE_RATE)
    single.add(np.concatenate(window.audio)[lo : lo + round(length * SAMPLE_RATE)], original_start)
    return single


@dataclass(frozen=True)
class _ShiftedWord:
    start: float
    end: float
    word: str


class _Shifted:
    """A decoded segment with its times made relative to its window's start."""

    def __init__(self, seg: object, offset: float) -> None:
        self.start = seg.start - offset
        self.end = seg.end - offset
        self.text = seg.text
        self.words = [_ShiftedWord(w.start - offset, w.end - offset, w.word) for w in (seg.words or [])]


def _start(seg: RawSegment) -> float:
    return seg.start_s


def segments_as_dicts(segments: Sequence[Segment]) -> list[dict[str, object]]:
    return [{"speaker": s.speaker, "start_s": s.start_s, "end_s": s.end_s, "text": s.text} for s in segments]
