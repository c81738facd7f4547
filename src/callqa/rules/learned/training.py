"""Build the example-based detector: labelled sentences, noise augmentation, classifier, calibration.

Needs scikit-learn (a dependency of callqa). `train` is the library entry point: the shipped model
is built from the banks by bench/build_detector.py, and a later `learn` can pass labelled
sentences from inspectors' verdicts as `extra`.

The classifier per category is a logistic regression over [sentence embedding | folded-pinyin
n-grams | character n-grams] (the winner of bench/compare_detectors.py). Its threshold is set on
out-of-fold scores: the lowest value that no more than `benign_fpr` of the benign sentences
(compliant talk and counter-examples, clean, garbled, and as the speech model heard them) reach,
the scores of `calibration_splits` splits into folds pooled.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np

from callqa.rules.learned.banks import Banks
from callqa.rules.learned.detector import Detector
from callqa.rules.learned.features import EMBED_DIM, HASH_DIM, Embedder, embed, ngram_matrix
from callqa.rules.learned.noise import AsrNoise


@dataclass(frozen=True, slots=True)
class Labelled:
    """A sentence; `category` is the bank it belongs to (None: compliant talk), `violation` its label,
    `customer` whether the customer says it (then an agent rule never sees it in a stereo call)."""

    text: str
    category: str | None
    violation: bool
    customer: bool = False


@dataclass(frozen=True)
class Config:
    """How to train; the defaults are what bench/compare_detectors.py measured best."""

    emb: float = 1.0  # scale of the embedding block
    pinyin: float = 0.5  # scale of the pinyin n-gram block
    chars: float = 0.5  # scale of the character n-gram block
    c: float = 3.0  # inverse regularisation of the logistic regression
    copies: int = 2  # garbled copies of each sentence added to training
    noise_rate: float = 0.15  # share of characters garbled in a copy
    heard: bool = True  # add the speech model's own text of a bank sentence (Banks.heard) as a copy
    folds: int = 5  # for out-of-fold calibration
    # out-of-fold runs, each with its own split into folds (the same garbled copies, so nothing more to
    # embed), pooled for the thresholds: one split moved a threshold by up to 0.01 when a few sentences
    # were added
    calibration_splits: int = 3
    benign_fpr: float = 0.0015  # share of out-of-fold benign sentences allowed above the threshold (README)
    seed: int = 1
    extra_weight: float = 1.0  # weight of `extra` examples relative to the banks'
    gate_miss: float = 0.01  # share of out-of-fold violations the n-gram gate may keep from the embedder
    categories: tuple[str, ...] = field(default=())  # empty: every bank


def labelled(banks: Banks) -> list[Labelled]:
    """Every sentence of the banks with its label."""
    said = banks.customer_speech
    out = [Labelled(t, None, False, t in said) for t in banks.compliant]
    for cat, bank in banks.banks.items():
        out += [Labelled(t, cat, True) for t in bank.violations]
        out += [Labelled(t, cat, False, t in said) for t in bank.counter_examples]
    return out


def noise_for(banks: Banks) -> AsrNoise:
    """A garbler whose substitutes are the characters of the banks."""
    return AsrNoise.from_texts(x.text for x in labelled(banks))


def augment(texts: Sequence[str], noise: AsrNoise, copies: int, rate: float, seed: int) -> list[list[str]]:
    """`copies` garbled versions of each text (deterministic for a seed)."""
    rng = random.Random(seed)
    return [[noise.garble(t, rng, rate) for _ in range(copies)] for t in texts]


def heard_copies(texts: Sequence[str], heard: dict[str, str]) -> list[str | None]:
    """The speech model's text of each sentence, corrected as the pipeline corrects a transcript; None
    where it was not heard or heard as written."""
    from callqa.text.correct import correct

    out: list[str | None] = []
    for t in texts:
        got = correct(heard[t]).text if heard.get(t) else None
        out.append(got if got and got != t else None)
    return out


def with_heard(copies: list[list[str]], heard: Sequence[str | None]) -> list[list[str]]:
    """Each sentence's garbled copies with its heard text in front."""
    return [([h] if h else []) + c for c, h in zip(copies, heard, strict=True)]


