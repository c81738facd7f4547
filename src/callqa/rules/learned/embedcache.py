"""A file of embeddings by text, so training and benchmarks embed each sentence once, ever.

`bank_vectors.npz` (package data, float16) holds the embeddings of every text the default training
asks for (bank sentences and their deterministic garbled copies), written by bench/build_detector.py;
a cache seeded from it lets `callqa learn` embed only the verdict sentences.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from callqa.rules.learned.features import EMBED_DIM, Embedder, embed


def bank_vectors_path() -> Path:
    """The shipped embeddings of the default training's texts."""
    return Path(str(resources.files("callqa.rules") / "packs" / "bank_vectors.npz"))


def read_vectors(path: str | Path) -> dict[str, np.ndarray]:
    """{text: vector} of a cache or bank-vectors file; empty when the file is missing."""
    path = Path(path)
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))


def write_vectors(
    path: str | Path, vectors: dict[str, np.ndarray], dtype: type = np.float32, compress: bool = False
) -> None:
    """Write {text: vector} atomically (temp file + replace), readable by this account only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = list(vectors)
    stacked = np.stack([vectors[t] for t in texts]) if texts else np.zeros((0, EMBED_DIM))
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        save = np.savez_compressed if compress else np.savez
        save(fh, texts=np.array(texts, dtype=str), vectors=stacked.astype(dtype))
    tmp.replace(path)


class EmbeddingCache:
    """Embeddings of texts, kept in `path` (.npz of texts and float32 vectors); `embedder` fills misses.
    `seed` files are read too but never rewritten: only texts missing from them are saved to `path`."""

    def __init__(self, path: str | Path, embedder: Embedder = embed, seed: Iterable[str | Path] = ()) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self.seeded: dict[str, np.ndarray] = {}
        for s in seed:
            self.seeded.update(read_vectors(s))
        self.vectors: dict[str, np.ndarray] = read_vectors(self.path)
        self.embedded = 0  # texts embedded by this cache (misses)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors and t not in self.seeded]
        for k in range(0, len(missing), 1024):  # saved as it goes: a long first run can be resumed
            chunk = missing[k : k + 1024]
            self.vectors.update(zip(chunk, self.embedder(chunk), strict=True))
            self.embedded += len(chunk)
            self.save()
        if not texts:
            return np.zeros((0, EMBED_DIM), np.float32)
        rows = [self.vectors[t] if t in self.vectors else self.seeded[t] for t in texts]
        return np.stack(rows).astype(np.float32)

    def save(self) -> None:
        write_vectors(self.path, self.vectors)


class Recorder:
    """An embedder that passes through to `embedder` and remembers every text it was asked for."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.texts: dict[str, None] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.update(dict.fromkeys(texts))
        return self.embedder(texts)
