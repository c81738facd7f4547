"""Turn a decoded call into speaker-labelled, time-ordered transcript segments, in bounded memory.

Stereo: bleed is removed, speech spans of both channels are packed into shared windows (see
packing.py), the windows are decoded in batches, and each word goes back to its channel's role.
Mono: one channel, speaker `unknown` (then `callqa.speakers` tells the two apart); segments keep
their timed words.

Memory does not grow with the call's length: a first pass over the audio measures its energy
(bleed decisions and noise floors are the whole call's); a second pass takes it in blocks of about
5 minutes cut in pauses, removes bleed in place, runs VAD on the block and packs its speech; every
`chunk_windows` packed windows are decoded together and let go. A call shorter than a block is
processed exactly as one piece.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from callqa.asr.cleanup import RawSegment, clean_segments, spread_text
from callqa.asr.engine import SpeechModel, release_freed_memory
from callqa.asr.packing import VAD_WINDOW, Packer, Piece, Window, speech_spans
from callqa.audio.blocks import rechunk
from callqa.audio.channels import (
    FRAME,
    FRAME_S,
    SILENT_DB,
    mute_unowned,
    owned_frames,
    quiet_cuts,
    stream_energy_db,
)
from callqa.audio.decode import SAMPLE_RATE
from callqa.transcript import Segment, Speaker

# Zeros between windows in the joint buffer: no timestamp can overshoot into the next window.
WINDOW_SPACING_S = 30.0
MIN_CHARS_PER_S = 1.0  # Mandarin runs ~4 characters a second; far fewer means a missed span
TAIL_MIN_S = 2.0  # audible speech this long after a piece's last decoded word was cut off
SILENCE_MARGIN_DB = 6.0  # a segment no louder than the channel's floor + this is noise
BLOCK_S = 300.0  # VAD and bleed removal work on blocks of about this length...
BLOCK_SEARCH_S = 30.0  # ...each cut at the quietest moment of the last this-many seconds...
BLOCK_GRID = math.lcm(FRAME, VAD_WINDOW)  # ...on the grid of both energy frames and VAD windows


class AudioSource(Protocol):
    """A decoded call that can be read in blocks, more than once (DecodedAudio, Recording)."""

    @property
    def channels(self) -> int: ...

    @property
    def duration_s(self) -> float: ...

    def blocks(self) -> Iterator[np.ndarray]: ...


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


@dataclass(frozen=True)
class SpeakerEnergy:
    """A call's first pass: the speaker of each channel to transcribe, and per channel the energy
    of its 20 ms frames as transcribed (bleed muted: -120 dB where the channel does not own it)."""

    roles: list[Speaker]
    downmix: bool  # a 'mixed' stereo file, transcribed as one mono channel
    energy_db: np.ndarray  # (len(roles), frames)
    owned: np.ndarray | None  # stereo: where each channel carries its own speaker


def _signal(audio: AudioSource, downmix: bool) -> Iterator[np.ndarray]:
    for block in audio.blocks():
        yield block.mean(axis=0, keepdims=True) if downmix else block


def speaker_energy(audio: AudioSource, channels_spec: str | None = None) -> SpeakerEnergy:
    """Measure a call's energy per speaker channel (one pass over the audio); the transcription and
    the workbench's waveform (`callqa.audio.waveform`) both start from it."""
    roles = channel_roles(channels_spec, audio.channels)
    downmix = audio.channels == 2 and roles[0] == roles[1]
    if downmix:
        roles = ["unknown"]
    energy, _ = stream_energy_db(_signal(audio, downmix))
    owned = owned_frames(energy) if len(roles) == 2 else None
    if owned is not None:
        energy = np.where(owned, energy, SILENT_DB)  # the energy of the muted signal
    return SpeakerEnergy(roles, downmix, energy, owned)


