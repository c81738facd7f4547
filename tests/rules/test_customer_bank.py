"""customer.yaml: more of the customer's own words, which teach the speaker model (whose words on a mono
call) and nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.learnkit import SMALL, memo_embed, write_banks

from callqa.rules.learned.banks import CUSTOMER, bank_categories, load_banks
from callqa.rules.learned.detector import Detector, default_detector
from callqa.rules.learned.scoring import CallScorer
from callqa.rules.learned.training import train
from callqa.transcript import Segment

SAID = [
    "我现在真的没钱，下个月发了工资再说。", "你们是不是骗子啊？", "我会不会因为这个坐牢？", "别再打了，烦死了！",
    "我是他老婆，他出去了。", "我在上班，晚点再打给我。", "这钱不是我借的，你们搞错了。", "我要打电话投诉你们。",
    "孩子上学会不会受影响啊？", "我下礼拜五先还一千行不行？", "你们这利息也太高了吧？", "我妈住院了，手头真的紧。",
]  # fmt: skip


def _with_customer_words(folder: Path) -> Path:
    write_banks(folder)
    (folder / f"{CUSTOMER}.yaml").write_text(
        "# the customer's words\ncustomer:\n" + "".join(f"  - {t}\n" for t in SAID), "utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def speaker_trained(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return train(
        load_banks(_with_customer_words(tmp_path_factory.mktemp("b"))), embedder=memo_embed, config=SMALL
    )[0]


def test_customer_words_teach_the_speaker_model_alone(tmp_path: Path) -> None:
    plain = load_banks(write_banks(tmp_path / "plain"))
    banks = load_banks(_with_customer_words(tmp_path / "with"))
    assert banks.customer_only == tuple(SAID) and banks.categories == plain.categories  # no category
    assert CUSTOMER not in bank_categories()
    without, _ = train(plain, embedder=memo_embed, config=SMALL)
    trained, _ = train(banks, embedder=memo_embed, config=SMALL)
    # the category models and their thresholds are the same; only now is there a speaker model
    assert np.array_equal(trained.w_emb, without.w_emb) and np.array_equal(
        trained.thresholds, without.thresholds
    )
    assert without.speaker_emb is None and trained.speaker_emb is not None
    said = ["我现在手头真的紧，下个月再说吧。", "你们是不是骗子？"]
    assert trained.customer_like(said, memo_embed(said)).all()
    agent = ["你不还钱我们就上门找你家人。", "请问您什么时候方便还款？"]
    assert not trained.customer_like(agent, memo_embed(agent)).any()


def test_on_a_one_track_call_the_speaker_model_also_reads_what_the_voices_gave_the_agent(
    speaker_trained: Detector,
) -> None:
    said = "我现在手头真的紧，下个月再说吧。"
    segments = [Segment("agent", 0.0, 3.0, said)]
    for one_track in (False, True):
        scorer = CallScorer(speaker_trained, segments, {}, one_track)
        scorer.units([0])
        assert scorer.said_by_customer(0, 0, len(said)) is one_track  # a stereo agent channel is the agent's


def test_the_speaker_model_reads_no_clause_cut_out_of_its_sentence() -> None:
    """「我就直接打给你爱人」 cut out of its sentence reads like a customer's threat to complain; the
    whole sentence is the agent's disclosure, and the speaker model judges only that."""
    said = "我就直接打给你爱人，把您欠了八千多的事跟她讲清楚。"
    scorer = CallScorer(default_detector(), [Segment("agent", 30.0, 35.0, said)], {}, one_track=True)
    units = scorer.units([0])
    assert any(u.clause for u in units)  # the sentence reads near a category: its clauses are scored too
    assert not any(u.customer for u in units if u.clause)
    assert not scorer.said_by_customer(0, said.index("打给"), said.index("，"))
