"""Character alignment of a reference text with what the speech model heard (for learning confusions)."""

from __future__ import annotations

GAP = -1


def alignment(said: str, heard: str) -> list[tuple[int, int]]:
    """A minimum-edit alignment as (index in `said`, index in `heard`) columns, in order; `GAP` (-1)
    on one side for a deletion or an insertion.

    Ties prefer a substitution over an insertion plus a deletion, so a misheard character lines up
    with the character it replaced.

    >>> alignment("逾期十天", "一期天")
    [(0, 0), (1, 1), (2, -1), (3, 2)]
    """
    n, m = len(said), len(heard)
    dist = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        dist[i][0] = i
    for j in range(m + 1):
        dist[0][j] = j
    for i in range(1, n + 1):
        row, prev, a = dist[i], dist[i - 1], said[i - 1]
        for j in range(1, m + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a != heard[j - 1]))
    out: list[tuple[int, int]] = []
    i, j = n, m
    while i or j:
        if i and j and dist[i][j] == dist[i - 1][j - 1] + (said[i - 1] != heard[j - 1]):
            i, j = i - 1, j - 1
            out.append((i, j))
        elif i and dist[i][j] == dist[i - 1][j] + 1:
            i -= 1
            out.append((i, GAP))
        else:
            j -= 1
            out.append((GAP, j))
    return out[::-1]
