"""Every corpus format decodes to 16 kHz float PCM with the right channel count."""

from __future__ import annotations

import numpy as np
import pytest

from callqa.audio.channels import frame_energy_db, remove_bleed
from callqa.audio.decode import SAMPLE_RATE, AudioError, decode
from tests.conftest import EXAMPLES

EXPECTED = {"p01.wav": 2, "p02.wav": 2, "p03.flac": 2, "p04.mp3": 1, "p07.amr": 1, "p10.m4a": 1, "p13.ogg": 2}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_formats_decode(name: str) -> None:
    audio = decode(EXAMPLES / "calls" / name)
    assert audio.channels == EXPECTED[name]
    assert audio.samples.dtype == np.float32
    assert 10 < audio.duration_s < 60
    assert 0.1 < float(np.abs(audio.samples).max()) <= 1.0


def test_amr_with_dtx_frames_decodes_fully() -> None:
    audio = decode(EXAMPLES / "calls" / "p07.amr")
    assert audio.codec == "amr_nb" and audio.duration_s == pytest.approx(21.36, abs=0.1)


def test_bleed_is_silenced_but_speech_kept() -> None:
    audio = decode(EXAMPLES / "calls" / "p13.ogg")  # Opus: each party bleeds into the other channel
    before = frame_energy_db(audio.samples)
    after = frame_energy_db(remove_bleed(audio.samples))
    agent_speaks = before[0] > before[1] + 12
    assert agent_speaks.sum() > 100
    silenced = after[1][agent_speaks] < -100  # customer channel silent while the agent speaks
    assert silenced.mean() > 0.9  # (a 100 ms hold keeps the edges of the customer's own turns)
    assert np.allclose(after[0][agent_speaks], before[0][agent_speaks])


def test_sample_rate_is_16k() -> None:
    assert SAMPLE_RATE == 16_000


def test_directory_is_not_audio(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioError):
        decode(tmp_path)


@pytest.mark.parametrize(
    ("codec", "rate", "channels"),
    [
        ("pcm_u8", 8000, 1),
        ("pcm_s24le", 16000, 2),
        ("pcm_s32le", 32000, 1),
        ("pcm_f32le", 44100, 2),
        ("pcm_alaw", 8000, 2),
        ("pcm_mulaw", 8000, 1),
        ("pcm_s16le", 48000, 2),
    ],
)
def test_wav_flavours_and_rates(tmp_path, codec: str, rate: int, channels: int) -> None:  # type: ignore[no-untyped-def]
    """WAV in every PCM width, float, A-law and µ-law, 8–48 kHz, made by FFmpeg from a corpus call."""
    import subprocess

    from callqa.audio.decode import ffmpeg_executable

    target = tmp_path / f"{codec}_{rate}.wav"
    subprocess.run(
        [ffmpeg_executable(), "-v", "error", "-i", str(EXAMPLES / "calls" / "p14.wav"), "-t", "5",
         "-c:a", codec, "-ar", str(rate), "-ac", str(channels), str(target)],
        check=True,
    )  # fmt: skip
    audio = decode(target)
    assert audio.channels == channels and audio.source_rate == rate
    assert audio.duration_s == pytest.approx(5.0, abs=0.05)
    assert 0.05 < float(np.abs(audio.samples).max()) <= 1.0
