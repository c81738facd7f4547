"""Regroup a stream of audio blocks (whatever sizes the decoder hands out) at chosen sample positions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np


def rechunk(blocks: Iterable[np.ndarray], bounds: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (start sample, samples) for [0, b1), [b1, b2), ... and whatever follows the last bound.

    `bounds` are strictly increasing positive sample positions, read lazily (an endless counter is
    fine). Each piece is a new C-contiguous (channels, n) float32 array, filled in place as blocks
    arrive (never a list of blocks plus their concatenation); the caller may change it.
    """
    cuts = iter(bounds)
    cut = next(cuts, None)
    piece: np.ndarray | None = None  # the piece being filled, sized cut - start
    tail: list[np.ndarray] = []  # after the last cut: size unknown
    start = filled = 0
    for block in blocks:
        while block.shape[1]:
            if cut is None:
                tail.append(np.array(block, dtype=np.float32))
                break
            if piece is None:
                piece = np.empty((block.shape[0], cut - start), np.float32)
            used = min(block.shape[1], cut - start - filled)
            piece[:, filled : filled + used] = block[:, :used]
            filled += used
            block = block[:, used:]
            if start + filled == cut:
                yield start, piece
                piece, start, filled, cut = None, cut, 0, next(cuts, None)
    if piece is not None and filled:
        yield start, np.ascontiguousarray(piece[:, :filled])
    elif tail:
        yield start, np.concatenate(tail, axis=1)
