"""Helpers to build small packs and calls for rule tests."""

from __future__ import annotations

import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from callqa.rules import RulePack, load_pack
from callqa.transcript import CallInfo, Segment

sys.path.insert(0, str(Path(__file__).parent))  # lets tests import corpus.py


@pytest.fixture
def make_pack(tmp_path: Path):
    def make(body: str, name: str = "pack.yaml") -> RulePack:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return load_pack(path)

    return make


def rule_yaml(when: str, extra: str = "", rule_id: str = "r1", category: str = "threat") -> str:
    """A one-rule pack; `when` is the YAML of the condition (indented by the caller at 0)."""
    cond = textwrap.indent(textwrap.dedent(when).strip(), "      ")
    more = textwrap.indent(textwrap.dedent(extra).strip(), "    ") + "\n" if extra.strip() else ""
    return (
        f"rules:\n  - id: {rule_id}\n    name: test rule\n    category: {category}\n    severity: high\n"
        f"    deduction: 20\n{more}    when:\n{cond}\n"
    )


def call(started: str = "2026-11-20T10:00:00+08:00") -> CallInfo:
    return CallInfo("t1", "A1", "13800000000", datetime.fromisoformat(started), 60.0)


def segs(*items: tuple[str, str] | tuple[str, str, float, float]) -> list[Segment]:
    """(speaker, text[, start, end]) -> segments 5 s apart by default."""
    out = []
    for k, item in enumerate(items):
        speaker, text = item[0], item[1]
        start, end = (item[2], item[3]) if len(item) == 4 else (k * 5.0, k * 5.0 + 4.0)
        out.append(Segment(speaker, start, end, text))  # type: ignore[arg-type]
    return out
