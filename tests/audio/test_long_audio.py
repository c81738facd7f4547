"""Long recordings: refused past the limit before being decoded in full, streamed in blocks below it."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from callqa.audio import AudioError, TooLong, check_length, probe
from callqa.audio.blocks import rechunk
from callqa.audio.channels import (
    FRAME,
    SILENT_DB,
    frame_energy_db,
    mute_unowned,
    owned_frames,
    quiet_cuts,
    remove_bleed,
    stream_energy_db,
)
from callqa.audio.decode import DecodedAudio, Recording, decode, load
from tests.audio.synth import silence
from tests.conftest import EXAMPLES


def _traced_peak_mb(action) -> float:  # type: ignore[no-untyped-def]
    """Peak memory (MB) that Python and numpy allocate while `action()` runs (it may raise)."""
    tracemalloc.start()
    try:
        action()
    except AudioError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 1e6


def test_probe_reads_the_declared_length(tmp_path: Path) -> None:
    info = probe(silence(tmp_path / "a.flac", 90))
    assert info.duration_s == pytest.approx(90.0) and info.channels == 2 and info.codec == "flac"
    assert probe(silence(tmp_path / "piped.flac", 5, declared=False)).duration_s is None
    with pytest.raises(AudioError, match="不是可读取的音频文件"):
        probe(EXAMPLES / "manifest.csv")


def test_length_check_message() -> None:
    check_length(7200.0, 120)  # exactly the limit passes
    check_length(None, 120)  # unknown: decoding will tell
    with pytest.raises(TooLong) as caught:
        check_length(121.3 * 60, 120)
    assert str(caught.value) == "录音长 121.3 分钟，超过 120 分钟的上限（max_call_minutes）"


def test_declared_too_long_is_refused_without_decoding(tmp_path: Path) -> None:
    path = silence(tmp_path / "long.flac", 90)
    with pytest.raises(TooLong, match=r"^录音长 1\.5 分钟，超过 1 分钟的上限（max_call_minutes）$"):
        load(path, max_minutes=1)
    assert _traced_peak_mb(lambda: load(path, max_minutes=1)) < 1  # 90 s of stereo would be 11.5 MB
    assert load(path, max_minutes=2).duration_s == pytest.approx(90.0, abs=0.05)


def test_undeclared_length_stops_decoding_at_the_limit(tmp_path: Path) -> None:
    """A FLAC written through a pipe states no length: decoding stops as soon as it passes the limit."""
    path = silence(tmp_path / "piped.flac", 20 * 60, declared=False)
    for read in (load, decode):
        with pytest.raises(TooLong, match=r"录音超过 0\.5 分钟的上限"):
            read(path, max_minutes=0.5)
    peak = _traced_peak_mb(lambda: load(path, max_minutes=0.5))
    assert peak < 20, peak  # all 20 minutes would be 153 MB of float32


def test_lying_header_stops_decoding_at_the_limit(tmp_path: Path) -> None:
    """A FLAC whose STREAMINFO claims 10 s but which holds 3 minutes."""
    path = silence(tmp_path / "lying.flac", 180, channels=1)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO first
    field = int.from_bytes(data[18:26], "big")  # 20 bits rate, 3 channels, 5 bits/sample, 36 samples
    data[18:26] = ((field & ~((1 << 36) - 1)) | (10 * 8000)).to_bytes(8, "big")
    path.write_bytes(bytes(data))
    assert probe(path).duration_s == pytest.approx(10.0)
    with pytest.raises(TooLong, match="录音超过 1 分钟的上限"):
        load(path, max_minutes=1)


def test_amr_decoder_is_bounded_too(tmp_path: Path) -> None:
    path = silence(tmp_path / "long.amr", 100, channels=1)
    with pytest.raises(TooLong, match="录音超过 1 分钟的上限"):
        load(path, max_minutes=1)
    audio = load(path, max_minutes=2)
    assert audio.codec == "amr_nb" and audio.duration_s == pytest.approx(100.0, abs=0.1)


def test_long_recording_is_streamed_not_held(tmp_path: Path) -> None:
    path = silence(tmp_path / "eleven.flac", 11 * 60)
    audio = load(path, max_minutes=120)
    assert isinstance(audio, Recording) and audio.duration_s == pytest.approx(660.0)
    assert sum(block.shape[1] for block in audio.blocks()) == audio.frames
    short = load(EXAMPLES / "calls" / "p03.flac", max_minutes=120)
    assert isinstance(short, DecodedAudio)
    streamed = Recording(EXAMPLES / "calls" / "p03.flac", 2, "flac", 8000, short.samples.shape[1])
    assert np.array_equal(np.concatenate(list(streamed.blocks()), axis=1), short.samples)


def test_rechunk_regroups_exactly() -> None:
    rng = np.random.default_rng(7)
    signal = rng.standard_normal((2, 10_007)).astype(np.float32)
    sizes = itertools.cycle([1, 517, 3, 2048, 90])
    blocks, at = [], 0
    while at < signal.shape[1]:
        size = next(sizes)
        blocks.append(signal[:, at : at + size])
        at += size
    for bounds in ([], [100, 2000, 5000], [10_007], [20_000], range(333, 10_007, 333)):
        pieces = list(rechunk(iter(blocks), bounds))
        assert [start for start, _ in pieces] == [0, *[b for b in bounds if b < 10_007]]
        assert np.array_equal(np.concatenate([p for _, p in pieces], axis=1), signal)
        assert all(p.flags.c_contiguous and p.dtype == np.float32 for _, p in pieces)


def test_blockwise_bleed_removal_equals_whole_call() -> None:
    """Energy measured in a stream and bleed muted block by block give exactly the whole-call result."""
    audio = decode(EXAMPLES / "calls" / "p13.ogg")  # Opus: each party bleeds into the other channel
    energy, frames = stream_energy_db(audio.blocks())
    assert frames == audio.samples.shape[1]
    assert np.array_equal(energy, frame_energy_db(audio.samples))
    owned = owned_frames(energy)
    muted = [block for _, block in rechunk(audio.blocks(), range(7 * 16_000, frames, 7 * 16_000))]
    for i, block in enumerate(muted):
        mute_unowned(block, owned, i * 7 * 16_000 // FRAME)
    whole = remove_bleed(audio.samples)
    assert np.array_equal(np.concatenate(muted, axis=1), whole)
    assert np.array_equal(frame_energy_db(whole), np.where(owned, energy, SILENT_DB))


def test_block_cuts_fall_in_pauses() -> None:
    audio = decode(EXAMPLES / "calls" / "p12.wav")
    energy = frame_energy_db(audio.samples)
    cuts = quiet_cuts(energy, every_s=10, search_s=5, grid=2560)  # on the grid of frames and VAD steps
    assert len(cuts) >= 3 and all(c % 2560 == 0 for c in cuts)
    loudest = energy.max(axis=0)
    quiet = np.percentile(loudest, 10) + 3.0  # within 3 dB of the noise floor; speech is ~20 dB above
    assert all(loudest[c // FRAME] <= quiet for c in cuts), [loudest[c // FRAME] for c in cuts]
    assert quiet_cuts(energy, every_s=60, search_s=5) == []  # shorter than a block: one piece
