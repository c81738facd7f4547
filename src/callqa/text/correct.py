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
        # 还一期/最后一期 are instalments; 金额七千 and 等于起诉 were corrected on written text
        avoid=r"第$|第十$|这$|每$|首$|上$|下$|前$|还$|最后$|处理$|差$|金$|额$|等$|申请$|^数|^款的|^诉",
        lookalikes=frozenset(
            {"延期", "预计", "一起", "以期", "如期", "星期", "假期", "分期", "到期", "过期"}
        ),
    ),
    Term(
        "还款",
        homophones_free=True,
        context=r"日|计划|金额|方式|渠道|时间|请|尽快|按时|今天|明天",
        lookalikes=frozenset({"还可"}),
    ),
    Term(
        "还钱",
        homophones_free=True,
        context=r"不|要|就|你|我|了|快|什么时候",
        avoid=r"^生",  # a surname before 先生 (请问皇先生)
        lookalikes=frozenset({"还欠", "环节", "黄先", "来前", "环球", "环情"}),
    ),
    Term("工号", homophones_free=True, context=r"^[零一二三四五六七八九]|^是|我的|^为", avoid=r"成$"),
    Term("坐牢", context=r"要$|会$|去$|得$|就$|让你$|等着$|判$|是要$|进去", lookalikes=frozenset({"做那"})),
    Term("催收", context=r"^专员|^员|^部|^公司|^机构|^人员|^电话|^的|^中心|^外包|^催", avoid=r"^手|^下"),
    Term("征信", homophones_free=True, context=r"上报|影响|记录|报告|^上|^不|^会|^有"),
    Term("滞纳金", homophones_free=True),
    Term("通讯录", homophones_free=True),
    Term(
        "起诉",
        homophones_free=True,
        context=r"法院|你|会|要|已经|我们|提起|^书",
        avoid=r"^讼|一$",  # 申请诉讼, 一起说
        lookalikes=frozenset({"期属"}),  # 逾期属于
    ),
    Term("身败名裂", homophones_free=True),
    Term(
        "冻结",
        homophones_free=True,
        avoid=r"自$|劳$|^清|^算|^束|^果|^察",
        context=r"^你|^您|^的|银行卡|账户|^卡|资产|财产|名下|工资",
        # the mediator's title heard near the agency's name (德沛资产管理的调节专员)
        lookalikes=frozenset({"调节", "调解", "团结", "总结", "终结"}),
    ),
    Term("拘留", context=r"被$|要$|会$|行政$|刑事$|把你$|^你|^所|^十五天|警察|公安|派出所"),
    Term("犯罪嫌疑人", homophones_free=True),
    # measured on the development sets' transcripts (build/asr-devset4,6-9): every heard 千款/倩款/渐款/
    # 线款/限款/见款/现款/宪款… was 欠款, every 系用卡/行用卡/星用卡/心用卡 信用卡, 众才/种才/中才 仲裁,
    # 施信 (before 被执行人/名单) 失信, 绿索/令所 律所, 动结 冻结 (above); 借款, 付款, 理所(当然) are words
    # of their own
    Term(
        "欠款",
        context=r"^的|^情况|^金额|^总额|^记录|^信息|^未还|^还|^了|^一直|你$|你的$|这笔$|笔$|有$|的$|^[零一二三四五六七八九十百千万两0-9]",
        # ...and 界款/戒款/届款/建款 were 借款, heard no nearer 欠款 than it
        lookalikes=frozenset(
            {"借款", "付款", "贷款", "存款", "汇款", "罚款", "捐款", "还款", "放款", "钱款"}
            | {"界款", "戒款", "届款", "建款", "接款", "节款", "街款", "解款", "姐款"}
        ),
    ),
    Term(
        "信用卡",
        homophones_free=True,
        context=r"^的|^还|^欠|^逾期|^已经|^账单|^套现|^刷|^中心|^额度|的$|张$|你$",
    ),
    Term("仲裁", context=r"^委|^庭|^院|^机构|^员|^申请|^裁决|申请$|提起$|^案"),
    Term("失信", context=r"^被执行人|^名单|^人员|^黑名单"),
    # 人事不 (人事不省 and 人事不知 are idioms), 金针 (a word: only where a case is handed over)
    Term("人事部", context=r"你们$|他们$|^电话|^打|^的|^领导|^经理|^那边|给$|找$", avoid=r"^省|^知|个$"),
    Term(
        "经侦",
        context=r"移交$|交给$|转给$|转到$|^大队|^支队|^介入|^立案|^部门",
        lookalikes=frozenset({"荆州", "精准", "京城", "经证"}),
    ),
    # 不涉及 heard as its homophone 不设计 (no design is discussed in a collection call), or near (不适即)
    # before what is not involved
    Term(
        "不涉及", homophones_free=True, context=r"^[^，,]{0,3}(?:坐牢|做牢|抓|拘|刑|犯罪|违法|诈骗|问题|案件)"
    ),
    # 不履行 heard as 步旅行 / 不理行 after a judgment or 拒
    Term("不履行", context=r"[拒据具]$|判决|裁定|生效|仍$|还$|^的|^判决"),
    # 那都是片子 (a film) after a warning about callers who ask for a transfer
    Term(
        "骗子",
        context=r"是$|是个$|遇到$",
        lookalikes=frozenset({"面子", "辫子", "扁子", "鞭子", "边子", "篇子"}),
    ),
    Term("律所", context=r"^的|^律师|^那边|^这边|^发|^委托|我们$|是$|的$", lookalikes=frozenset({"理所"})),
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
    # '^' anchors at the window's end only: 「您打报案回支流好」 (回执留好) has no 你 after its window
    before = _NO_START + before
    if term.avoid and (re.search(term.avoid, before) or re.search(term.avoid, after)):
        return False
    if term.homophones_free and _homophone(term.word, norm.chars[start:end]):
        return True
    return term.context is None or bool(re.search(term.context, before) or re.search(term.context, after))


_NO_START = "\x00"  # put before `before`, so that a pattern's '^' cannot match there


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
