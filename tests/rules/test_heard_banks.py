"""The banks as the speech model heard them (heard.json): read beside the banks, trained on as real
speech-to-text copies, and the shipped file in step with the shipped banks."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.learnkit import SMALL, memo_embed, write_banks

from callqa.rules import RulePackError
from callqa.rules.learned.banks import HEARD, default_banks_dir, load_banks
from callqa.rules.learned.detector import default_detector
from callqa.rules.learned.embedcache import bank_vectors_path, read_vectors
from callqa.rules.learned.training import heard_copies, train

THREAT = "再不还钱就让你去坐牢。"  # a violation of the tiny banks
HEARD_AS = "在不环前就让你去做佬"  # as a speech model might write it: no synthetic noise makes this


def test_heard_json_beside_the_banks_is_read(tmp_path: Path) -> None:
    folder = write_banks(tmp_path / "banks")
    assert load_banks(folder).heard == {}  # optional: banks of one's own need none
    (folder / HEARD).write_text(json.dumps({"model": "m", "heard": {THREAT: HEARD_AS}}), "utf-8")
    assert load_banks(folder).heard == {THREAT: HEARD_AS}


@pytest.mark.parametrize("body", ["{", '{"heard": ["x"]}', '{"heard": {"a": 1}}'])
def test_a_malformed_heard_file_is_a_pack_error_naming_it(tmp_path: Path, body: str) -> None:
    folder = write_banks(tmp_path / "banks")
    (folder / HEARD).write_text(body, "utf-8")
    with pytest.raises(RulePackError) as err:
        load_banks(folder)
    assert all(p.startswith(f"{HEARD}:") for p in err.value.problems)


def test_heard_copies_are_corrected_as_transcripts_are_and_skip_sentences_heard_as_written() -> None:
    heard = {
        "请按时还款。": "请按时海款。",
        "您好。": "您好。",
        "逾期了。": "",
        "请尽快还款吧。": "请尽快海款",
    }
    got = heard_copies(["请按时还款。", "您好。", "逾期了。", "没听过的。", "请尽快还款吧。"], heard)
    # 海款 -> 还款 as the pipeline corrects a transcript: the first is then heard as written
    assert got == [None, None, None, None, "请尽快还款"]


def test_training_on_the_heard_text_raises_its_score(tmp_path: Path) -> None:
    folder = write_banks(tmp_path / "banks")
    (folder / HEARD).write_text(json.dumps({"heard": {THREAT: HEARD_AS}}), "utf-8")
    banks = load_banks(folder)
    probs = {}
    for use in (False, True):
        detector, _ = train(banks, embedder=memo_embed, config=replace(SMALL, heard=use))
        _, p = detector.score([HEARD_AS], embedder=memo_embed)
        probs[use] = float(p[0, detector.index("threat")])
    assert probs[True] > probs[False] + 0.02  # 0.60 -> 0.64 measured: one row of eight violations


def test_shipped_heard_text_is_of_shipped_bank_sentences_and_the_model_trained_on_it() -> None:
    banks = load_banks()
    written = set(banks.compliant) | {
        t for b in banks.banks.values() for t in (*b.violations, *b.counter_examples)
    }
    assert len(banks.heard) >= 2000
    assert set(banks.heard) <= written  # a bank edit that drops a sentence drops its heard text too
    assert not any("\ufffd" in t for t in banks.heard.values())
    assert (default_banks_dir() / HEARD).exists()
    assert default_detector().meta["config"]["heard"] is True
    # the shipped vectors hold this file's heard text as `correct` now restores it (47 sentences were
    # embedded again after the corrections of 2026-11-27 pm): `learn` embeds no heard text again
    vectors = read_vectors(bank_vectors_path())
    texts = sorted(banks.heard)
    assert all(h in vectors for h in heard_copies(texts, banks.heard) if h)
