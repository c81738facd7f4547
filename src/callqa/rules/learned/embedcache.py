"""A file of embeddings by text, so training and benchmarks embed each sentence once, ever."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from callqa.rules.learned.features import EMBED_DIM, Embedder, embed


class EmbeddingCache:
    """Embeddings of texts, kept in `path` (.npz of texts and float32 vectors); `embedder` fills misses."""

    def __init__(self, path: str | Path, embedder: Embedder = embed) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as data:
                self.vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        for k in range(0, len(missing), 1024):  # saved as it goes: a long first run can be resumed
            chunk = missing[k : k + 1024]
            self.vectors.update(zip(chunk, self.embedder(chunk), strict=True))
            self.save()
        if not texts:
            return np.zeros((0, EMBED_DIM), np.float32)
        return np.stack([self.vectors[t] for t in texts]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        texts = list(self.vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(texts), vectors=np.stack([self.vectors[t] for t in texts]))
        tmp.replace(self.path)
