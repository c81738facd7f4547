"""Decode any supported recording into float32 PCM at 16 kHz, one row per channel, in bounded memory.

PyAV (FFmpeg) decodes WAV in every PCM/float/G.711 flavour, FLAC, MP3, AAC/M4A and Ogg/Opus.
Its wheels' native AMR-NB decoder rejects files with DTX (comfort-noise) frames, which phone
recorders write, so AMR goes through the OpenCORE AMR-NB decoder of the FFmpeg executable that
the `imageio-ffmpeg` wheel ships. Every failure becomes an `AudioError` with a one-line reason.

Decoding streams: samples come out block by block, so a recording longer than the limit
(`max_call_minutes`) is refused as soon as its declared length, or else its decoded audio, passes
it; 2 hours of stereo float32 would take 920 MB. `load` keeps a short call in memory
(`DecodedAudio`) and returns a long one as a `Recording`, decoded anew each time it is read.
"""

from __future__ import annotations

import errno
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.1
IN_MEMORY_S = 600.0  # calls up to this long are decoded once and kept (10 min stereo: 77 MB)
LENGTH_GRACE_S = 1.0  # codec padding: a recording this much over the limit still passes
BLOCK_FRAMES = 60 * SAMPLE_RATE  # in-memory audio is handed out in blocks of this many frames
_TRUNCATION_TOLERANCE = 0.9  # decoded / declared duration below this means a cut-off file
_AMR_MAGIC = b"#!AMR\n"
_AMR_TIMEOUT_S = 600
# Reasons are in Chinese: they are stored as the call's error and shown on the workbench.
EMPTY_FILE = "文件为空（0 字节）"
NO_AUDIO_STREAM = "文件中没有音轨"
FFMPEG_REASONS = {
    "Invalid data found when processing input": "数据无法识别",
    "End of file": "文件提前结束",
    "No such file or directory": "文件不存在",
    "Permission denied": "没有读取权限",
    "Decoder not found": "缺少对应的解码器",
    "Invalid argument": "格式参数无效",
}
OS_REASONS = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EISDIR: "这是一个文件夹",
              errno.EIO: "读取时发生磁盘错误", errno.ENOSPC: "磁盘已满"}  # fmt: skip


class AudioError(Exception):
    """A recording that cannot be decoded; str() is a one-line reason for people."""


class TooLong(AudioError):
    """A recording longer than the configured limit (`max_call_minutes`)."""

    @classmethod
    def measured(cls, seconds: float, max_minutes: float) -> TooLong:
        return cls(f"录音长 {seconds / 60:.1f} 分钟，超过 {max_minutes:g} 分钟的上限（max_call_minutes）")

    @classmethod
    def still_going(cls, max_minutes: float) -> TooLong:
        return cls(f"录音超过 {max_minutes:g} 分钟的上限（max_call_minutes），解码已在上限处停止")


def too_long(seconds: float, max_minutes: float | None) -> bool:
    """Whether `seconds` of audio exceed a limit of `max_minutes` (None: no limit)."""
    return max_minutes is not None and seconds > max_minutes * 60 + LENGTH_GRACE_S


def check_length(seconds: float | None, max_minutes: float | None) -> None:
    """Raise TooLong when a known length is over the limit; an unknown one passes here."""
    if seconds is not None and max_minutes is not None and too_long(seconds, max_minutes):
        raise TooLong.measured(seconds, max_minutes)


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

    def blocks(self) -> Iterator[np.ndarray]:
        """The samples in consecutive (channels, n) views."""
        for start in range(0, self.samples.shape[1], BLOCK_FRAMES):
            yield self.samples[:, start : start + BLOCK_FRAMES]


@dataclass(frozen=True)
class Recording:
    """A checked recording too long to keep in memory: `blocks()` decodes it again, block by block."""

    path: Path
    channels: int
    codec: str
    source_rate: int
    frames: int
    max_minutes: float | None = None

    @property
    def duration_s(self) -> float:
        return self.frames / SAMPLE_RATE

    def blocks(self) -> Iterator[np.ndarray]:
        """(channels, n) float32 blocks, in order; the same checks as the first decoding apply."""
        yield from _Reader(self.path, self.max_minutes).blocks()


