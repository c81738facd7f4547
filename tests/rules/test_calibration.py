"""Calibration of the text model: thresholds from out-of-fold scores, and the shipped model's figures."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callqa.rules.learned.banks import load_banks
from callqa.rules.learned.detector import default_detector
from callqa.rules.learned.training import Config, Labelled, thresholds


def _examples(n_benign: int, n_customer: int, n_positive: int) -> list[Labelled]:
    return (
        [Labelled(f"b{i}", None, False) for i in range(n_benign)]
        + [Labelled(f"c{i}", None, False, customer=True) for i in range(n_customer)]
        + [Labelled(f"v{i}", "threat", True) for i in range(n_positive)]
    )


@settings(max_examples=50, deadline=None)
@given(st.integers(20, 400), st.floats(0.001, 0.1), st.integers(0, 10_000))
def test_threshold_lets_through_at_most_the_allowed_share_of_benign_agent_sentences(
    n_benign: int, fpr: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    examples = _examples(n_benign, 30, 20)
    clean = rng.random((len(examples), 1))
    garbled = rng.random((len(examples), 1))
    clean[n_benign : n_benign + 30] = 1.0  # customers' words score high: they must not move the threshold
    [limit] = thresholds(examples, ["threat"], clean, garbled, fpr)
    benign = np.concatenate([clean[:n_benign, 0], garbled[:n_benign, 0]])
    # np.quantile interpolates between neighbouring scores: at most one sentence of slack
    assert (benign > limit).mean() <= fpr + 1 / len(benign) + 1e-9
    assert limit < 1.0


def test_shipped_model_is_calibrated_on_the_shipped_banks() -> None:
    detector = default_detector()
    banks = load_banks()
    assert set(detector.categories) == set(banks.categories)
    report = detector.meta["calibration"]
    assert isinstance(report, dict)
    for j, category in enumerate(detector.categories):
        figures = report[category]
        # out of fold, clean: the target (Config.benign_fpr, over clean, garbled and heard), give or take
        assert figures["benign_flagged"] <= 2 * Config().benign_fpr
        assert figures["recall_clean"] >= 0.5
        assert 0.5 < float(detector.thresholds[j]) < 1.0
        assert detector.gate_thresholds is not None and 0 < float(detector.gate_thresholds[j]) < 0.5
        assert detector.examples[category] == banks.banks[category].violations  # nearest-example texts
    speaker = detector.meta["speaker"]
    assert isinstance(speaker, dict) and speaker["agent_violations_taken"] <= 0.02  # out of fold
    assert speaker["customer_caught"] >= 0.3
    assert abs(detector.speaker_threshold - speaker["threshold"]) < 1e-3
