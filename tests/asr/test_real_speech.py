"""Real human Mandarin (not synthesized) through the real model: usable accuracy, no loops."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from callqa.asr.accuracy import cer
from callqa.asr.engine import SpeechModel
from callqa.asr.model_files import resolve_model_dir
from callqa.asr.transcribe import transcribe_audio
from callqa.audio.decode import decode

REAL = Path(__file__).resolve().parent.parent / "data" / "real"


@pytest.fixture(scope="module")
def model() -> SpeechModel:
    return SpeechModel(resolve_model_dir())


@pytest.mark.slow
def test_real_clips_pooled_cer(model: SpeechModel) -> None:
    with (REAL / "transcripts.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    errors = chars = 0
    for row in rows:
        segments = transcribe_audio(model, decode(REAL / row["file"]))
        hypothesis = "".join(s.text for s in segments)
        assert segments and all(s.speaker == "unknown" for s in segments)
        assert len(hypothesis) < 2 * len(row["transcript"]) + 10  # no repetition loop
        clip_cer = cer(row["transcript"], hypothesis)
        errors += clip_cer * len(row["transcript"])
        chars += len(row["transcript"])
    assert errors / chars < 0.5
