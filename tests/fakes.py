"""A fake speech engine for web and workflow tests (the real model runs in the pipeline and corpus
tests). Like paperless-ngx's DummyParser: everything around it is real — ingest, decoding (so bad
audio fails as it would), storage, rules, review cases — only the words come from a script."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from callqa.audio.decode import AudioError, decode
from callqa.pipeline.transcribe_worker import TranscribeResult
from callqa.transcript import Segment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TURNS = ROOT / "tests" / "data" / "turns.jsonl"


def sha256_of(data: bytes | Path) -> str:
    return hashlib.sha256(data.read_bytes() if isinstance(data, Path) else data).hexdigest()


class ScriptedSpeech:
    """Returns, for a recording whose bytes it knows, the transcript scripted for it; for any other
    decodable recording an empty transcript; for undecodable audio the decoder's reason."""

    def __init__(self) -> None:
        self.scripts: dict[str, tuple[Segment, ...]] = {}

    def add(self, audio: bytes | Path, segments: list[Segment]) -> None:
        self.scripts[sha256_of(audio)] = tuple(segments)

    @classmethod
    def for_examples(cls) -> ScriptedSpeech:
        """The reference transcripts of the example calls (tests/data/turns.jsonl)."""
        engine = cls()
        with (EXAMPLES / "manifest.csv").open(encoding="utf-8") as fh:
            files = {row["call_id"]: (EXAMPLES / row["file"], row["channels"]) for row in csv.DictReader(fh)}
        for line in TURNS.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            path, channels = files[call["call_id"]]
            mono = channels == "mixed" or path.suffix in (".mp3", ".amr", ".m4a")
            engine.add(path, [Segment("unknown" if mono else t["role"], t["start"], t["end"], t["text"])
                              for t in call["turns"]])  # fmt: skip
        return engine

    def __call__(self, call_pk: int, path: str, channels: str) -> TranscribeResult:
        try:
            audio = decode(path)
        except AudioError as exc:
            return TranscribeResult(call_pk, error=str(exc))
        segments = self.scripts.get(sha256_of(Path(path)), ())
        return TranscribeResult(call_pk, audio.duration_s, segments)