def design(texts: Sequence[str], embedder: Embedder, config: Config):  # type: ignore[no-untyped-def]
    """The feature matrix [embedding * emb | pinyin n-grams | character n-grams] (scipy CSR)."""
    from scipy.sparse import csr_matrix, hstack

    vectors = embedder(list(texts)) * config.emb
    return hstack([csr_matrix(vectors), ngram_matrix(texts, config.pinyin, config.chars)]).tocsr()


def _fit(x, y: np.ndarray, weights: np.ndarray, c: float) -> tuple[np.ndarray, float]:  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000)
    model.fit(x, y, sample_weight=weights)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


@dataclass
class _Set:
    """Training rows: sentences and their garbled copies, labels per category, weights."""

    texts: list[str]
    y: np.ndarray  # (n, k) 0/1
    weight: np.ndarray
    origin: np.ndarray  # index of the labelled sentence each row came from


def _rows(
    examples: Sequence[Labelled],
    cats: Sequence[str],
    keep: np.ndarray,
    copies: list[list[str]],
    weights: np.ndarray,
) -> _Set:
    idx = [int(i) for i in np.where(keep)[0]]
    rows = idx + [i for i in idx for _ in copies[i]]
    texts = [examples[i].text for i in idx] + [c for i in idx for c in copies[i]]
    y = np.array([[int(examples[i].violation and examples[i].category == c) for c in cats] for i in rows])
    return _Set(texts, y.reshape(len(rows), len(cats)), weights[rows], np.array(rows))


def _fit_all(data: _Set, cats: Sequence[str], embedder: Embedder, config: Config):  # type: ignore[no-untyped-def]
    x = design(data.texts, embedder, config)
    fitted = [_fit(x, data.y[:, j], data.weight, config.c) for j in range(len(cats))]
    return np.stack([w for w, _ in fitted], axis=1), np.array([b for _, b in fitted], np.float32)


