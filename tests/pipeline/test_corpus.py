"""The 14 example calls through the real pipeline: detection, contracts, idempotency."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import EXAMPLES, run_cli

CALL_KEYS = {
    "call_id",
    "acoustics",
    "ptp",
    "ref",
    "file",
    "agent_id",
    "team",
    "customer_phone",
    "started_at",
    "duration_s",
    "status",
    "score",
    "error",
    "review_state",
    "violations",
}
VIOLATION_KEYS = {"id", "category", "rule_id", "rule_name", "severity", "speaker", "start_s", "end_s", "text",
                  "explanation", "decision", "source", "confidence", "vanished"}  # fmt: skip


def test_every_format_processes(corpus_calls: dict[str, dict]) -> None:
    assert len(corpus_calls) == 14
    failed = {cid: c["error"] for cid, c in corpus_calls.items() if c["status"] not in ("clean", "flagged")}
    assert not failed
    assert {Path(c["file"]).suffix for c in corpus_calls.values()} == {
        ".wav",
        ".flac",
        ".mp3",
        ".amr",
        ".m4a",
        ".ogg",
    }


def test_labelled_categories_found(corpus_calls: dict[str, dict], labels: dict[str, set[str]]) -> None:
    missing = {
        cid: sorted(cats - {v["category"] for v in corpus_calls[cid]["violations"]})
        for cid, cats in labels.items()
    }
    assert not {cid: m for cid, m in missing.items() if m}


def test_compliant_calls_are_clean(corpus_calls: dict[str, dict], labels: dict[str, set[str]]) -> None:
    compliant = [cid for cid, cats in labels.items() if not cats]
    assert len(compliant) == 4
    assert labels["p08"] == {"off_hours"}  # p08's speech is compliant too: only its start time is wrong
    assert {v["category"] for v in corpus_calls["p08"]["violations"]} == {"off_hours"}
    flagged = {
        cid: [(v["category"], v["text"]) for v in corpus_calls[cid]["violations"]] for cid in compliant
    }
    assert not {cid: v for cid, v in flagged.items() if v}
    assert all(
        corpus_calls[cid]["status"] == "clean" and corpus_calls[cid]["score"] == 100 for cid in compliant
    )


def test_violations_explain_themselves(corpus_calls: dict[str, dict]) -> None:
    for call in corpus_calls.values():
        assert set(call) == CALL_KEYS
        if call["acoustics"] is not None:  # measured at processing: the seven figures
            assert {"silence_s", "longest_silence_s", "overtalk_s", "agent_interruptions",
                    "agent_chars_per_min", "customer_chars_per_min", "agent_loud_s"} <= set(call["acoustics"])  # fmt: skip
        for v in call["violations"]:
            assert set(v) == VIOLATION_KEYS
            assert 0 <= v["start_s"] <= v["end_s"] <= call["duration_s"] + 1
            if v["category"] not in ("off_hours", "excessive_frequency"):
                assert v["speaker"] in ("agent", "unknown"), v  # the customer's words are context only
            if v["text"]:  # words the text model read: its confidence is stored with the hit
                assert v["confidence"] is not None and 0 <= v["confidence"] <= 1, v
        if call["violations"]:
            assert call["status"] == "flagged" and call["score"] < 100
    threat = [v for v in corpus_calls["p02"]["violations"] if v["category"] == "threat"]
    assert threat and threat[0]["speaker"] == "agent" and threat[0]["start_s"] > 10


def test_transcript_formats(corpus_workspace: Path) -> None:
    code, stdout, _ = run_cli("transcript", "p02", "--workspace", str(corpus_workspace), "--format", "json")
    assert code == 0
    data = json.loads(stdout)
    assert data["call_id"] == "p02"
    speakers = {s["speaker"] for s in data["segments"]}
    assert speakers == {"agent", "customer"}
    starts = [s["start_s"] for s in data["segments"]]
    assert starts == sorted(starts)
    assert any("老赖" in s["text"] for s in data["segments"] if s["speaker"] == "agent")
    code, srt, _ = run_cli("transcript", "p02", "--workspace", str(corpus_workspace), "--format", "srt")
    assert code == 0 and "-->" in srt and srt.startswith("1\n00:00:")
    mono = json.loads(
        run_cli("transcript", "p04", "--workspace", str(corpus_workspace), "--format", "json")[1]
    )
    assert {"agent", "customer"} <= {s["speaker"] for s in mono["segments"]}  # separated (callqa.speakers)


def test_no_transcript_holds_a_broken_character(corpus_workspace: Path, corpus_calls: dict) -> None:
    for call_id in corpus_calls:
        data = json.loads(
            run_cli("transcript", call_id, "--workspace", str(corpus_workspace), "-f", "json")[1]
        )
        assert not [s["text"] for s in data["segments"] if "\ufffd" in s["text"]], call_id


def test_stereo_bleed_not_reported_twice(corpus_workspace: Path) -> None:
    """The Opus call mixes each party faintly into the other channel: each line appears once."""
    data = json.loads(
        run_cli("transcript", "p13", "--workspace", str(corpus_workspace), "--format", "json")[1]
    )
    segs = data["segments"]
    for a in segs:
        for b in segs:
            if a is not b and a["speaker"] != b["speaker"]:
                overlap = min(a["end_s"], b["end_s"]) - max(a["start_s"], b["start_s"])
                shared = len(set(a["text"]) & set(b["text"])) / max(1, min(len(a["text"]), len(b["text"])))
                assert overlap <= 0.5 or shared < 0.6, (a, b)


def test_search_json_and_filters(corpus_workspace: Path) -> None:
    ws = str(corpus_workspace)
    code, stdout, _ = run_cli("search", "老赖", "--workspace", ws, "--format", "json")
    hits = json.loads(stdout)
    assert code == 0 and hits and hits[0]["call_id"] == "p02"
    assert set(hits[0]) == {"call_id", "ref", "speaker", "start_s", "end_s", "text", "snippet", "matches"}
    assert "【老赖】" in hits[0]["snippet"]
    one_char = json.loads(run_cli("search", "钱", "--workspace", ws, "--format", "json")[1])
    assert len({h["call_id"] for h in one_char}) >= 3
    customer_only = json.loads(
        run_cli("search", "钱", "--speaker", "customer", "--workspace", ws, "--format", "json")[1]
    )
    assert customer_only and all(h["speaker"] == "customer" for h in customer_only)
    fuzzy = json.loads(run_cli("search", "通讯录", "--fuzzy", "--workspace", ws, "--format", "json")[1])
    assert "p03" in {h["call_id"] for h in fuzzy}


def test_reingest_is_noop_and_reprocess_changes_nothing(corpus_workspace: Path, corpus_calls: dict) -> None:
    ws = str(corpus_workspace)
    code, _, stderr = run_cli(
        "ingest", str(EXAMPLES / "calls"), "--manifest", str(EXAMPLES / "manifest.csv"), "--workspace", ws
    )
    assert code == 0 and "0 added, 14 already present" in stderr
    code, _, stderr = run_cli("process", "--workspace", ws)
    assert code == 0 and "0 processed" in stderr
    after = {c["call_id"]: c for c in json.loads(run_cli("calls", "--workspace", ws, "--format", "json")[1])}
    assert after == corpus_calls


def test_csv_and_table_outputs(corpus_workspace: Path) -> None:
    code, csv_out, _ = run_cli("calls", "--workspace", str(corpus_workspace), "--format", "csv")
    assert code == 0 and csv_out.splitlines()[0].startswith("call_id,") and len(csv_out.splitlines()) == 15
    code, table, _ = run_cli("calls", "--workspace", str(corpus_workspace))
    assert code == 0 and "p14" in table