def transcribe_audio(
    model: SpeechModel,
    audio: AudioSource,
    channels_spec: str | None = None,
    *,
    chunk_windows: int = 0,
    measured: SpeakerEnergy | None = None,
) -> list[Segment]:
    """Transcribe a call; returns segments in time order, bleed and hallucinations removed.
    `chunk_windows` (default: the model's batch size) bounds the windows decoded at once;
    `measured` is the call's `speaker_energy`, when the caller has it already."""
    measured = measured or speaker_energy(audio, channels_spec)
    roles, energy, owned = measured.roles, measured.energy_db, measured.owned
    floors = [float(np.percentile(channel, 10)) if channel.size else SILENT_DB for channel in energy]
    batch = _Batches(model, energy, floors, chunk_windows or model.settings.batch_size)
    packer = Packer()
    for offset, block in rechunk(
        _signal(audio, measured.downmix), quiet_cuts(energy, BLOCK_S, BLOCK_SEARCH_S, BLOCK_GRID)
    ):
        if owned is not None:
            mute_unowned(block, owned, offset // FRAME)
        for start, ch, end in speech_spans(block, offset):
            packer.add(block[ch, start - offset : end - offset].copy(), ch, start / SAMPLE_RATE)
            if len(packer) > batch.size:
                batch.decode(packer.take_full())
    batch.decode(packer.take_all())
    per_channel: list[list[RawSegment]] = [[] for _ in roles]
    for piece, raw in batch.finish():
        per_channel[piece.channel].append(raw)
    merged = [
        Segment(roles[ch], s.start_s, s.end_s, s.text, s.words)
        for ch, raw in enumerate(per_channel)
        for s in clean_segments(sorted(raw, key=lambda r: r.start_s), model.settings.initial_prompt)
    ]
    return sorted(merged, key=lambda s: (s.start_s, s.end_s))


class _Batches:
    """Decodes packed windows `size` at a time, redoes missed pieces alone and decodes the speech
    left after a piece's last decoded word (also `size` at a time), keeping only the decoded text
    and the audio still to decode between batches."""

    def __init__(self, model: SpeechModel, energy: np.ndarray, floors: list[float], size: int) -> None:
        self.model, self.energy, self.floors, self.size = model, energy, floors, size
        self.decoded: list[tuple[Piece, RawSegment]] = []
        self.redo: list[tuple[Piece, Window]] = []  # (missed piece, that piece as a window of its own)
        self.tails: list[Window] = []  # the undecoded rest of pieces, each a window of its own

    def decode(self, windows: list[Window]) -> None:
        for lo in range(0, len(windows), self.size):
            chunk = windows[lo : lo + self.size]
            decoded = [
                seg for segs in _decode_windows(self.model, chunk, self.energy, self.floors) for seg in segs
            ]
            self.decoded.extend(decoded)
            missed = _missed_pieces(chunk, decoded)
            self.redo.extend((window.pieces[i], window.single(i)) for window, i in missed)
            redone = {id(window.pieces[i]) for window, i in missed}
            self._queue_tails(
                [(w, i) for w in chunk for i, p in enumerate(w.pieces) if id(p) not in redone], decoded
            )
            if len(self.redo) >= self.size:
                self._redo()

    def finish(self) -> list[tuple[Piece, RawSegment]]:
        if self.redo:
            self._redo()
        if self.tails:
            self._decode_tails()
        return self.decoded

    def _queue_tails(self, pieces: list[tuple[Window, int]], decoded: list[tuple[Piece, RawSegment]]) -> None:
        """Whisper may stop early inside one long piece (a customer's short answer, then the agent's
        long turn, on a mono call): the audible speech after the piece's last decoded word is queued
        to be decoded on its own, once."""
        ends: dict[int, float] = {}
        for piece, raw in decoded:
            ends[id(piece)] = max(ends.get(id(piece), 0.0), raw.end_s)
        for window, i in pieces:
            piece = window.pieces[i]
            end, stop = ends.get(id(piece)), piece.original_start_s + piece.length_s
            if end is None or stop - end < TAIL_MIN_S:
                continue
            if not _is_quiet(self.energy[piece.channel], self.floors[piece.channel], end, stop):
                self.tails.append(window.tail(i, float(end)))
        if len(self.tails) >= self.size:
            self._decode_tails()

    def _decode_tails(self) -> None:
        tails, self.tails = self.tails, []
        self.decoded.extend(
            seg for segs in _decode_windows(self.model, tails, self.energy, self.floors) for seg in segs
        )

    def _redo(self) -> None:
        """Whisper may stop before the end of a packed window (or derail on short choppy turns):
        each piece that got far too little text is decoded on its own; the version with more text stays."""
        redo, self.redo = self.redo, []
        redone = _decode_windows(self.model, [single for _, single in redo], self.energy, self.floors)
        chars: dict[int, int] = {}
        for piece, raw in self.decoded:
            chars[id(piece)] = chars.get(id(piece), 0) + len(raw.text)
        better = [(original, segs) for (original, _), segs in zip(redo, redone, strict=True)
                  if sum(len(raw.text) for _, raw in segs) > chars.get(id(original), 0)]  # fmt: skip
        replaced = {id(original) for original, _ in better}
        self.decoded = [(p, raw) for p, raw in self.decoded if id(p) not in replaced]
        self.decoded.extend((original, raw) for original, segs in better for _, raw in segs)
        # then what each piece's final decoding left out at its end (its single window holds its audio)
        singles = {id(original): single for original, single in redo}
        self._queue_tails(
            [(single, 0) for single in singles.values()],
            [(singles[id(p)].pieces[0], raw) for p, raw in self.decoded if id(p) in singles],
        )


@dataclass(frozen=True)
class _Word:
    start: float
    end: float
    word: str


REPLACEMENT = "\ufffd"


def repair_words(words: list[_Word], text: str) -> list[_Word]:
    """Words whose characters were cut into byte pieces (U+FFFD), rebuilt from the segment's text.

    faster-whisper splits a segment into words token by token; when a timestamp token falls between
    the bytes of one character, the word-level pieces decode to U+FFFD although the segment's text,
    decoded from its text tokens alone, holds the whole character (「动�女」 for 「冻结你」). The
    segment text is aligned to the words, and each of its characters goes to the word it aligns with
    (a repaired character to the word where its broken bytes began). What cannot be repaired is
    dropped: no transcript holds U+FFFD."""
    joined = "".join(w.word for w in words)
    if REPLACEMENT not in joined:
        return words
    if REPLACEMENT in text or not text.strip():
        return [replace(w, word=w.word.replace(REPLACEMENT, "")) for w in words]
    rebuilt = spread_text([w.word for w in words], text)
    return [replace(w, word=t) for w, t in zip(words, rebuilt, strict=True)]


def _decode_windows(
    model: SpeechModel, windows: list[Window], energy: np.ndarray, floors: list[float]
) -> list[list[tuple[Piece, RawSegment]]]:
    """Decode windows in one call; returns each window's (piece, segment) in call time."""
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
        words = repair_words(
            [_Word(w.start - base, w.end - base, w.word) for w in (seg.words or [])], seg.text
        )
        if not words:
            words = [_Word(seg.start - base, seg.end - base, seg.text)]
        for piece_index, start, end, text, timed in windows[index].split(words):
            piece = windows[index].pieces[piece_index]
            end = max(end, start + 0.01)
            if _is_quiet(energy[piece.channel], floors[piece.channel], start, end):
                continue
            raw = RawSegment(round(start, 2), round(end, 2), text, seg.avg_logprob, seg.no_speech_prob,
                             seg.compression_ratio, timed)  # fmt: skip
            out[index].append((piece, raw))
    release_freed_memory()
    return out


def _missed_pieces(
    windows: list[Window], decoded: list[tuple[Piece, RawSegment]]
) -> list[tuple[Window, int]]:
    """(window, piece index) of pieces of multi-piece windows that got far too little text."""
    chars: dict[int, int] = {}
    for piece, raw in decoded:
        chars[id(piece)] = chars.get(id(piece), 0) + len(raw.text)
    return [
        (window, i)
        for window in windows
        if len(window.pieces) > 1
        for i, piece in enumerate(window.pieces)
        if chars.get(id(piece), 0) < MIN_CHARS_PER_S * piece.length_s
    ]


def _is_quiet(energy_db: np.ndarray, floor: float, start_s: float, end_s: float) -> bool:
    lo = int(start_s / FRAME_S)
    window = energy_db[lo : max(lo + 1, int(end_s / FRAME_S))]
    if window.size == 0:
        return True
    return float(np.percentile(window, 90)) < floor + SILENCE_MARGIN_DB
