"""Conversation acoustics on synthetic calls: segments as written, energy from real signals."""

from __future__ import annotations

import numpy as np

from callqa.asr.transcribe import speaker_energy
from callqa.audio.acoustics import Acoustics, measure
from callqa.audio.channels import FRAME_S, SILENT_DB
from callqa.audio.decode import SAMPLE_RATE, DecodedAudio
from callqa.transcript import Segment

STEREO = ["agent", "customer"]


def _noise(seconds: float, amplitude: float, seed: int = 0) -> np.ndarray:
    return amplitude * np.random.default_rng(seed).standard_normal(int(seconds * SAMPLE_RATE))


def _silent_energy(seconds: float, channels: int = 2) -> np.ndarray:
    return np.full((channels, int(seconds / FRAME_S)), SILENT_DB)


def test_silence_counts_dead_air_between_speech_not_turn_taking_or_ringing() -> None:
    segments = [
        Segment("agent", 5.0, 10.0, "您好，这里是某某公司"),  # 5 s of ringing before: not dead air
        Segment("customer", 11.0, 15.0, "嗯，你说"),  # a 1 s pause: turn-taking
        Segment("agent", 57.0, 60.0, "久等了"),  # 42 s of dead air
        Segment("customer", 63.0, 65.0, "好的"),  # 3 s
    ]
    got = measure(segments, _silent_energy(80), STEREO, 80.0)
    assert got.longest_silence_s == 42.0 and got.longest_silence_at == (15.0, 57.0)
    assert got.silence_s == 45.0


def test_energy_the_transcript_missed_is_not_silence() -> None:
    signal = np.concatenate([_noise(1, 1e-4), _noise(2, 0.3), _noise(20, 1e-4), _noise(2, 0.3)])
    measured = speaker_energy(DecodedAudio(signal[None, :].astype(np.float32), "pcm_s16le", SAMPLE_RATE))
    segments = [Segment("unknown", 1.0, 3.0, "喂"), Segment("unknown", 23.0, 25.0, "在吗")]
    assert measure(segments, measured.energy_db, measured.roles, 25.0).longest_silence_s == 20.0
    # someone talked from 10 s to 14 s but the speech model wrote nothing: two shorter silences
    signal[10 * SAMPLE_RATE : 14 * SAMPLE_RATE] = _noise(4, 0.3, seed=1)
    measured = speaker_energy(DecodedAudio(signal[None, :].astype(np.float32), "pcm_s16le", SAMPLE_RATE))
    got = measure(segments, measured.energy_db, measured.roles, 25.0)
    assert got.longest_silence_s == 9.0 and got.silence_s == 16.0


def test_mono_calls_have_silence_but_no_per_role_measures() -> None:
    segments = [Segment("unknown", 0.0, 10.0, "你好" * 20), Segment("unknown", 14.0, 20.0, "再见" * 10)]
    got = measure(segments, _silent_energy(20, 1), ["unknown"], 20.0)
    assert got.longest_silence_s == 4.0 and got.one_track
    assert got.summary() == {
        "silence_s": 4.0,
        "longest_silence_s": 4.0,
        "overtalk_s": None,
        "agent_interruptions": None,
        "agent_chars_per_min": None,
        "customer_chars_per_min": None,
        "agent_loud_s": None,
    }


def test_overtalk_is_the_time_both_speak_at_once() -> None:
    segments = [
        Segment("agent", 0.0, 10.0, "甲" * 40),
        Segment("customer", 8.0, 12.0, "乙" * 10),  # 2 s over the agent
        Segment("customer", 20.0, 30.0, "乙" * 40),
        Segment("agent", 25.0, 26.5, "甲" * 5),  # 1.5 s over the customer
    ]
    got = measure(segments, _silent_energy(30), STEREO, 30.0)
    assert not got.one_track
    assert got.overtalk_s == 3.5 and got.overtalk_at == ((8.0, 10.0), (25.0, 26.5))


def test_interruptions_are_the_agent_cutting_the_customer_off() -> None:
    segments = [
        Segment("customer", 0.0, 5.0, "我现在真的没有钱"),
        Segment("agent", 4.5, 9.0, "你别找借口"),  # customer stops 0.5 s later: interrupted
        Segment("customer", 10.0, 20.0, "我下个月发工资就还"),
        Segment("agent", 15.0, 16.0, "嗯嗯"),  # a backchannel: the customer goes on for 5 s
        Segment("customer", 21.0, 24.0, "你听我说"),
        Segment("agent", 21.1, 25.0, "我说"),  # both start at once: the customer had not been speaking
        Segment("agent", 25.2, 27.0, "你听着"),  # the same agent turn going on
        Segment("customer", 30.0, 33.0, "那我"),
        Segment("agent", 32.5, 35.0, "今天必须还"),  # interrupted again
    ]
    got = measure(segments, _silent_energy(35), STEREO, 35.0)
    assert got.agent_interruptions == 2 and got.interruptions_at == (4.5, 32.5)


def test_speech_rate_is_characters_per_minute_of_the_roles_own_speaking_time() -> None:
    segments = [
        Segment("agent", 0.0, 6.0, "一二三四五六七八九十" * 4 + "，。"),  # 40 characters, punctuation not
        Segment("agent", 10.0, 16.0, "一二三四五六七八九十" * 4),
        Segment("customer", 20.0, 30.0, "好" * 30),
        Segment("customer", 31.0, 31.5, "嗯"),
    ]
    got = measure(segments, _silent_energy(32), STEREO, 32.0)
    assert got.agent_chars_per_min == 400.0  # 80 characters in 12 s
    assert got.customer_chars_per_min == round(31 / 10.5 * 60, 1)
    short = measure([*segments[:2], Segment("customer", 20.0, 23.0, "好")], _silent_energy(32), STEREO, 32.0)
    assert short.customer_chars_per_min is None  # 3 s of speech tell nothing


def _agent_call(loud_s: float, gain: float) -> tuple[list[Segment], np.ndarray, list[str]]:
    """60 s of the agent at one level with `loud_s` seconds shouted (12 dB up) from 30 s, then 20 s of
    line noise, the whole line at `gain`; the customer silent."""
    agent = np.concatenate([_noise(60, 0.05 * gain), _noise(20, 1e-4 * gain, seed=2)])
    n = int(loud_s * SAMPLE_RATE)
    agent[30 * SAMPLE_RATE : 30 * SAMPLE_RATE + n] *= 4
    stereo = np.stack([agent, np.zeros_like(agent)]).astype(np.float32)
    measured = speaker_energy(DecodedAudio(stereo, "pcm_s16le", SAMPLE_RATE), "agent,customer")
    return [Segment("agent", 0.0, 60.0, "说" * 300)], measured.energy_db, measured.roles


def test_loudness_is_relative_to_the_agents_own_level_whatever_the_lines_gain() -> None:
    for gain in (0.2, 1.0, 5.0):
        got = measure(*_agent_call(6.0, gain), 60.0)
        assert got.agent_loud_s is not None and abs(got.agent_loud_s - 6.0) <= 0.3, (gain, got.agent_loud_s)
        assert len(got.loud_at) == 1 and abs(got.loud_at[0][0] - 30.0) <= 0.3
    assert measure(*_agent_call(0.0, 1.0), 60.0).agent_loud_s == 0.0


def test_stored_form_round_trips() -> None:
    got = measure(*_agent_call(6.0, 1.0), 60.0)
    again = Acoustics.from_json(__import__("json").loads(__import__("json").dumps(got.to_json())))
    assert again == got
