"""Does a negation govern a match? ("我们不会上门" yes; "不还钱就上门" no)."""

from __future__ import annotations

from callqa.text.normalize import NormalizedText

# Multi-character negators may stand a few characters before the match ("不会再去你家").
NEGATORS = ("不可能", "绝对不", "不会", "不是", "没有", "不要", "不用", "绝不", "并不", "从不", "不能",
            "不得", "不再", "不准", "决不", "从来不", "从没", "请勿", "切勿", "严禁", "禁止")  # fmt: skip
# Single-character negators must touch the match or be one character away ("不去你家", "别再说").
SHORT_NEGATORS = ("不", "别", "没", "未", "勿", "莫")
# Words between negator and match that show the negator governs something else ("不还钱就上门").
BLOCKERS = ("就", "才", "怪", "逼", "否则", "要是", "如果", "的话", "然后", "但", "可是", "不然")
WINDOW = 4


def is_negated(text: NormalizedText, start: int, window: int = WINDOW) -> bool:
    """Whether a negator in the same clause ends within `window` chars before normalised `start`."""
    chars = text.chars
    floor = max(text.clause_start(start), start - window - 3)
    for end in range(start, floor - 1, -1):
        between = chars[end:start]
        if len(between) > window or any(b in between for b in BLOCKERS):
            return False
        head = chars[floor:end]
        if any(head.endswith(n) for n in NEGATORS):
            return True
        if len(between) <= 1 and any(head.endswith(n) for n in SHORT_NEGATORS):
            return True
    return False
