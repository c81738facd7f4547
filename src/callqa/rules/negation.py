"""Does a negation govern a match? ("我们不会上门" yes; "不还钱就上门" no)."""

from __future__ import annotations

import re

from callqa.text.normalize import NormalizedText

# Multi-character negators may stand a few characters before the match ("不会再去你家"); 任何 marks a
# generic warning ("不要转账到任何个人账户").
NEGATORS = (
    "不可能",
    "绝对不",
    "不会",
    "不是",
    "没有",
    "不要",
    "不用",
    "绝不",
    "并不",
    "从不",
    "不能",
    "不得",
    "不再",
    "不准",
    "决不",
    "从来不",
    "从没",
    "请勿",
    "切勿",
    "严禁",
    "禁止",
    "任何",
    "不存在",
    "不至于",
    "不会因为",
    "不能因为",
    "不会仅仅因为",
    # the agent quotes what the customer said or fears (您说的黑名单…; text is normalised: 您 reads 你)
    "你说的",
    "你问的",
    "你提到的",
    "你担心的",
    "你听说的",
)
# "不会因为…就坐牢" negates the whole because-then frame: its 就 is no blocker.
THROUGH_BLOCKERS = ("因为",)
# Single-character negators must touch the match or be one character away ("不去你家", "别再说").
SHORT_NEGATORS = ("不", "别", "没", "未", "勿", "莫")
# Words between negator and match that show the negator governs something else ("不还钱就上门").
BLOCKERS = ("就", "才", "怪", "逼", "否则", "要是", "如果", "的话", "然后", "但", "可是", "不然")
WINDOW = 5

_ALT = "|".join(sorted(NEGATORS, key=len, reverse=True))
_SHORT = "".join(SHORT_NEGATORS)
# Greedy `.*` makes the regex find the negator nearest to the match.
_NEAREST = re.compile(f"^.*(?:(?P<neg>{_ALT})(?P<long>.{{0,{WINDOW}}})|[{_SHORT}](?P<short>.?))$")
_LONGEST = max(len(n) for n in NEGATORS)
_FIRST_CHARS = frozenset(n[0] for n in (*NEGATORS, *SHORT_NEGATORS))


def is_negated(text: NormalizedText, start: int) -> bool:
    """Whether a negator in the same clause ends within a few chars before normalised `start`."""
    before = text.chars[max(text.clause_start(start), start - WINDOW - _LONGEST) : start]
    if _FIRST_CHARS.isdisjoint(before):
        return False
    m = _NEAREST.match(before)
    if m is None:
        return False
    between = m.group("long") if m.group("long") is not None else m.group("short")
    if m.group("neg") and m.group("neg").endswith(THROUGH_BLOCKERS):
        return True
    return not any(b in between for b in BLOCKERS)


# The speaker calls what the match names wrong, later in the same sentence: 「信用卡套现是违反用卡规定的，
# 我们不建议，也不接受」, 「坐不了高铁是失信被执行人的限制，跟普通逾期不是一回事」.
DISAVOWALS = re.compile(
    r"(?:是|属于)(?:违规|违法|诈骗)|违反[^。！？!?；;]{0,8}(?:规定|法律|法规)|不建议|不接受|不允许|不提倡"
    r"|不是一回事|不存在(?:这种|这个|这样的)?情况|不会(?:这么|这样)做"
    # a warning: 任何人让您转到个人卡，都不要转
    r"|(?:都|千万|一律|一概)(?:不要|别|不能)(?:转|给|付|打|信|理|扫|做|用|碰|去)"
)
SENTENCE_END = re.compile(r"[。！？!?；;]")
DISAVOWAL_REACH = 40  # characters after the match's start searched for a disavowal


def is_disavowed(text: NormalizedText, start: int) -> bool:
    """Whether the rest of the sentence from normalised `start` disavows what is matched there."""
    at, _ = text.original_span(start, start + 1)
    rest = text.original[at : at + DISAVOWAL_REACH]
    end = SENTENCE_END.search(rest)
    return bool(DISAVOWALS.search(rest[: end.start()] if end else rest))
