"""The shipped example-based model: load it (numpy only) and score text units.

The artifact (packs/detector.npz) holds, per category, a linear classifier over the sentence
embedding and the hashed pinyin n-grams, its calibrated threshold, and the bank's violating
sentences with their embeddings (float16) to name the nearest example in explanations.
Nothing is embedded or trained at run time except the call's own sentences.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from callqa.rules.learned import features
from callqa.rules.learned.features import Embedder

FORMAT = 1


class DetectorError(Exception):
    """A model file that cannot be used."""


@dataclass(frozen=True)
class Detector:
    """Per-category linear scores over [embedding | pinyin n-grams], squashed to 0..1."""

    version: str
    categories: tuple[str, ...]
    w_emb: np.ndarray  # (EMBED_DIM, k)
    w_pinyin: np.ndarray  # (PINYIN_DIM, k); all zero when pinyin features are off
    bias: np.ndarray  # (k,)
    thresholds: np.ndarray  # (k,) probability above which a unit fires
    examples: dict[str, tuple[str, ...]]  # violating sentences of each category's bank
    example_vectors: dict[str, np.ndarray]  # their embeddings, float16
    meta: dict[str, object]
    # The n-gram gate (see training.gate): a sentence is embedded only if some category's gate
    # probability reaches its gate threshold. None: every sentence is embedded.
    w_gate: np.ndarray | None = None  # (2 * HASH_DIM, k)
    gate_bias: np.ndarray | None = None  # (k,)
    gate_thresholds: np.ndarray | None = None  # (k,)
    # Whose words (see speaker.py): a linear model of "only a customer says this" and its threshold.
    speaker_emb: np.ndarray | None = None  # (EMBED_DIM,)
    speaker_ngram: np.ndarray | None = None  # (2 * HASH_DIM,)
    speaker_bias: float = 0.0
    speaker_threshold: float = 1.0

    def customer_like(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Which of `texts` (embedded as `vectors`) only a customer would say (all False without a
        speaker model)."""
        if self.speaker_emb is None or self.speaker_ngram is None or not len(texts):
            return np.zeros(len(texts), bool)
        ngram = features.ngram_scores(texts, self.speaker_ngram[:, None])[:, 0]
        p = _sigmoid(vectors @ self.speaker_emb + ngram + self.speaker_bias)
        return np.asarray(p >= self.speaker_threshold)

    @cached_property
    def _ngram_weights(self) -> np.ndarray:
        """The model's and the gate's n-gram weights side by side: one pass over a sentence's n-grams."""
        return self.w_pinyin if self.w_gate is None else np.hstack([self.w_pinyin, self.w_gate])

    def index(self, category: str) -> int:
        return self.categories.index(category)

    def score(self, texts: Sequence[str], embedder: Embedder | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(which texts were embedded, probabilities (len(texts), k)). Texts the gate stops are not
        embedded; their row holds the gate's own probabilities and can never fire."""
        texts = list(texts)
        k = len(self.categories)
        ngram_w = self._ngram_weights
        ngram = (
            features.ngram_scores(texts, ngram_w) if texts else np.zeros((0, ngram_w.shape[1]), np.float32)
        )
        if self.w_gate is None or self.gate_bias is None or self.gate_thresholds is None:
            passed = np.ones(len(texts), bool)
            probs = np.zeros((len(texts), k), np.float32)
        else:
            gate_p = _sigmoid(ngram[:, k:] + self.gate_bias)
            passed = np.asarray((gate_p >= self.gate_thresholds).any(axis=1))
            probs = gate_p.astype(np.float32)
        chosen = [t for t, ok in zip(texts, passed, strict=True) if ok]
        if chosen:
            vectors = (embedder or features.embed)(chosen)
            logits = vectors @ self.w_emb + self.bias + ngram[passed, :k]
            probs[passed] = _sigmoid(logits)
        return passed, probs

    def nearest(self, category: str, vector: np.ndarray) -> tuple[str, float]:
        """The bank's violating sentence closest to `vector`, and its cosine."""
        sims = self.example_vectors[category].astype(np.float32) @ vector
        best = int(np.argmax(sims))
        return self.examples[category][best], float(sims[best])

    def save(self, path: str | Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(
                json.dumps(
                    {
                        **self.meta,
                        "format": FORMAT,
                        "version": self.version,
                        "categories": list(self.categories),
                    },
                    ensure_ascii=False,
                )
            ),
            "w_emb": self.w_emb.astype(np.float32),
            "w_pinyin": self.w_pinyin.astype(np.float16),
            "bias": self.bias.astype(np.float32),
            "thresholds": self.thresholds.astype(np.float32),
        }
        if self.w_gate is not None and self.gate_bias is not None and self.gate_thresholds is not None:
            arrays["w_gate"] = self.w_gate.astype(np.float16)
            arrays["gate_bias"] = self.gate_bias.astype(np.float32)
            arrays["gate_thresholds"] = self.gate_thresholds.astype(np.float32)
        if self.speaker_emb is not None and self.speaker_ngram is not None:
            arrays["speaker_emb"] = self.speaker_emb.astype(np.float32)
            arrays["speaker_ngram"] = self.speaker_ngram.astype(np.float16)
            arrays["speaker_bias_threshold"] = np.array(
                [self.speaker_bias, self.speaker_threshold], np.float32
            )
        for c in self.categories:
            arrays[f"examples/{c}"] = np.array(self.examples[c])
            arrays[f"vectors/{c}"] = self.example_vectors[c].astype(np.float16)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def load_detector(path: str | Path) -> Detector:
    """Read a model file written by `Detector.save` (no pickles: np.load refuses them)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                raise DetectorError(
                    f"{Path(path).name}: model format {meta.get('format')}, expected {FORMAT}"
                )
            cats = tuple(meta["categories"])
            return Detector(
                meta["version"],
                cats,
                data["w_emb"].astype(np.float32),
                data["w_pinyin"].astype(np.float32),
                data["bias"],
                data["thresholds"],
                {c: tuple(data[f"examples/{c}"].tolist()) for c in cats},
                {c: data[f"vectors/{c}"] for c in cats},
                meta,
                data["w_gate"].astype(np.float32) if "w_gate" in data else None,
                data.get("gate_bias"),
                data.get("gate_thresholds"),
                data.get("speaker_emb"),
                data["speaker_ngram"].astype(np.float32) if "speaker_ngram" in data else None,
                *(float(v) for v in data.get("speaker_bias_threshold", (0.0, 1.0))),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise DetectorError(f"{Path(path).name}: not a usable detector model ({exc})") from exc


def shipped_model_path() -> Path:
    return Path(str(resources.files("callqa.rules") / "packs" / "detector.npz"))


@cache
def default_detector() -> Detector:
    """The model shipped with callqa, loaded once per process."""
    return load_detector(shipped_model_path())


@cache
def shipped_categories() -> tuple[str, ...]:
    """Categories of the shipped model, read from its metadata alone (validates packs cheaply)."""
    try:
        with np.load(shipped_model_path(), allow_pickle=False) as data:
            return tuple(json.loads(str(data["meta"]))["categories"])
    except (OSError, KeyError, ValueError):
        return ()
