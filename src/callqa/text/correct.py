"""Put back the domain terms the speech model confidently mishears, for the displayed transcript.

Whisper writes 逾期 as 一期/一七/于七, 还款 as 海款, 工号 as 公号, 催收 as 推售 (bench/data and
/work/shared/ASR-NOTES.md). `correct` replaces a window of a segment by a term of `TERMS` when the
window is within the term's confusion budget ('loose' mode of `callqa.text.distance`) and:
- is not itself a common word the agent may have said (一起, 预计, 做了 are never within budget;
  一期 after 第/这/每 is an instalment), written by the term's `avoid` pattern around it; and
- has the context the term needs (`context`, searched in the clause around the window), unless the
  window is a pure homophone that is no word (海款, 公号 before a number, 制纳金).
Digits the model wrote as digits are never touched (1017 is not 逾期). The raw text is the caller's
to keep: `Corrected.changes` says what changed where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from callqa.text.matcher import PhraseMatcher
from callqa.text.normalize import NormalizedText, normalize

CONTEXT_CHARS = 8  # how far around a window its context may be


@dataclass(frozen=True)
class Term:
    """A domain term to restore; `context`/`avoid` are regexes over the normalised clause around it
    (`avoid` also over the characters right before and after the window)."""

    word: str
    context: str | None = None  # required nearby, unless `homophones_free` and the window is a homophone
    avoid: str | None = None  # forbids the correction when it matches next to the window
    homophones_free: bool = False  # a same-sounding window needs no context (no such word exists)
    lookalikes: frozenset[str] = frozenset()  # real words within budget: never corrected


_OVERDUE_CONTEXT = (
    r"天|个月|年|了|已经|记录|金额|时间|状态|费|罚息|利息|欠款|借款|贷款|账单|款|还|处理|上报|征信"
)
TERMS: tuple[Term, ...] = (
    Term(
        "逾期",
        context=_OVERDUE_CONTEXT,
        avoid=r"第$|这$|每$|首$|上$|下$|前$|^数|^款的",
        lookalikes=frozenset(
            {"延期", "预计", "一起", "以期", "如期", "星期", "假期", "分期", "到期", "过期"}
        ),
    ),
    Term("还款", homophones_free=True, context=r"日|计划|金额|方式|渠道|时间|请|尽快|按时|今天|明天"),
    Term("还钱", homophones_free=True, context=r"不|要|就|你|我|了|快|什么时候"),
    Term("工号", homophones_free=True, context=r"^[零一二三四五六七八九]|^是|我的|^为"),
    Term("坐牢", context=r"要$|会$|去$|得$|就$|让你$|等着$|判$|是要$|进去"),
    Term("催收", context=r"^专员|^员|^部|^公司|^机构|^人员|^电话|^的|^中心|^外包|^催", avoid=r"^手|^下"),
    Term("征信", homophones_free=True, context=r"上报|影响|记录|报告|^上|^不|^会|^有"),
    Term("滞纳金", homophones_free=True),
    Term("通讯录", homophones_free=True),
    Term("起诉", homophones_free=True, context=r"法院|你|会|要|已经|我们|提起|^书"),
    Term("身败名裂", homophones_free=True),
    Term("冻结", context=r"^你|^您|^的|银行卡|账户|^卡|资产|财产|名下|工资"),
    Term("拘留", context=r"被$|要$|会$|行政$|刑事$|把你$|^你|^所|^十五天|警察|公安|派出所"),
    Term("犯罪嫌疑人", homophones_free=True),
)


@dataclass(frozen=True)
class Change:
    """One correction: original text [start, end) `heard` became `word`."""

    start: int
    end: int
    heard: str
    word: str


@dataclass(frozen=True)
class Corrected:
    """The corrected text and what changed (empty: `text` is the input)."""

    text: str
    changes: tuple[Change, ...]


@cache
def _matcher() -> PhraseMatcher:
    matcher = PhraseMatcher()
    for term in TERMS:
        matcher.add(term.word, "loose")
    return matcher


def correct(text: str) -> Corrected:
    """Restore the misheard domain terms of one segment's text (see the module docstring)."""
    matcher = _matcher()
    norm = normalize(text)
    changes: list[Change] = []
    taken: set[int] = set()
    for found in sorted(matcher.scan(norm), key=lambda f: (f.start, -(f.end - f.start))):
        term = TERMS[found.pid]
        if found.exact or taken.intersection(range(found.start, found.end)):
            continue
        start, end = norm.original_span(found.start, found.end)
        heard = text[start:end]
        if len(heard) != len(term.word) or any(c.isascii() for c in heard) or heard in term.lookalikes:
            continue
        if not _confident(term, norm, found.start, found.end):
            continue
        taken.update(range(found.start, found.end))
        changes.append(Change(start, end, heard, term.word))
    out = text
    for change in sorted(changes, key=lambda c: c.start, reverse=True):
        out = out[: change.start] + change.word + out[change.end :]
    return Corrected(out, tuple(sorted(changes, key=lambda c: c.start)))


def _confident(term: Term, norm: NormalizedText, start: int, end: int) -> bool:
    before, after = _clause_around(norm, start, end)
    if term.avoid and (re.search(term.avoid, before) or re.search(term.avoid, after)):
        return False
    if term.homophones_free and _homophone(term.word, norm.chars[start:end]):
        return True
    return term.context is None or bool(re.search(term.context, before) or re.search(term.context, after))


def _clause_around(norm: NormalizedText, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT_CHARS characters before and after [start, end) within its clause; `before` ends
    where the window starts (so '$' anchors at it) and `after` starts where it ends ('^')."""
    lo = max(norm.clause_start(start), start - CONTEXT_CHARS)
    hi = end
    while hi < len(norm.chars) and hi - end < CONTEXT_CHARS and hi not in norm.breaks:
        hi += 1
    return norm.chars[lo:start], norm.chars[end:hi]


@cache
def _homophone(word: str, window: str) -> bool:
    probe = PhraseMatcher()
    probe.add(word, "homophone")
    return any(f.start == 0 for f in probe.scan(normalize(window)))
