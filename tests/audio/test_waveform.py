"""The timeline's waveform: per speaker lane, from the energy the transcription measures, bleed muted."""

from __future__ import annotations

import numpy as np

from callqa.asr.transcribe import speaker_energy
from callqa.audio.decode import SAMPLE_RATE, DecodedAudio, decode
from callqa.audio.waveform import MAX_BUCKETS, waveform_from_energy
from tests.conftest import EXAMPLES


def _audio(samples: np.ndarray) -> DecodedAudio:
    return DecodedAudio(samples.astype(np.float32), "pcm_s16le", SAMPLE_RATE)


def _tone(seconds: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return amplitude * np.sin(2 * np.pi * 220 * t)


def test_each_lane_shows_its_own_speaker_and_not_the_others_bleed() -> None:
    quiet = np.zeros(2 * SAMPLE_RATE)
    agent = np.concatenate([_tone(2, 0.5), quiet])  # agent speaks first, then the customer
    customer = np.concatenate([quiet, _tone(2, 0.3)])
    bleed_agent, bleed_customer = agent + 0.01 * customer, customer + 0.01 * agent  # each hears the other
    measured = speaker_energy(_audio(np.stack([bleed_agent, bleed_customer])), "agent,customer")
    wave = waveform_from_energy(measured.energy_db, measured.roles)
    assert wave.speakers == ("agent", "customer") and wave.bucket_s == 0.1
    lanes = {s: np.frombuffer(level, np.uint8) for s, level in zip(wave.speakers, wave.levels, strict=True)}
    assert len(lanes["agent"]) == 40  # 4 s in 0.1 s buckets
    assert lanes["agent"][:19].min() == 255 and lanes["agent"][21:].max() == 0  # bleed muted
    assert lanes["customer"][:19].max() == 0 and lanes["customer"][21:].min() > 200  # 4.4 dB quieter
    assert wave.as_dict()["lanes"]["customer"][30] == lanes["customer"][30]  # type: ignore[index]


def test_mono_and_mixed_calls_have_one_unknown_lane() -> None:
    mono = speaker_energy(decode(EXAMPLES / "calls" / "p04.mp3"))
    wave = waveform_from_energy(mono.energy_db, mono.roles)
    assert wave.speakers == ("unknown",) and max(wave.levels[0]) == 255
    stereo = _audio(np.stack([_tone(1, 0.2), _tone(1, 0.2)]))
    mixed = speaker_energy(stereo, "mixed")
    assert waveform_from_energy(mixed.energy_db, mixed.roles).speakers == ("unknown",)


def test_a_long_call_keeps_a_bounded_number_of_buckets_and_silence_is_flat() -> None:
    frames = 3 * 3600 * 50  # three hours of 20 ms frames
    energy = np.full((2, frames), -120.0)
    wave = waveform_from_energy(energy, ["agent", "customer"])
    assert len(wave.levels[0]) <= MAX_BUCKETS and wave.bucket_s * len(wave.levels[0]) >= 3 * 3600
    assert set(wave.levels[0]) == {0}
    empty = waveform_from_energy(np.full((1, 0), -120.0), ["unknown"])
    assert empty.levels == (b"",)