def _probabilities(x, coef: np.ndarray, bias: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    return 1.0 / (1.0 + np.exp(-(np.asarray(x @ coef) + bias)))


def _split(
    examples: Sequence[Labelled], config: Config, noise: AsrNoise, heard: Sequence[str | None], split: int = 0
) -> tuple[np.ndarray, list[str], list[list[str]], list[str]]:
    """The fold of each sentence, the texts, their garbled training copies (the heard text first, where
    there is one), and one garbled test copy each (another seed): the same for the model and its gate,
    so both are calibrated alike. A sentence's copies train only with the sentence's fold. `split`
    numbers another split into folds of the same texts and copies."""
    folds = np.arange(len(examples)) % config.folds
    random.Random(config.seed if split == 0 else f"{config.seed}-{split}").shuffle(folds)  # type: ignore[arg-type]
    texts = [x.text for x in examples]
    copies = with_heard(augment(texts, noise, config.copies, config.noise_rate, config.seed), heard)
    garbled = [g[0] for g in augment(texts, noise, 1, config.noise_rate, config.seed + 1000)]
    return folds, texts, copies, garbled


def out_of_fold(
    examples: Sequence[Labelled],
    cats: Sequence[str],
    embedder: Embedder,
    config: Config,
    noise: AsrNoise,
    heard: Sequence[str | None],
    split: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold probabilities (n, k) of each sentence under split `split` into folds: clean, garbled
    (another seed), and as heard (NaN where it was not heard)."""
    n = len(examples)
    folds, texts, copies, garbled = _split(examples, config, noise, heard, split)
    weights = np.ones(n, np.float32)
    clean_p, garbled_p = np.zeros((n, len(cats))), np.zeros((n, len(cats)))
    heard_p = np.full((n, len(cats)), np.nan)
    for f in range(config.folds):
        data = _rows(examples, cats, folds != f, copies, weights)
        coef, bias = _fit_all(data, cats, embedder, config)
        test = [int(i) for i in np.where(folds == f)[0]]
        for source, out in ((texts, clean_p), (garbled, garbled_p)):
            x = design([source[i] for i in test], embedder, config)
            out[test] = _probabilities(x, coef, bias)
        if said := [i for i in test if heard[i]]:
            heard_p[said] = _probabilities(
                design([heard[i] or "" for i in said], embedder, config), coef, bias
            )
    return clean_p, garbled_p, heard_p


def gate(
    examples: Sequence[Labelled],
    cats: Sequence[str],
    config: Config,
    noise: AsrNoise,
    weights: np.ndarray,
    heard: Sequence[str | None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n-gram-only gate: per category a logistic regression over pinyin and character n-grams
    (no embedding), and the probability that keeps all but `gate_miss` of the violations, clean,
    garbled and heard, out of fold. Sentences the gate lets through are embedded; the rest (most
    ordinary talk) cost no embedding. Returns (n-gram weights with block scales folded in, bias,
    thresholds)."""
    n = len(examples)
    folds, texts, copies, garbled = _split(examples, config, noise, heard)
    positive = np.array([[x.violation and x.category == c for c in cats] for x in examples]).reshape(
        n, len(cats)
    )
    was_heard = np.array([h is not None for h in heard], bool)
    said = [h or "" for h in heard]
    oof = np.zeros((3 * n, len(cats)))  # clean, garbled and heard copies; unheard sentences have no third
    for f in range(config.folds):
        coef, bias = _fit_ngrams(_rows(examples, cats, folds != f, copies, weights), cats, config)
        test = np.where(folds == f)[0]
        heard_test = test[was_heard[test]]
        for offset, source, rows in ((0, texts, test), (n, garbled, test), (2 * n, said, heard_test)):
            if len(rows):
                x = ngram_matrix([source[i] for i in rows], config.pinyin, config.chars)
                oof[offset + rows] = _probabilities(x, coef, bias)
    kept = np.concatenate([np.ones(2 * n, bool), was_heard])
    every = np.concatenate([positive, positive, positive]) & kept[:, None]
    limits = np.array(
        [
            np.quantile(oof[every[:, j], j], config.gate_miss) if every[:, j].any() else 1.0
            for j in range(len(cats))
        ],
        np.float32,
    )
    coef, bias = _fit_ngrams(_rows(examples, cats, np.ones(n, bool), copies, weights), cats, config)
    return _fold_scales(coef, config), bias, limits


def _fit_ngrams(data: _Set, cats: Sequence[str], config: Config):  # type: ignore[no-untyped-def]
    x = ngram_matrix(data.texts, config.pinyin, config.chars)
    fitted = [_fit(x, data.y[:, j], data.weight, config.c) for j in range(len(cats))]
    return np.stack([w for w, _ in fitted], axis=1), np.array([b for _, b in fitted], np.float32)


def thresholds(
    examples: Sequence[Labelled],
    cats: Sequence[str],
    clean_p: np.ndarray,
    garbled_p: np.ndarray,
    benign_fpr: float,
    heard_p: np.ndarray | None = None,
) -> np.ndarray:
    """Per category, the lowest out-of-fold probability that at most `benign_fpr` of the agent's benign
    sentences reach. Each sentence weighs 1 clean and 1 garbled; a sentence also heard (`heard_p` not
    NaN) splits its garbled weight between the synthetic copy and the heard text, so a hard sentence
    heard badly does not count three times."""
    benign = np.array([not x.violation and not x.customer for x in examples])
    heard = np.zeros(len(examples), bool) if heard_p is None else ~np.isnan(heard_p).any(axis=1)
    scores = [
        clean_p[benign],
        garbled_p[benign],
        (heard_p if heard_p is not None else clean_p)[benign & heard],
    ]
    weights = [np.ones(benign.sum()), np.where(heard[benign], 0.5, 1.0), np.full((benign & heard).sum(), 0.5)]
    all_scores, all_weights = np.concatenate(scores), np.concatenate(weights)
    return np.array(
        [_weighted_quantile(all_scores[:, j], all_weights, 1 - benign_fpr) for j in range(len(cats))],
        np.float32,
    )


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value with at least `q` of the total weight at or below it."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    k = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return float(values[order][min(k, len(values) - 1)])


def train(
    banks: Banks,
    extra: Sequence[Labelled] = (),
    *,
    embedder: Embedder = embed,
    config: Config | None = None,
    version: str | None = None,
) -> tuple[Detector, dict[str, object]]:
    """Train and calibrate a detector on the banks plus `extra` labelled sentences (e.g. verdicts);
    returns it and a report of the out-of-fold figures behind its thresholds."""
    config = config or Config()
    cats = list(config.categories or banks.categories)
    examples = labelled(banks) + list(extra)
    noise = noise_for(banks)
    texts = [x.text for x in examples]
    heard = heard_copies(texts, banks.heard if config.heard else {})
    runs = [
        out_of_fold(examples, cats, embedder, config, noise, heard, split)
        for split in range(max(1, config.calibration_splits))
    ]
    clean_p, garbled_p, heard_p = (np.concatenate(parts) for parts in zip(*runs, strict=True))
    pooled = list(examples) * len(runs)  # each run scores every sentence once
    limits = thresholds(pooled, cats, clean_p, garbled_p, config.benign_fpr, heard_p)
    weights = np.array([1.0] * (len(examples) - len(extra)) + [config.extra_weight] * len(extra), np.float32)
    copies = with_heard(augment(texts, noise, config.copies, config.noise_rate, config.seed), heard)
    coef, bias = _fit_all(
        _rows(examples, cats, np.ones(len(examples), bool), copies, weights), cats, embedder, config
    )
    report = calibration_report(pooled, cats, clean_p, garbled_p, heard_p, limits)
    gate_w, gate_b, gate_limits = gate(examples, cats, config, noise, weights, heard)
    from callqa.rules.learned.speaker import train_speaker  # it builds on this module

    said = [Labelled(t, None, False, True) for t in banks.customer_only]  # for the speaker model alone
    speaker = train_speaker(examples + said, embedder, config)  # None: too few customers' words marked
    speaker_emb, speaker_ngram, speaker_b, speaker_limit, speaker_report = speaker or (
        None,
        None,
        0.0,
        1.0,
        {},
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    detector = Detector(
        version or f"examples-{stamp}",
        tuple(cats),
        coef[:EMBED_DIM] * config.emb,
        _fold_scales(coef[EMBED_DIM:], config),
        bias,
        limits,
        {c: banks.banks[c].violations for c in cats},
        {c: embedder(list(banks.banks[c].violations)).astype(np.float16) for c in cats},
        {
            "config": asdict(config),
            "trained_on": len(examples),
            "extra": len(extra),
            "hash_dim": HASH_DIM,
            "calibration": report,
            "speaker": speaker_report,
        },
        gate_w,
        gate_b,
        gate_limits,
        speaker_emb,
        speaker_ngram,
        speaker_b,
        speaker_limit,
    )
    return detector, report


def _fold_scales(ngram_coef: np.ndarray, config: Config) -> np.ndarray:
    """N-gram weights with each block's scale multiplied in, as `features.ngram_scores` expects."""
    out = ngram_coef.copy()
    out[:HASH_DIM] *= config.pinyin
    out[HASH_DIM:] *= config.chars
    return out


def calibration_report(
    examples: Sequence[Labelled],
    cats: Sequence[str],
    clean_p: np.ndarray,
    garbled_p: np.ndarray,
    heard_p: np.ndarray,
    limits: np.ndarray,
) -> dict[str, object]:
    """Out-of-fold recall and false-flag rates at the chosen thresholds, per category."""
    benign = np.array([not x.violation and not x.customer for x in examples])
    said = np.array([x.customer for x in examples])
    out: dict[str, object] = {}
    for j, c in enumerate(cats):
        pos = np.array([x.violation and x.category == c for x in examples])
        out[c] = {
            "threshold": round(float(limits[j]), 4),
            "recall_clean": round(float((clean_p[pos, j] >= limits[j]).mean()), 3),
            "recall_garbled": round(float((garbled_p[pos, j] >= limits[j]).mean()), 3),
            "recall_heard": _share(heard_p[pos & ~np.isnan(heard_p[:, j]), j] >= limits[j], 3),
            "benign_flagged": round(float((clean_p[benign, j] >= limits[j]).mean()), 4),
            "customer_lines_flagged": _share(clean_p[said, j] >= limits[j], 3),
        }
    return out


def _share(hits: np.ndarray, digits: int) -> float | None:
    """The share of True in `hits`, rounded; None when there is nothing to count (a bank with no
    customers' words marked)."""
    return round(float(hits.mean()), digits) if hits.size else None
