"""Decode any supported recording into float32 PCM at 16 kHz, one row per channel.

PyAV (FFmpeg) decodes WAV in every PCM/float/G.711 flavour, FLAC, MP3, AAC/M4A and Ogg/Opus.
Its wheels' native AMR-NB decoder rejects files with DTX (comfort-noise) frames, which phone
recorders write, so AMR goes through the OpenCORE AMR-NB decoder of the FFmpeg executable that
the `imageio-ffmpeg` wheel ships. Every failure becomes an `AudioError` with a one-line reason.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.1
_TRUNCATION_TOLERANCE = 0.9  # decoded / declared duration below this means a cut-off file
_AMR_MAGIC = b"#!AMR\n"


class AudioError(Exception):
    """A recording that cannot be decoded; str() is a one-line reason for people."""


@dataclass(frozen=True)
class DecodedAudio:
    """Samples as float32 in [-1, 1], shape (channels, frames), at SAMPLE_RATE."""

    samples: np.ndarray
    codec: str
    source_rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / SAMPLE_RATE


def decode(path: str | Path) -> DecodedAudio:
    """Decode `path`; raise AudioError with a readable reason on any problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise AudioError(f"cannot read file: {exc.strerror or exc}") from None
    if size == 0:
        raise AudioError("empty file (0 bytes)")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        _check_wav_length(path, size)
    audio = _decode_amr_nb(path) if head.startswith(_AMR_MAGIC) else _decode_with_pyav(path)
    if audio.samples.shape[1] < MIN_SECONDS * SAMPLE_RATE:
        raise AudioError(f"no audio: {audio.samples.shape[1]} samples decoded")
    return audio


def _check_wav_length(path: Path, size: int) -> None:
    """FFmpeg quietly decodes what is left of a cut WAV; compare with its `data` chunk size."""
    with path.open("rb") as fh:
        fh.seek(12)
        while (header := fh.read(8)) and len(header) == 8:
            chunk, length = header[:4], int.from_bytes(header[4:], "little")
            if chunk == b"data":
                present = size - fh.tell()
                if length not in (0, 0xFFFFFFFF) and present < length * _TRUNCATION_TOLERANCE:
                    raise AudioError(
                        f"truncated file: header declares {length} bytes of audio, only {present} present"
                    )
                return
            fh.seek(length + (length & 1), 1)


def _decode_with_pyav(path: Path) -> DecodedAudio:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise AudioError(f"not a readable audio file ({_ffmpeg_reason(exc)})") from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise AudioError("the file holds no audio stream")
        stream = streams[0]
        if stream.codec_context.name == "amr_nb":
            return _decode_amr_nb(path)
        channels = 1 if stream.codec_context.channels == 1 else 2
        resampler = av.AudioResampler(
            format="fltp", layout="mono" if channels == 1 else "stereo", rate=SAMPLE_RATE
        )
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
        except av.FFmpegError as exc:
            raise AudioError(f"corrupt or truncated audio ({_ffmpeg_reason(exc)})") from None
        declared = _declared_seconds(container, stream)
        codec = stream.codec_context.name
        source_rate = stream.codec_context.sample_rate or 0
    samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0), np.float32)
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    decoded_s = samples.shape[1] / SAMPLE_RATE
    if declared and decoded_s < declared * _TRUNCATION_TOLERANCE:
        raise AudioError(f"truncated file: header declares {declared:.1f} s, only {decoded_s:.1f} s present")
    return DecodedAudio(samples, codec, source_rate)


def _declared_seconds(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _ffmpeg_reason(exc: av.FFmpegError) -> str:
    return (getattr(exc, "strerror", None) or str(exc)).strip().rstrip(".")


def ffmpeg_executable() -> str:
    """Path of the FFmpeg binary bundled by imageio-ffmpeg (has libopencore_amrnb)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _decode_amr_nb(path: Path) -> DecodedAudio:
    cmd = [
        ffmpeg_executable(),
        "-nostdin",
        "-v",
        "error",
        "-c:a",
        "libopencore_amrnb",
        "-i",
        str(path),
        "-f",
        "f32le",
        "-ac",
        "1",
        "-ar",
        str(SAMPLE_RATE),
        "-",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError(f"AMR-NB decoder failed to run: {exc}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(f"corrupt AMR-NB audio ({lines[-1] if lines else 'decoder error'})")
    samples = np.frombuffer(proc.stdout, dtype="<f4").reshape(1, -1).copy()
    return DecodedAudio(samples, "amr_nb", 8000)
