"""What a recording declares about itself, read from its container header without decoding it.

Used to refuse a recording that is too long before anything decodes it (ingest, upload): the
declared duration costs a header read, where decoding 2 hours of audio costs seconds and memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from callqa.audio.decode import NO_AUDIO_STREAM, AudioError, declared_seconds, not_audio, unreadable


@dataclass(frozen=True)
class AudioInfo:
    """A recording's first audio stream as its container describes it."""

    duration_s: float | None  # None when the container states no duration (a piped FLAC, say)
    channels: int
    codec: str


def probe(path: str | Path) -> AudioInfo:
    """Open `path` and read its audio stream's description; AudioError if it is not audio."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(NO_AUDIO_STREAM)
            stream = container.streams.audio[0]
            return AudioInfo(declared_seconds(container, stream), stream.codec_context.channels or 0,
                             stream.codec_context.name)  # fmt: skip
    except av.FFmpegError as exc:
        raise AudioError(not_audio(exc)) from None
    except OSError as exc:
        raise AudioError(unreadable(exc)) from None
