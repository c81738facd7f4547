"""Recordings made for tests by the bundled FFmpeg: silence of any length, with or without a
declared duration."""

from __future__ import annotations

import subprocess
from pathlib import Path

from callqa.audio.decode import ffmpeg_executable


def ffmpeg(*args: str, stdout: Path | None = None) -> None:
    """Run the bundled FFmpeg quietly; with `stdout`, its output goes there (a non-seekable pipe)."""
    cmd = [ffmpeg_executable(), "-nostdin", "-v", "error", "-y", *args]
    if stdout is None:
        subprocess.run(cmd, check=True)
    else:
        with stdout.open("wb") as fh:
            subprocess.run(cmd, check=True, stdout=fh)


def silence(path: Path, seconds: float, channels: int = 2, *, declared: bool = True) -> Path:
    """`seconds` of 8 kHz digital silence in the format of `path`'s suffix. `declared=False`
    writes it through a pipe, so FLAC and WAV headers state no length (as a live recorder's)."""
    layout = "stereo" if channels == 2 else "mono"
    source = ["-f", "lavfi", "-i", f"anullsrc=r=8000:cl={layout}", "-t", str(seconds)]
    if declared:
        ffmpeg(*source, str(path))
    else:
        ffmpeg(*source, "-f", path.suffix.lstrip("."), "pipe:1", stdout=path)
    return path


def padded(path: Path, source: Path, before_s: float, after_s: float) -> Path:
    """`source` with `before_s` of silence before it and `after_s` after it."""
    delay = f"adelay=delays={int(before_s * 1000)}:all=1,apad=pad_dur={after_s}"
    ffmpeg("-i", str(source), "-af", delay, str(path))
    return path