def decode(path: str | Path, max_minutes: float | None = None) -> DecodedAudio:
    """Decode `path` into memory; raise AudioError with a readable reason on any problem."""
    audio = _read(Path(path), max_minutes, keep_s=None)
    assert isinstance(audio, DecodedAudio)
    return audio


def load(path: str | Path, max_minutes: float | None = None) -> DecodedAudio | Recording:
    """Check `path` by decoding it once: a short call comes back in memory, a long one as a
    `Recording` to stream. AudioError (TooLong past `max_minutes`) for any problem."""
    return _read(Path(path), max_minutes, keep_s=IN_MEMORY_S)


def _read(path: Path, max_minutes: float | None, keep_s: float | None) -> DecodedAudio | Recording:
    reader = _Reader(path, max_minutes)
    keep: _Growing | None = _Growing(reader.channels, reader.declared_s)
    if keep_s is not None and reader.declared_s and reader.declared_s > keep_s:
        keep = None
    frames = 0
    for block in reader.blocks():
        frames += block.shape[1]
        if keep is not None and keep_s is not None and frames > keep_s * SAMPLE_RATE:
            keep = None  # too long to hold: go on decoding only to check it
        if keep is not None:
            keep.append(block)
    if frames < MIN_SECONDS * SAMPLE_RATE:
        raise AudioError(f"没有音频：只解码出 {frames} 个采样")
    if keep is not None:
        return DecodedAudio(keep.samples(), reader.codec, reader.source_rate)
    return Recording(path, reader.channels, reader.codec, reader.source_rate, frames, max_minutes)


