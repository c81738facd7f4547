"""A fake speech engine for web and workflow tests (the real model runs in the pipeline and corpus
tests). Like paperless-ngx's DummyParser: everything around it is real — ingest, decoding (so bad
audio fails as it would), storage, rules, review cases — only the words come from a script."""

from __future__ import annotations

import csv
import hashlib
import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

from callqa.asr.transcribe import speaker_energy
from callqa.audio.decode import AudioError, decode
from callqa.pipeline.transcribe_worker import TranscribeResult, transcribed
from callqa.rules import RulePack, load_pack
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
        measured = speaker_energy(audio, channels or None)  # the real waveform and acoustics, as the worker
        return transcribed(call_pk, audio, segments, measured)


def tone_wav(seed: str, seconds: float = 1.0) -> bytes:
    """A short mono WAV whose bytes depend on `seed` (ingest deduplicates recordings by content)."""
    import io
    import wave

    import numpy as np

    rate = 16000
    rng = np.random.default_rng(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16))
    samples = (rng.standard_normal(int(rate * seconds)) * 3000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def add_scripted_call(
    ws, db, call_id: str, lines: list[tuple[str, str]], pack=None, **manifest: object
) -> None:  # type: ignore[no-untyped-def]
    """Ingest a recording named `manifest['file_name']` (default `<call_id>.wav`) with manifest fields
    (agent_id, customer_phone, team, started_at ISO text) and process it with `lines` as its transcript,
    through the real ingest, storage, rules (`pack`, default: the shipped one) and review hooks."""
    from datetime import datetime

    from callqa.pipeline.ingest import ingest_one
    from callqa.pipeline.manifest import ManifestRow
    from callqa.pipeline.process import process_pending
    from callqa.rules import load_default_pack

    folder = ws.root.parent / "scripted"
    folder.mkdir(exist_ok=True)
    path = folder / str(manifest.pop("file_name", f"{call_id}.wav"))
    path.write_bytes(tone_wav(call_id, seconds=max(1.0, 3.0 * len(lines))))
    started = str(manifest.pop("started_at", "2026-11-20T10:00:00+08:00"))
    row = ManifestRow(line=0, path=path, call_id=call_id, started_at=datetime.fromisoformat(started),
                      started_at_text=started, channels="agent,customer", **manifest)  # type: ignore[arg-type]  # fmt: skip
    outcome = ingest_one(ws, db, row)
    assert outcome.status == "added", outcome
    engine = ScriptedSpeech()
    engine.add(
        path, [Segment(speaker, 3.0 * k, 3.0 * k + 2.5, text) for k, (speaker, text) in enumerate(lines)]
    )  # type: ignore[arg-type]
    summary = process_pending(ws, db, pack or load_default_pack(), "", transcriber=engine)
    assert not summary.failed, summary


def keyword_pack(path: Path, rules: Mapping[str, tuple[str, int, bool]]) -> RulePack:
    """A pack of agent keyword rules in category abuse: {rule id: (keyword, deduction, auto_confirm)}."""
    body = "".join(
        textwrap.dedent(f"""\
          - id: {rid}
            name: {rid}
            category: abuse
            severity: high
            deduction: {deduction}
            auto_confirm: {"true" if auto else "false"}
            role: agent
            when:
              keyword: [{word}]
        """)
        for rid, (word, deduction, auto) in rules.items()
    )
    path.write_text("rules:\n" + textwrap.indent(body, "  "), encoding="utf-8")
    return load_pack(path)


class SlowSpeech:
    """A speech engine that takes `seconds` per call: time to kill a worker in the middle of one."""

    def __init__(self, engine: ScriptedSpeech, seconds: float) -> None:
        self.engine, self.seconds = engine, seconds

    def __call__(self, call_pk: int, path: str, channels: str) -> TranscribeResult:
        import time

        time.sleep(self.seconds)
        return self.engine(call_pk, path, channels)


def worker_engine() -> ScriptedSpeech | SlowSpeech:
    """The engine of `callqa worker --engine tests.fakes:worker_engine` in tests: the example calls'
    reference transcripts, taking CALLQA_TEST_SPEECH_SECONDS per call (default 0)."""
    import os

    seconds = float(os.environ.get("CALLQA_TEST_SPEECH_SECONDS", "0"))
    engine = ScriptedSpeech.for_examples()
    return SlowSpeech(engine, seconds) if seconds else engine
