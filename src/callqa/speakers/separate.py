"""Agent and customer on a mono call: split its `unknown` segments by voice, then name the voices.

Whisper's segments on one channel can run across a change of speaker, so the unit is the timed
word (`Segment.words`; a segment without words is one unit): each word gets a voice
(`cluster.voices`), a segment is cut where the voice changes, and the voices are named by what
they say (`roles.assign_roles`). Whatever is unsure stays `unknown`, which the rules read as they
always have (as possibly either party): the whole call when the two voices are hardly apart (one
voice split in two) or the words do not tell who collects, and any stretch whose own evidence is
weak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callqa.asr.transcribe import AudioSource
from callqa.speakers.cluster import voices
from callqa.speakers.features import frame_features
from callqa.speakers.roles import assign_roles
from callqa.transcript import Segment, Speaker, Word

SPEECH_MARGIN_DB = 6.0  # a frame this far above the call's floor carries voice
MIN_SEPARATION = 1.0  # distance between the voices (`Voices.separation`): below it, one voice split in two
MIN_SURENESS = 0.0  # a stretch's sureness (silhouette) needed to name its voice
_LEADING_PUNCT = "，。？！、,.?!；;：: "


@dataclass(frozen=True)
class Separation:
    """A mono call's segments with their roles, which voice is the agent (None: not decided) and
    how far apart the voices are (`Voices.separation`; 0 when not measured)."""

    segments: list[Segment]
    agent_cluster: int | None = None
    confidence: float = 0.0


def _words(seg: Segment) -> tuple[Word, ...]:
    """The segment's timed words when they spell its text, else the segment as one word."""
    if seg.words and "".join(w.text for w in seg.words) == seg.text:
        return seg.words
    return (Word(seg.start_s, seg.end_s, seg.text),)


def _mono(audio: AudioSource) -> list[np.ndarray]:
    return [block.mean(axis=0, keepdims=True) if block.shape[0] > 1 else block for block in audio.blocks()]


def separate(audio: AudioSource, segments: Sequence[Segment], energy_db: np.ndarray) -> Separation:
    """Give the `unknown` segments of a mono call (`energy_db`: its (1, frames) frame energy, as
    `speaker_energy` measured it) to the agent or the customer where the voices and words allow."""
    todo = [i for i, s in enumerate(segments) if s.speaker == "unknown" and s.text]
    if not todo:
        return Separation(list(segments))
    words = [_words(segments[i]) for i in todo]
    flat = [w for ws in words for w in ws]
    order = np.argsort([w.start_s for w in flat], kind="stable")
    features = frame_features(_mono(audio))
    level = energy_db[0] if energy_db.size else np.zeros(0)
    floor = float(np.percentile(level, 10)) if level.size else 0.0
    found = voices(features, level > floor + SPEECH_MARGIN_DB, [flat[k] for k in order])
    if found is None or found.separation < MIN_SEPARATION:
        return Separation(list(segments), None, found.separation if found else 0.0)
    voice = np.empty(len(flat), np.int8)
    sure = np.empty(len(flat), bool)
    voice[order], sure[order] = found.labels, found.sureness > MIN_SURENESS
    texts = ["".join(w.text for w, v in zip(flat, voice, strict=True) if v == k) for k in (0, 1)]
    call = assign_roles(texts)
    if call.agent is None:
        return Separation(list(segments), None, found.separation)
    names: dict[int, Speaker] = {call.agent: "agent", 1 - call.agent: "customer"}
    out: list[Segment] = []
    at = 0
    split: dict[int, list[Segment]] = {}
    for i, ws in zip(todo, words, strict=True):
        n = len(ws)
        split[i] = _cut(segments[i], ws, voice[at : at + n], sure[at : at + n], names)
        at += n
    for i, seg in enumerate(segments):
        out.extend(split.get(i, [seg]))
    return Separation(out, call.agent, found.separation)


def _cut(
    seg: Segment,
    words: Sequence[Word],
    voice: np.ndarray,
    sure: np.ndarray,
    names: dict[int, Speaker],
) -> list[Segment]:
    """`seg` cut into runs of words of one voice, each named, or `unknown` where the voice is unsure."""
    runs: list[tuple[int, int]] = []
    for k in range(len(words)):
        if runs and voice[k] == voice[runs[-1][0]] and sure[k] == sure[runs[-1][0]]:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    out: list[Segment] = []
    for lo, hi in runs:
        speaker: Speaker = names[int(voice[lo])] if sure[lo] else "unknown"
        text = "".join(w.text for w in words[lo:hi])
        if out:  # punctuation that closes the previous run's sentence stays with it
            rest = text.lstrip(_LEADING_PUNCT)
            out[-1] = Segment(out[-1].speaker, out[-1].start_s, out[-1].end_s,
                              out[-1].text + text[: len(text) - len(rest)], out[-1].words)  # fmt: skip
            text = rest
        start = seg.start_s if lo == 0 else words[lo].start_s
        end = seg.end_s if hi == len(words) else words[hi - 1].end_s
        if out and out[-1].speaker == speaker:
            prev = out.pop()
            out.append(
                Segment(speaker, prev.start_s, end, prev.text + text, prev.words + tuple(words[lo:hi]))
            )
        else:
            out.append(Segment(speaker, start, max(end, start + 0.01), text, tuple(words[lo:hi])))
    return [s for s in out if s.text.strip()]