class _Growing:
    """A (channels, n) float32 buffer filled block by block: sized from the declared length and
    grown by half when that was short, so it never holds a list of blocks plus their concatenation."""

    def __init__(self, channels: int, declared_s: float | None) -> None:
        capacity = int(((declared_s or 0) * 1.01 + 1) * SAMPLE_RATE) if declared_s else 60 * SAMPLE_RATE
        self._buffer = np.empty((channels, capacity), np.float32)
        self._size = 0

    def append(self, block: np.ndarray) -> None:
        end = self._size + block.shape[1]
        if end > self._buffer.shape[1]:
            grown = np.empty((self._buffer.shape[0], max(end, self._buffer.shape[1] * 3 // 2)), np.float32)
            grown[:, : self._size] = self._buffer[:, : self._size]
            self._buffer = grown
        self._buffer[:, self._size : end] = block
        self._size = end

    def samples(self) -> np.ndarray:
        """The filled part; a view (the unused tail was never written, so never resident)."""
        return self._buffer[:, : self._size]


class _Reader:
    """One recording's metadata, read on opening, and its samples as an iterator of blocks."""

    def __init__(self, path: Path, max_minutes: float | None) -> None:
        self.path, self.max_minutes = path, max_minutes
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise AudioError(unreadable(exc)) from None
        if size == 0:
            raise AudioError(EMPTY_FILE)
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            _check_wav_length(path, size)
        self.amr = head.startswith(_AMR_MAGIC)
        self.channels, self.codec, self.source_rate, self.declared_s = 1, "amr_nb", 8000, None
        if not self.amr:
            with _open_container(path) as container:
                stream = _audio_stream(container)
                self.amr = stream.codec_context.name in ("amr_nb", "amrnb")
                if not self.amr:
                    self.channels = 1 if stream.codec_context.channels == 1 else 2
                    self.codec = stream.codec_context.name
                    self.source_rate = stream.codec_context.sample_rate or 0
                    self.declared_s = declared_seconds(container, stream)
        check_length(self.declared_s, max_minutes)

    def blocks(self) -> Iterator[np.ndarray]:
        """Float32 (channels, n) blocks at SAMPLE_RATE; raises AudioError (TooLong past the limit)."""
        limit = None if self.max_minutes is None else self.max_minutes * 60 + LENGTH_GRACE_S
        frames = 0
        for block in self._decode_amr_nb(limit) if self.amr else self._decode_with_pyav():
            frames += block.shape[1]
            if limit is not None and frames > limit * SAMPLE_RATE:
                assert self.max_minutes is not None
                raise TooLong.still_going(self.max_minutes)
            yield block
        decoded_s = frames / SAMPLE_RATE
        if self.declared_s and decoded_s < self.declared_s * _TRUNCATION_TOLERANCE:
            raise AudioError(f"文件不完整：文件头声明 {self.declared_s:.1f} 秒，实际只有 {decoded_s:.1f} 秒")

    def _decode_with_pyav(self) -> Iterator[np.ndarray]:
        with _open_container(self.path) as container:
            stream = _audio_stream(container)
            resampler = av.AudioResampler(
                format="fltp", layout="mono" if self.channels == 1 else "stereo", rate=SAMPLE_RATE
            )
            try:
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        yield out.to_ndarray()
                for out in resampler.resample(None):
                    yield out.to_ndarray()
            except av.FFmpegError as exc:
                raise AudioError(f"音频损坏或不完整（{ffmpeg_reason(exc)}）") from None

    def _decode_amr_nb(self, limit_s: float | None) -> Iterator[np.ndarray]:
        """Stream FFmpeg's output; `-t` stops it just past the limit, whatever the file holds."""
        cmd = [ffmpeg_executable(), "-nostdin", "-v", "error", "-c:a", "libopencore_amrnb",
               "-i", str(self.path), "-f", "f32le", "-ac", "1", "-ar", str(SAMPLE_RATE)]  # fmt: skip
        if limit_s is not None:
            cmd += ["-t", f"{limit_s + 1:.3f}"]
        with tempfile.TemporaryFile() as errors:
            try:
                proc = subprocess.Popen([*cmd, "-"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=errors)  # fmt: skip
            except OSError as exc:
                raise AudioError(f"AMR 解码器无法运行（{os_reason(exc)}）") from None
            assert proc.stdout is not None
            watchdog = threading.Timer(_AMR_TIMEOUT_S, proc.kill)
            watchdog.start()
            try:
                tail = b""
                while data := proc.stdout.read(1 << 18):
                    data, usable = tail + data, (len(tail) + len(data)) // 4 * 4
                    tail = data[usable:]
                    if usable:
                        yield np.frombuffer(data[:usable], dtype="<f4").reshape(1, -1)
                returncode = proc.wait()
            finally:
                watchdog.cancel()
                if proc.poll() is None:  # the reader stopped early (too long, or an error downstream)
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
            if returncode != 0:
                errors.seek(0)
                lines = errors.read().decode("utf-8", "replace").strip().splitlines()
                reason = lines[-1] if lines else f"解码器退出码 {returncode}"
                raise AudioError(f"AMR 音频损坏（{reason}）")


def _open_container(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise AudioError(not_audio(exc)) from None


def _audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        raise AudioError(NO_AUDIO_STREAM)
    return container.streams.audio[0]


def _check_wav_length(path: Path, size: int) -> None:
    """FFmpeg quietly decodes what is left of a cut WAV; compare with its `data` chunk size."""
    with path.open("rb") as fh:
        fh.seek(12)
        while (header := fh.read(8)) and len(header) == 8:
            chunk, length = header[:4], int.from_bytes(header[4:], "little")
            if chunk == b"data":
                present = size - fh.tell()
                if length not in (0, 0xFFFFFFFF) and present < length * _TRUNCATION_TOLERANCE:
                    raise AudioError(f"文件不完整：文件头声明 {length} 字节音频，实际只有 {present} 字节")
                return
            fh.seek(length + (length & 1), 1)


def declared_seconds(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    """The duration the container states (or FFmpeg estimates from its header), None if none."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def ffmpeg_reason(exc: av.FFmpegError) -> str:
    """FFmpeg's one-line message for an error, in Chinese when it is a common one."""
    reason = (getattr(exc, "strerror", None) or str(exc)).strip().rstrip(".")
    return FFMPEG_REASONS.get(reason, reason)


def os_reason(exc: OSError) -> str:
    """Why the system could not open or read a file, in Chinese when the cause is a common one."""
    return OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def unreadable(exc: OSError) -> str:
    return f"无法读取文件（{os_reason(exc)}）"


def not_audio(exc: av.FFmpegError) -> str:
    return f"不是可读取的音频文件（{ffmpeg_reason(exc)}）"


def ffmpeg_executable() -> str:
    """Path of the FFmpeg binary bundled by imageio-ffmpeg (has libopencore_amrnb)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()
