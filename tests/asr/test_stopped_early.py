"""Whisper can stop decoding early inside one speech span: the rest of the span is decoded on its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callqa.asr.engine import SpeechModel
from callqa.asr.model_files import resolve_model_dir
from callqa.asr.packing import Window
from callqa.asr.transcribe import transcribe_audio
from callqa.audio.decode import SAMPLE_RATE, decode

RECORDING = Path(__file__).parents[1] / "data" / "asr" / "stopped_early.m4a"


@pytest.fixture(scope="module")
def model() -> SpeechModel:
    return SpeechModel(resolve_model_dir())


@pytest.mark.slow
def test_the_turn_after_an_early_stop_is_transcribed(model: SpeechModel) -> None:
    """A mono call (bench/data/devset21 q07): one speech span holds the customer's 「两千也拿不出来」 at
    39 s and the agent's 16-second turn after it. Whisper stops after the customer's words, also when
    the span is decoded alone; the agent's turn (「…每天放学一个人走回家…」) was lost."""
    segments = transcribe_audio(model, decode(RECORDING))
    turn = "".join(s.text for s in segments if 40.5 <= s.start_s < 57)
    assert "放学" in turn and "一个人" in turn


def test_a_tail_window_holds_the_rest_of_its_piece() -> None:
    window = Window()
    window.add(np.zeros(SAMPLE_RATE, np.float32), 0, 3.0)
    second = np.arange(4 * SAMPLE_RATE, dtype=np.float32)
    window.add(second, 1, 10.0)
    tail = window.tail(1, 12.5)
    assert [(p.channel, p.original_start_s, p.length_s) for p in tail.pieces] == [(1, 12.5, 1.5)]
    assert np.array_equal(np.concatenate(tail.audio), second[int(2.5 * SAMPLE_RATE) :])
    assert np.array_equal(np.concatenate(window.single(1).audio), second)
