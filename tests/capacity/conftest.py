"""A workspace whose throughput was measured on the example calls by the fake speech engine: the real
ingest, decoding, rules and storage, only the words scripted (tests/fakes.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from callqa.capacity.bench import BenchRecord, measure, save
from callqa.rules import RulePack, load_default_pack
from callqa.workspace import Workspace
from tests.conftest import EXAMPLES
from tests.fakes import ScriptedSpeech

SAMPLE = [EXAMPLES / "calls" / name for name in ("p02.wav", "p09.wav", "p13.ogg")]  # small, three formats


@cache
def _pack() -> RulePack:
    return load_default_pack()


def measured(ws: Workspace, paths: list[Path] | None = None) -> BenchRecord:
    return measure(ws, _pack(), "", paths or SAMPLE, transcriber=ScriptedSpeech.for_examples())


@pytest.fixture(scope="session")
def benched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BenchRecord]:
    """A workspace folder with `bench.json` recorded, and the record."""
    ws = Workspace.open(tmp_path_factory.mktemp("benched") / "ws")
    record = measured(ws)
    save(ws, record)
    return ws.root, record
