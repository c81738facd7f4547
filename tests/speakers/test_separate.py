"""Separation on real recordings: the stereo examples mixed down to one channel, where the channels
give the truth (tests/data/turns.jsonl)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from callqa.asr.transcribe import speaker_energy
from callqa.audio.decode import DecodedAudio, decode
from callqa.speakers import separate
from callqa.transcript import Segment, Word
from tests.conftest import DATA, EXAMPLES

TURNS = {
    (c := json.loads(line))["call_id"]: c["turns"] for line in (DATA / "turns.jsonl").read_text().splitlines()
}


def one_channel(call_id: str, channel: int | None = None) -> DecodedAudio:
    """An example stereo call mixed down (or one of its channels alone)."""
    audio = decode(EXAMPLES / "calls" / f"{call_id}.wav")
    samples = (
        audio.samples.mean(axis=0, keepdims=True) if channel is None else audio.samples[channel : channel + 1]
    )
    return DecodedAudio(np.ascontiguousarray(samples), audio.codec, audio.source_rate)


def timed(turn: dict) -> tuple[Word, ...]:
    """A turn's characters as words spread evenly over its time (as the speech model times them)."""
    step = (turn["end"] - turn["start"]) / len(turn["text"])
    return tuple(
        Word(turn["start"] + k * step, turn["start"] + (k + 1) * step, ch)
        for k, ch in enumerate(turn["text"])
    )


@pytest.mark.parametrize("call_id", ["p01", "p12"])
def test_a_downmixed_call_gets_its_speakers_back(call_id: str) -> None:
    audio = one_channel(call_id)
    segments = [Segment("unknown", t["start"], t["end"], t["text"]) for t in TURNS[call_id]]
    got = separate(audio, segments, speaker_energy(audio).energy_db)
    assert [s.speaker for s in got.segments] == [t["role"] for t in TURNS[call_id]]
    assert [s.text for s in got.segments] == [t["text"] for t in TURNS[call_id]]


def test_a_segment_running_across_a_change_of_speaker_is_cut_at_the_change() -> None:
    """Whisper's mono segments can hold both parties: the words' times split them."""
    audio = one_channel("p01")
    turns = TURNS["p01"]
    joined = Segment("unknown", turns[0]["start"], turns[1]["end"], turns[0]["text"] + turns[1]["text"],
                     timed(turns[0]) + timed(turns[1]))  # fmt: skip
    rest = [Segment("unknown", t["start"], t["end"], t["text"], timed(t)) for t in turns[2:]]
    got = separate(audio, [joined, *rest], speaker_energy(audio).energy_db).segments
    assert [(s.speaker, s.text) for s in got[:2]] == [
        ("agent", turns[0]["text"]),
        ("customer", turns[1]["text"]),
    ]
    assert got[0].start_s == turns[0]["start"] and got[1].end_s == turns[1]["end"]
    assert [s.speaker for s in got[2:]] == [t["role"] for t in turns[2:]]


def test_one_voice_is_not_split_into_two_speakers() -> None:
    """The agent's channel alone: one voice, so every line stays unknown (read as today)."""
    audio = one_channel("p01", channel=0)
    segments = [
        Segment("unknown", t["start"], t["end"], t["text"]) for t in TURNS["p01"] if t["role"] == "agent"
    ]
    got = separate(audio, segments, speaker_energy(audio).energy_db)
    assert got.agent_cluster is None and [s.speaker for s in got.segments] == ["unknown"] * len(segments)


def test_speakers_already_known_are_left_alone() -> None:
    audio = one_channel("p01")
    segments = [Segment(t["role"], t["start"], t["end"], t["text"]) for t in TURNS["p01"]]
    assert separate(audio, segments, speaker_energy(audio).energy_db).segments == segments


def test_a_change_of_turn_the_word_times_closed_up_is_found_in_the_audio() -> None:
    """The speech model's word times can run on across the pause between two turns (m04: the
    agent's 「…还款吗」 and the customer's 「你再打我…」 both at 22.58 s). Here each turn's last word runs on
    to the next turn, so no pause shows between words at all: the pauses in the audio still part the turns."""
    call = next(
        json.loads(line)
        for line in (DATA / "mono" / "turns.jsonl").read_text().splitlines()
        if json.loads(line)["call_id"] == "m04"
    )
    turns = call["turns"]
    audio = decode(DATA / "mono" / "calls" / "m04.flac")
    segments = []
    for k, turn in enumerate(turns):
        end = turns[k + 1]["start"] if k + 1 < len(turns) else turn["end"]
        *words, last = timed(turn)
        segments.append(
            Segment("unknown", turn["start"], end, turn["text"], (*words, Word(last.start_s, end, last.text)))
        )
    got = separate(audio, segments, speaker_energy(audio).energy_db).segments
    said = {role: "".join(s.text for s in got if s.speaker == role) for role in ("agent", "customer")}
    for turn in turns:  # each turn goes to its speaker, give or take a word at its edges
        inner = turn["text"][3:-3]
        assert inner in said[turn["role"]], (turn["role"], inner, said)
