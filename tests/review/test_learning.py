"""Learning from verdicts: labelled sentences from decisions, a retraining round trip on tiny banks,
model versions with rollback, the audit trail, phrasing suggestions."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from callqa.errors import NotFound
from callqa.review import workflow
from callqa.review.learning import learn, switch
from callqa.review.precision import phrasing_suggestions
from callqa.rules.active import active_detector, active_model_path
from callqa.rules.learned.detector import shipped_model_path
from callqa.rules.learned.verdicts import sentence_of, verdict_examples
from callqa.rules.learned.versions import SHIPPED, list_versions, model_meta
from callqa.store.database import Database
from callqa.store.models import AuditEntry, Violation, ViolationDecision
from callqa.workspace import Workspace
from tests.conftest import run_cli
from tests.learnkit import add_transcribed_call, memo_embed, small_options, write_banks

from .conftest import People

MISSED = "我们知道你孩子在哪个学校上学。"  # an implied threat no bank sentence resembles
BENIGN = "你等着，我马上把还款链接发给你。"  # shares the words of a threat in the bank


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def banks(tmp_path: Path) -> Path:
    return write_banks(tmp_path / "banks")


def _prob(ws: Workspace, text: str, category: str) -> tuple[float, bool]:
    detector = active_detector(ws)
    _, probs = detector.score([text], embedder=memo_embed)
    j = detector.index(category)
    return float(probs[0, j]), bool(probs[0, j] >= detector.thresholds[j])


def test_sentence_of_a_keyword_hit_is_the_unit_around_it() -> None:
    segments = [(0.0, 4.0, "您好。请问是张先生吗？"), (5.0, 9.0, "喂，你再不还钱，我们就让你坐牢。好吧？")]
    assert sentence_of("坐牢", segments, 6.0, 7.0) == "喂，你再不还钱，我们就让你坐牢。"
    assert sentence_of("坐牢", segments, 0.5, 1.0) is None  # not in the segment at that time
    assert sentence_of("张先生", segments, 0.0, 4.0) == "请问是张先生吗？"


def test_verdicts_become_labelled_sentences(db: Database, people: People, run) -> None:  # type: ignore[no-untyped-def]
    lines = ["你再不还钱，我们就让你坐牢。", "你真是个废物。", "您好，我是客服小王。", MISSED]
    hits = [
        (0, "threat-kw", "threat", "坐牢", "rule", None),  # keyword hit: only the phrase is stored
        (1, "abuse-model", "abuse", "你真是个废物。", "rule", 0.9),
        (2, "abuse-model", "abuse", "您好，我是客服小王。", "rule", 0.6),
        (2, "privacy-kw", "privacy", "客服", "rule", None),  # no bank for this category
        (3, "manual", "threat", MISSED, "inspector", None),  # a person added it (漏检)
    ]
    kw, model, fp, privacy, _added = add_transcribed_call(db, "c1", lines, hits)
    owner = people.insp1
    for vid, decision in (
        (kw, "confirmed"),
        (model, "confirmed"),
        (fp, "false_positive"),
        (privacy, "confirmed"),
    ):
        run(workflow.decide_violation, owner, vid, decision)
    with db.session() as s:  # a recheck no longer finds the model hit: the person's label still stands
        s.execute(update(Violation).where(Violation.id == model).values(vanished_at=datetime(2026, 1, 1)))
    with db.session() as s:
        found = verdict_examples(s, ["threat", "abuse"])
    got = {(x.text, x.category, x.violation) for x in found.examples}
    assert got == {
        ("你再不还钱，我们就让你坐牢。", "threat", True),
        ("你真是个废物。", "abuse", True),
        ("您好，我是客服小王。", "abuse", False),
        (MISSED, "threat", True),
    }
    assert (found.verdicts, found.skipped_category, found.positives, found.negatives) == (5, 1, 3, 1)

    # the same sentence decided again on another call: the latest decision wins
    (again,) = add_transcribed_call(
        db, "c2", ["你真是个废物。"], [(0, "abuse-model", "abuse", "你真是个废物。", "rule", 0.9)]
    )
    run(workflow.decide_violation, people.insp2, again, "false_positive")
    with db.session() as s:
        labels = {
            (x.text, x.category): x.violation for x in verdict_examples(s, ["threat", "abuse"]).examples
        }
        assert labels[("你真是个废物。", "abuse")] is False
        s.execute(update(ViolationDecision).where(ViolationDecision.violation_id == model)
                  .values(decided_at=datetime(2099, 1, 1)))  # fmt: skip
    with db.session() as s:
        labels = {
            (x.text, x.category): x.violation for x in verdict_examples(s, ["threat", "abuse"]).examples
        }
    assert labels[("你真是个废物。", "abuse")] is True


def test_a_sentence_that_violates_one_category_is_no_negative_of_another(
    db: Database, people: People, run
) -> None:  # type: ignore[no-untyped-def]
    text = "你这个骗子，小心你家人出事。"
    a, b = add_transcribed_call(db, "c1", [text], [(0, "threat-model", "threat", text, "rule", 0.8),
                                                    (0, "abuse-model", "abuse", text, "rule", 0.7)])  # fmt: skip
    run(workflow.decide_violation, people.insp1, a, "confirmed")
    run(workflow.decide_violation, people.insp1, b, "false_positive")
    with db.session() as s:
        found = verdict_examples(s, ["threat", "abuse"])
    assert [(x.category, x.violation) for x in found.examples] == [("threat", True)]
    assert found.superseded == 1


@pytest.mark.slow
def test_learning_round_trip(db: Database, people: People, run, ws: Workspace, banks: Path) -> None:  # type: ignore[no-untyped-def]
    # the baseline: the tiny banks alone, as a workspace version
    base = learn(ws, db, "cli:test", small_options(banks), embedder=memo_embed)
    assert base.saved and base.previous == SHIPPED and active_model_path(ws) == base.path
    missed_before, fired_before = _prob(ws, MISSED, "threat")
    benign_before, _ = _prob(ws, BENIGN, "threat")
    assert not fired_before

    # an inspector adds the missed threat; another hit on the benign sentence is marked false positive
    _, fp = add_transcribed_call(
        db, "c1", [MISSED, BENIGN],
        [(0, "manual", "threat", MISSED, "inspector", None), (1, "threat-model", "threat", BENIGN, "rule", 0.7)],
    )  # fmt: skip
    run(workflow.decide_violation, people.insp1, fp, "false_positive")
    result = learn(ws, db, people.sup, small_options(banks), embedder=memo_embed)
    assert result.saved and result.previous == base.version and result.verdicts["positives"] == 1
    assert result.after.positives_flagged == 1 and result.before.positives_flagged == 0
    missed_after, fired_after = _prob(ws, MISSED, "threat")
    benign_after, _ = _prob(ws, BENIGN, "threat")
    assert missed_after > missed_before and fired_after
    assert benign_after < benign_before
    assert oct(os.stat(ws.root / "models" / "verdict_vectors.npz").st_mode & 0o777) == "0o600"

    # versions: shipped, the baseline and the new one, the new one current; rollback and forward again
    versions = list_versions(ws)
    assert [v.version for v in versions] == [SHIPPED, base.version, result.version]
    assert [v.current for v in versions] == [False, False, True] and versions[2].extra == 2
    assert switch(ws, db, people.sup, base.version) == result.version
    assert active_model_path(ws) == base.path and _prob(ws, MISSED, "threat")[0] == pytest.approx(
        missed_before
    )
    switch(ws, db, people.sup, SHIPPED)
    assert active_model_path(ws) == shipped_model_path()
    with pytest.raises(NotFound, match="没有文本模型版本“ws-1”，现有版本：出厂模型"):
        switch(ws, db, people.sup, "ws-1")

    # a dry run trains and reports but leaves everything as it was
    dry = learn(ws, db, people.sup, small_options(banks, dry_run=True), embedder=memo_embed)
    assert not dry.saved and len(list_versions(ws)) == 3 and active_model_path(ws) == shipped_model_path()

    with db.session() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "model").order_by(AuditEntry.id)
        ).all()
        trail = [(e.actor, e.action, e.entity_id) for e in entries]
    assert trail == [
        ("cli:test", "model.learn", base.version),
        ("sup", "model.learn", result.version),
        ("sup", "model.use", base.version),
        ("sup", "model.use", SHIPPED),
    ]


@pytest.mark.slow
def test_a_much_worse_calibration_is_refused_unless_forced(db: Database, ws: Workspace, banks: Path) -> None:
    base = learn(ws, db, "cli:test", small_options(banks), embedder=memo_embed)
    harsh = small_options(
        banks, max_recall_drop=-1.0, force=False
    )  # a bar no model passes: every category is worse
    refused = learn(ws, db, "cli:test", harsh, embedder=memo_embed)
    assert not refused.saved and refused.refused and "新模型未保存" in refused.refused
    assert active_model_path(ws) == base.path
    forced = learn(
        ws, db, "cli:test", small_options(banks, max_recall_drop=-1.0, force=True), embedder=memo_embed
    )
    assert forced.saved and active_model_path(ws) == forced.path


def test_phrasing_suggestions_are_model_catches_no_keyword_rule_found(
    db: Database, people: People, run
) -> None:  # type: ignore[no-untyped-def]
    only_model = "你走夜路的时候可要小心点。"
    c1 = add_transcribed_call(
        db, "c1", [only_model], [(0, "threat-model", "threat", only_model, "rule", 0.8)]
    )
    both = "再不还钱就让你坐牢。"
    c2 = add_transcribed_call(db, "c2", [both], [(0, "threat-model", "threat", both, "rule", 0.9),
                                                 (0, "threat-kw", "threat", "坐牢", "rule", None)])  # fmt: skip
    other = "小心点。"
    c3 = add_transcribed_call(db, "c3", [other], [(0, "threat-model", "threat", other, "rule", 0.6)])
    (c4,) = add_transcribed_call(
        db, "b1", [only_model], [(0, "threat-model", "threat", only_model, "rule", 0.8)], team="B"
    )
    run(workflow.decide_violation, people.insp1, c1[0], "confirmed")
    run(workflow.decide_violation, people.insp2, c2[0], "confirmed")
    run(workflow.decide_violation, people.insp1, c3[0], "false_positive")
    run(workflow.decide_violation, people.insp2, c4, "confirmed")
    with db.session() as s:
        found = phrasing_suggestions(s, None, ["threat-model"])
        lead_a = phrasing_suggestions(s, people.lead_a, ["threat-model"])
        assert phrasing_suggestions(s, None, []) == {}
    assert sorted((x.call_id, x.text) for x in found["threat-model"]) == [
        ("b1", only_model),
        ("c1", only_model),
    ]
    assert [(x.call_id, x.confidence) for x in lead_a["threat-model"]] == [("c1", 0.8)]


@pytest.mark.slow
def test_learn_command(tmp_path: Path, banks: Path) -> None:
    folder = str(tmp_path / "cli-ws")
    code, out, err = run_cli("learn", "--workspace", folder, "--banks", str(banks))
    assert code == 1 and "新模型未保存" in err  # tiny banks calibrate far worse than the shipped model
    assert "threat" in out and "→" in out and "verdicts: 0 read" in out
    code, out, _ = run_cli(
        "learn", "--workspace", folder, "--banks", str(banks), "--force", "--verdict-weight", "2"
    )
    assert code == 0 and "now in use" in out
    version = out.split("saved detector-", 1)[1].split(".npz", 1)[0]
    trained = model_meta(tmp_path / "cli-ws" / "models" / f"detector-{version}.npz")["config"]
    assert trained == model_meta(shipped_model_path())["config"] | {"extra_weight": 2.0}  # same settings
    code, out, _ = run_cli("learn", "--list", "--workspace", folder)
    assert code == 0 and version in out and SHIPPED in out
    assert [line for line in out.splitlines() if "*" in line and version in line]
    code, out, _ = run_cli("learn", "--use", SHIPPED, "--workspace", folder)
    assert code == 0 and f"model in use: {SHIPPED} (was {version})" in out
    code, _, err = run_cli("learn", "--use", "ws-0", "--workspace", folder)
    assert code == 1 and "没有文本模型版本“ws-0”" in err
    code, out, _ = run_cli("audit", "export", "--format", "json", "--workspace", folder)
    assert '"model.learn"' in out and '"model.use"' in out and '"verdict_weight": 2.0' in out


@pytest.mark.slow
def test_a_rules_own_examples_are_learned(db: Database, tmp_path: Path, banks: Path) -> None:
    """A `learned` rule may carry its own example sentences: the next `learn` trains on them."""
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "pack.yaml").write_text(
        "rules:\n"
        "  - id: threat-model\n    name: 威胁（模型）\n    category: threat\n    severity: high\n"
        "    deduction: 30\n    role: agent\n    when:\n      learned:\n        bank: threat\n"
        f"        examples: [{MISSED}]\n        counter_examples: [{BENIGN}]\n",
        encoding="utf-8",
    )
    (tmp_path / "own" / "config.toml").write_text('rule_pack = "pack.yaml"\n', encoding="utf-8")
    ws = Workspace.open(tmp_path / "own")
    learn(ws, db, "cli:test", small_options(banks), embedder=memo_embed)
    assert _prob(ws, MISSED, "threat")[1]  # fires: the rule's own example
    plain = Workspace.open(tmp_path / "plain")
    learn(plain, db, "cli:test", small_options(banks), embedder=memo_embed)
    assert not _prob(plain, MISSED, "threat")[1]  # without it the same banks miss the sentence
    assert _prob(ws, BENIGN, "threat")[0] < _prob(plain, BENIGN, "threat")[0]
