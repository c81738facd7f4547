"""The per-process speech-to-text worker: the model loads once per process, then serves calls."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from callqa.asr.engine import DecodeSettings, SpeechModel
from callqa.asr.transcribe import AudioSource, SpeakerEnergy, speaker_energy, transcribe_audio
from callqa.audio.acoustics import Acoustics, measure
from callqa.audio.decode import AudioError, load
from callqa.audio.waveform import Waveform, lanes_by_speaker, waveform_from_energy
from callqa.speakers import separate
from callqa.transcript import Segment

_model: SpeechModel | None = None
_max_minutes: float | None = None


@dataclass(frozen=True)
class TranscribeResult:
    """A transcript, the timeline's waveform and the call's acoustics, or the one-line reason the
    recording could not be transcribed."""

    call_pk: int
    duration_s: float | None = None
    segments: tuple[Segment, ...] = ()
    error: str | None = None
    waveform: Waveform | None = None
    acoustics: Acoustics | None = None


def init_worker(model_dir: str, settings: DecodeSettings, max_call_minutes: float | None = None) -> None:
    """Pool initializer: load the model into this process; recordings longer than
    `max_call_minutes` will be refused (None: no limit)."""
    global _model, _max_minutes
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.cpu_threads or 1))
    _model = SpeechModel(Path(model_dir), settings)
    _max_minutes = max_call_minutes


def transcribe_file(call_pk: int, path: str, channels: str) -> TranscribeResult:
    """Decode and transcribe one stored recording; never raises for bad audio."""
    assert _model is not None, "init_worker was not called"
    try:
        audio = load(path, _max_minutes)  # checked in full: a long call is then streamed, not held
    except AudioError as exc:
        return TranscribeResult(call_pk, error=str(exc))
    try:
        measured = speaker_energy(audio, channels or None)  # one pass: the waveform and the transcription
        segments = transcribe_audio(_model, audio, channels or None, measured=measured)
    except AudioError as exc:  # a streamed recording that changed since it was checked
        return TranscribeResult(call_pk, audio.duration_s, error=str(exc))
    except Exception as exc:  # a model failure must fail this call, not the batch
        return TranscribeResult(call_pk, audio.duration_s, error=f"语音识别失败：{exc}")
    return transcribed(call_pk, audio, segments, measured)


def transcribed(
    call_pk: int, audio: AudioSource, segments: Sequence[Segment], measured: SpeakerEnergy
) -> TranscribeResult:
    """The result of a transcribed call. A mono (or `mixed`) call's speech is given to the agent and
    the customer (`callqa.speakers`: one more pass over the audio); its waveform and acoustics come
    from the energy the transcription measured (`measured`) and the segments."""
    duration_s = audio.duration_s
    energy, lanes = measured.energy_db, list[str](measured.roles)
    if measured.roles == ["unknown"]:
        with suppress(AudioError, ValueError):  # audio changed since, or degenerate: the speech stays unknown
            segments = separate(audio, segments, measured.energy_db).segments
        energy, lanes = lanes_by_speaker(measured.energy_db, segments)
    waveform = waveform_from_energy(energy, lanes)
    acoustics = measure(segments, measured.energy_db, measured.roles, duration_s)
    return TranscribeResult(call_pk, duration_s, tuple(segments), waveform=waveform, acoustics=acoustics)
