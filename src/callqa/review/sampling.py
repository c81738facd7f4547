"""Which clean calls are drawn for 抽检 (spot-check review), decided by the recording itself.

A call's draw point is a hash of its recording's sha256 mapped to [0, 1); the call is drawn when the
point is below the sample rate. So the draw needs no stored state and never changes: processing a
call again, or sampling the backlog again, draws exactly the same calls, and raising the rate only
adds calls (every call drawn at 2% is also drawn at 5%). The recording's hash is not known to the
agents on the call, so they cannot tell which of their calls will be checked.
"""

from __future__ import annotations

import hashlib

from callqa.store.models import Call

_DOMAIN = b"callqa sample draw v1\x00"  # keeps the draw independent of any other use of the hash


def draw_point(content_sha256: str) -> float:
    """Where a recording falls in [0, 1) (uniform over recordings)."""
    digest = hashlib.sha256(_DOMAIN + content_sha256.encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_drawn(call: Call, rate: float) -> bool:
    """Whether the call is in the sample at `rate` (0: none, 1: all)."""
    return draw_point(call.content_sha256) < rate
