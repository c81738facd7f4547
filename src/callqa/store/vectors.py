"""A call's stored sentence embeddings (table call_vectors): saved after the text model first reads a
call, read back by a recheck so a retrained model scores stored transcripts without embedding again."""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete
from sqlalchemy.orm import Session

from callqa.rules.learned.features import EMBEDDER_NAME
from callqa.store.models import CallVectors


def load_call_vectors(session: Session, call_pk: int) -> dict[str, np.ndarray]:
    """{unit text: embedding} stored for the call (empty when none, or made by another embedder)."""
    row = session.get(CallVectors, call_pk)
    if row is None or row.embedder != EMBEDDER_NAME:
        return {}
    vectors = np.frombuffer(row.vectors, dtype=np.float16).reshape(len(row.texts), row.dim)
    return dict(zip(row.texts, vectors.astype(np.float32), strict=True))


def save_call_vectors(session: Session, call_pk: int, vectors: dict[str, np.ndarray]) -> None:
    """Replace the call's stored embeddings with `vectors` (nothing stored when empty)."""
    session.execute(delete(CallVectors).where(CallVectors.call_pk == call_pk))
    if not vectors:
        return
    texts = list(vectors)
    matrix = np.stack([vectors[t] for t in texts]).astype(np.float16)
    session.add(
        CallVectors(
            call_pk=call_pk,
            embedder=EMBEDDER_NAME,
            dim=matrix.shape[1],
            texts=texts,
            vectors=matrix.tobytes(),
        )
    )
