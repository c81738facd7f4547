"""CLI paths beyond the main flow: rules check/test, parallel workers, manifest metadata."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from callqa.pipeline.manifest import read_manifest
from tests.conftest import EXAMPLES, outcome, run_cli


def test_rules_check_default_pack() -> None:
    pack = Path(__import__("callqa.rules").rules.__file__).parent / "packs" / "default.yaml"
    code, stdout, _ = run_cli("rules", "check", str(pack))
    assert code == 0 and "OK" in stdout


def test_rules_test_shows_hits_without_storing(corpus_workspace: Path, corpus_calls: dict) -> None:
    pack = corpus_workspace.parent / "only_abuse.yaml"
    pack.write_text(
        "name: only-abuse\nrules:\n"
        "  - id: lazy\n    name: 老赖\n    category: abuse\n    severity: high\n    deduction: 5\n"
        "    role: agent\n    when:\n      keyword:\n        any: [老赖]\n"
    )
    code, stdout, stderr = run_cli("rules", "test", str(pack), "p02", "p01", "-w", str(corpus_workspace),
                                   "-f", "json")  # fmt: skip
    assert code == 0, stderr
    hits = json.loads(stdout)
    assert [h["call_id"] for h in hits] == ["p02"] and hits[0]["rule_id"] == "lazy"
    after = {
        c["call_id"]: c for c in json.loads(run_cli("calls", "-w", str(corpus_workspace), "-f", "json")[1])
    }
    assert after == corpus_calls
    code, _, stderr = run_cli("rules", "test", str(pack), "nope", "-w", str(corpus_workspace))
    assert code == 1 and "unknown call(s): nope" in stderr


def test_two_workers_give_the_same_results(tmp_path: Path, corpus_calls: dict) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("p03.flac", "p10.m4a", "p14.wav"):
        shutil.copy(EXAMPLES / "calls" / name, folder / name)
    header, *rows = (EXAMPLES / "manifest.csv").read_text().splitlines()
    chosen = [r.replace("calls/", "") for r in rows if r.split(",")[1] in ("p03", "p10", "p14")]
    (folder / "m.csv").write_text("\n".join([header, *chosen]) + "\n")
    ws = str(tmp_path / "ws")
    assert run_cli("ingest", "--manifest", str(folder / "m.csv"), "-w", ws)[0] == 0
    code, _, stderr = run_cli("process", "--workers", "2", "-w", ws)
    assert code == 0, stderr
    result = {c["call_id"]: c for c in json.loads(run_cli("calls", "-w", ws, "-f", "json")[1])}
    assert outcome(result) == outcome({cid: corpus_calls[cid] for cid in ("p03", "p10", "p14")})


def test_manifest_keeps_team_and_extra_columns(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "file,call_id,agent_id,customer_phone,started_at,channels,team,campaign\n"
        'a.wav,c1,A1,138,2026-11-20T23:40:00+08:00,"customer,agent",T7,M2\n'
        "b.wav,,A1,138,,mixed,,\n"
    )
    first, second = read_manifest(manifest)
    assert first.error is None and first.team == "T7" and first.extra == {"campaign": "M2"}
    assert first.channels == "customer,agent" and first.started_at.utcoffset().total_seconds() == 8 * 3600
    assert second.call_id == "b" and second.started_at is None
