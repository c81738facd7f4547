"""The speech model: faster-whisper loaded once per process, offline, with chosen settings."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

# A Simplified-Chinese prompt, tried and measured (bench/bench_asr_settings.py): it raised CER
# on both the corpus and the real clips and Whisper echoes it over silence, so none by default.
SIMPLIFIED_PROMPT = "以下是普通话的电话录音，请用简体中文转写。"

_malloc_trim: Callable[[int], int] | None
try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc: its allocator has its own policy
    _malloc_trim = None


def release_freed_memory() -> None:
    """Hand the free pages of the heap back to the OS. glibc keeps what a decoding batch freed
    (its mmap threshold climbs to 32 MB after big frees), so a worker's memory crept up with the
    call's length: trimming after each batch of windows lowered a 12-minute call's peak from
    1.35 GB to 1.24 GB at no measurable cost (a fixed 1 MB mmap threshold cost 15% more CPU)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


@dataclass(frozen=True)
class DecodeSettings:
    """Decoding settings, chosen by measurement (see bench/bench_asr.py and the README)."""

    beam_size: int = 1
    # Windows encoded together. Each costs ~75 MB of encoder attention at its peak; 4 gave the same
    # transcripts and CPU time as 8 on the 2-core machine (corpus and a 12-minute call) and peaks
    # 430 MB lower, which keeps a worker under 1.5 GB at any call length.
    batch_size: int = 4
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0 = all cores of this process
    initial_prompt: str | None = None
    language: str = "zh"


class SpeechModel:
    """faster-whisper's batched pipeline over a local CTranslate2 model directory."""

    def __init__(self, model_dir: Path, settings: DecodeSettings | None = None) -> None:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.settings = settings or DecodeSettings()
        threads = self.settings.cpu_threads or (os.cpu_count() or 1)
        self.model_dir = model_dir
        self.whisper = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=self.settings.compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
        self.pipeline = BatchedInferencePipeline(model=self.whisper)

    def transcribe_clips(self, audio, clips: list[dict[str, float]]):
        """Decode each clip (seconds into `audio`) on its own; yields faster-whisper segments."""
        s = self.settings
        segments, _info = self.pipeline.transcribe(
            audio,
            language=s.language,
            task="transcribe",
            beam_size=s.beam_size,
            batch_size=s.batch_size,
            clip_timestamps=clips,
            initial_prompt=s.initial_prompt,
            without_timestamps=False,
            word_timestamps=True,
            vad_filter=False,
            log_progress=False,
        )
        return segments
