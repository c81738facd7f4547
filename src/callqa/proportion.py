"""A proportion estimated from a sample, with its Wilson score interval.

The Wilson interval (not the textbook p ± z·sqrt(p(1-p)/n)) because the miss rate of 抽检 is small
and the samples are small: the textbook interval collapses to [0, 0] when no miss was found and can
leave [0, 1]; Wilson's stays inside [0, 1] and is honest about few observations.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: a two-sided 95% interval


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of successes/n; (0, 1) when n is 0 (nothing is known)."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # the exact bounds at k = 0 and k = n are 0 and 1; clamp float noise around them
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high
