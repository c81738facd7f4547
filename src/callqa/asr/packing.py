"""Pack speech spans into Whisper's 30 s decoding windows, and map decoded words back.

Whisper's encoder always works on 30 s; one window per conversational turn wastes most of it.
We cut each channel into speech spans (Silero VAD, shipped with faster-whisper), order the spans
of all channels by time, and pack them, separated by short silences, into windows of at most
MAX_WINDOW_S. Each span remembers its channel and original time, so a decoded word goes back to
the right speaker and second through its (packed) timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from callqa.audio.decode import SAMPLE_RATE
from callqa.transcript import Word

MAX_WINDOW_S = 28.0
PACK_GAP_S = 0.5  # silence between spans of the same channel
SWITCH_GAP_S = 1.0  # longer silence where the speaker (channel) changes
MIN_SPAN_S = 0.3
VAD_WINDOW = 512  # samples per Silero VAD step: its decisions fall on this grid
_VAD = VadOptions(
    threshold=0.35, min_silence_duration_ms=600, speech_pad_ms=300, max_speech_duration_s=MAX_WINDOW_S
)


class TimedWord(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def word(self) -> str: ...


@dataclass(frozen=True)
class Piece:
    """One speech span inside a window: its channel and where it sits in packed and call time."""

    channel: int
    packed_start_s: float
    original_start_s: float
    length_s: float


@dataclass
class Window:
    """Speech spans packed together for one decoding pass."""

    audio: list[np.ndarray] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    length_s: float = 0.0
    parent: int = 0  # id() of the window this one was split from, if any

    def room_for(self, seconds: float) -> bool:
        return not self.pieces or self.length_s + SWITCH_GAP_S + seconds <= MAX_WINDOW_S

    def add(self, span: np.ndarray, channel: int, original_start_s: float) -> None:
        if self.pieces:
            gap = PACK_GAP_S if self.pieces[-1].channel == channel else SWITCH_GAP_S
            self.audio.append(np.zeros(int(gap * SAMPLE_RATE), np.float32))
            self.length_s += gap
        self.pieces.append(Piece(channel, self.length_s, original_start_s, span.size / SAMPLE_RATE))
        self.audio.append(span)
        self.length_s += span.size / SAMPLE_RATE

    def piece_at(self, t: float) -> int:
        """Index of the piece whose packed extent is nearest to packed time t."""
        distances = [max(p.packed_start_s - t, t - (p.packed_start_s + p.length_s), 0.0) for p in self.pieces]
        return int(np.argmin(distances))

    def to_original(self, t: float, piece: int) -> float:
        """Map a packed time inside `piece` back to the call's timeline."""
        p = self.pieces[piece]
        return p.original_start_s + min(max(t - p.packed_start_s, 0.0), p.length_s)

    def split(self, words: Sequence[TimedWord]) -> list[tuple[int, float, float, str, tuple[Word, ...]]]:
        """Group decoded words (packed times) by piece: (piece index, start_s, end_s, text, words) in
        call time."""
        groups: dict[int, list[TimedWord]] = {}
        for word in words:
            groups.setdefault(self.piece_at((word.start + word.end) / 2), []).append(word)
        return [self._span(index, group) for index, group in sorted(groups.items())]

    def _span(self, index: int, words: list[TimedWord]) -> tuple[int, float, float, str, tuple[Word, ...]]:
        """Whisper's word times can collapse on short spans: then use the whole span's extent."""
        piece = self.pieces[index]
        text = "".join(w.word for w in words).strip()
        start, end = self.to_original(words[0].start, index), self.to_original(words[-1].end, index)
        if end - start < MIN_SPAN_S:
            start, end = piece.original_start_s, piece.original_start_s + piece.length_s
        timed = tuple(
            Word(round(self.to_original(w.start, index), 2), round(self.to_original(w.end, index), 2), w.word)
            for w in words
        )
        return index, start, end, text, timed

    def single(self, index: int) -> Window:
        """One piece of this window as a window of its own."""
        return self.tail(index, self.pieces[index].original_start_s)

    def tail(self, index: int, from_s: float) -> Window:
        """The rest of one piece from call time `from_s` on, as a window of its own."""
        piece = self.pieces[index]
        skip = min(max(from_s - piece.original_start_s, 0.0), piece.length_s)
        lo = round((piece.packed_start_s + skip) * SAMPLE_RATE)
        span = np.concatenate(self.audio)[lo : lo + round((piece.length_s - skip) * SAMPLE_RATE)]
        window = Window(parent=id(self))
        window.add(span, piece.channel, piece.original_start_s + skip)
        return window


def speech_spans(block: np.ndarray, offset: int = 0) -> list[tuple[int, int, int]]:
    """VAD speech spans (start, channel, end) of every channel of a (channels, n) block, in sample
    positions of the call (the block starts at sample `offset`), in time order."""
    return sorted(
        (offset + int(span["start"]), ch, offset + int(span["end"]))
        for ch, channel in enumerate(block)
        for span in get_speech_timestamps(channel, _VAD)
    )


class Packer:
    """Packs time-ordered spans into windows and hands out the ones that can take no more."""

    def __init__(self) -> None:
        self._windows: list[Window] = []

    def add(self, span: np.ndarray, channel: int, original_start_s: float) -> None:
        if not self._windows or not self._windows[-1].room_for(span.size / SAMPLE_RATE):
            self._windows.append(Window())
        self._windows[-1].add(span, channel, original_start_s)

    def take_full(self) -> list[Window]:
        """The windows before the last one (which later spans may still join)."""
        full, self._windows = self._windows[:-1], self._windows[-1:]
        return full

    def take_all(self) -> list[Window]:
        every, self._windows = self._windows, []
        return every

    def __len__(self) -> int:
        return len(self._windows)
