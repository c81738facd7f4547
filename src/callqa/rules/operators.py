"""Rule operators, one small class each, in one registry (`OPERATORS`), keyed by their YAML name.

A text operator registers its phrases with the pack's shared `PhraseMatcher` when the pack is
loaded and, per call, reads occurrences through a `Scope` (role, window, negation are applied there).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from itertools import pairwise
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callqa.rules.answerer import sentence_around
from callqa.rules.callview import CallView
from callqa.rules.learned.scoring import CORROBORATE, corroborated
from callqa.rules.model import Span
from callqa.rules.negation import (
    DISAVOWAL_REACH,
    DISAVOWALS,
    NEGATORS,
    REPORTED,
    SENTENCE_END,
    SHORT_NEGATORS,
    denies,
    lawful_up_to,
    reported_before,
)
from callqa.rules.scope import Scope, continues_excused, disavowed_next
from callqa.text.matcher import Found, FuzzyMode, PhraseMatcher
from callqa.text.normalize import normalize_phrase
from callqa.text.syllables import char_readings


@dataclass(frozen=True, slots=True)
class Result:
    """Whether a condition holds, and the evidence."""

    fired: bool
    spans: tuple[Span, ...] = ()


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Operator(ABC):
    """Base of all operators; `Params` validates the YAML value under the operator's name."""

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    uses_text: ClassVar[bool] = True  # False: looks at call metadata; role/window/fuzzy do not apply

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        """Shorthand accepted in YAML before validation (e.g. a bare list)."""
        return raw

    @classmethod
    @abstractmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Operator:
        """Compile validated params."""

    @abstractmethod
    def find(self, view: CallView, scope: Scope) -> Result:
        """Evaluate on one call."""

    @abstractmethod
    def describe(self) -> str:
        """Short human-readable summary for explanations."""


OPERATORS: dict[str, type[Operator]] = {}


def register(cls: type[Operator]) -> type[Operator]:
    OPERATORS[cls.name] = cls
    return cls


def _phrase_span(view: CallView, seg: int, f: Found, word: str, label: str) -> Span:
    matched = view.text(seg).chars[f.start : f.end]
    how = "" if f.exact else f'（拼音匹配"{matched}"）'
    return view.span(seg, f.start, f.end, f'{label}"{word}"{how}', exact=f.exact)


def _excluded(view: CallView, seg: int, exclude: re.Pattern[str] | None, start: int, end: int) -> bool:
    """Whether normalised [start, end) of segment `seg` overlaps a match of `exclude`, which is run over
    the segment's normalised text with '，' at clause breaks (as a `regex` pattern is)."""
    if exclude is None:
        return False
    marked, index = view.marked(seg)
    return any(
        index[m.start()] < end and start < index[m.end() - 1] + 1
        for m in exclude.finditer(marked)
        if m.start() < m.end()
    )


def _words(raw: list[str]) -> list[str]:
    for w in raw:
        if not normalize_phrase(w):
            raise ValueError(f"phrase {w!r} has no letters or characters")
    return raw


@register
class Keyword(Operator):
    """Any / all / none of a list of phrases occur in scope, minus occurrences overlapping a match of the
    `exclude` regex (over normalised text, as `regex`'s)."""

    name = "keyword"

    class Params(Params):
        any: list[str] | None = Field(None, min_length=1)
        all: list[str] | None = Field(None, min_length=1)
        none: list[str] | None = Field(None, min_length=1)
        exclude: str | None = None

        @field_validator("exclude")
        @classmethod
        def compiles(cls, v: str | None) -> str | None:
            return _compiles(v)

        @model_validator(mode="after")
        def one_list(self) -> Keyword.Params:
            given = [k for k in ("any", "all", "none") if getattr(self, k) is not None]
            if len(given) != 1:
                raise ValueError("give exactly one of any / all / none")
            _words(getattr(self, given[0]))
            return self

    def __init__(self, how: str, words: list[tuple[str, int]], exclude: str | None = None):
        self.how, self.words = how, words
        self.by_pid = {pid: w for w, pid in words}
        self.exclude = re.compile(exclude) if exclude else None

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        return {"any": raw} if isinstance(raw, list | str) else raw

    @classmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Keyword:
        how = next(k for k in ("any", "all", "none") if getattr(params, k) is not None)
        return cls(how, [(w, matcher.add(w, fuzzy)) for w in getattr(params, how)], params.exclude)

    def find(self, view: CallView, scope: Scope) -> Result:
        words = self.by_pid
        per_word: dict[int, list[Span]] = {}
        for seg, f in scope.occurrences(view, words):
            if _excluded(view, seg, self.exclude, f.start, f.end):
                continue
            per_word.setdefault(f.pid, []).append(_phrase_span(view, seg, f, words[f.pid], "关键词"))
        spans = tuple(s for group in per_word.values() for s in group)
        if self.how == "any":
            return Result(bool(spans), spans)
        if self.how == "all":
            ok = len(per_word) == len(words)
            return Result(ok, spans if ok else ())
        return Result(not spans)

    def describe(self) -> str:
        how = {"any": "任一", "all": "全部", "none": "均无"}[self.how]
        return f"关键词{how}[{'/'.join(w for w, _ in self.words)}]"


def _compiles(pattern: str | None) -> str | None:
    """`pattern` unchanged if it is a valid regular expression (a pack's error otherwise)."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return pattern


@register
class Regex(Operator):
    """A regular expression over normalised text, minus matches overlapping an `exclude` match.

    The text is Simplified, digits are Chinese (1023 -> 一零二三), and every run of punctuation or
    space is one '，' so patterns can use '，' or '$' for a clause end.
    """

    name = "regex"

    class Params(Params):
        pattern: str
        exclude: str | None = None

        @field_validator("pattern", "exclude")
        @classmethod
        def compiles(cls, v: str | None) -> str | None:
            return _compiles(v)

    def __init__(self, pattern: str, exclude: str | None):
        self.pattern, self.exclude = re.compile(pattern), re.compile(exclude) if exclude else None

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        return {"pattern": raw} if isinstance(raw, str) else raw

    @classmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Regex:
        return cls(params.pattern, params.exclude)

    def find(self, view: CallView, scope: Scope) -> Result:
        spans = []
        for seg in scope.segments(view):
            marked, index = view.marked(seg)
            for m in self.pattern.finditer(marked):
                a, b = m.span()
                if a == b:
                    continue
                start, end = index[a], index[b - 1] + 1
                if (
                    start < end
                    and scope.keeps(view, seg, start)
                    and not _excluded(view, seg, self.exclude, start, end)
                ):
                    spans.append(view.span(seg, start, end, f'正则"{self.pattern.pattern}"匹配"{m.group()}"'))
        return Result(bool(spans), tuple(spans))

    def describe(self) -> str:
        return f"正则[{self.pattern.pattern}]"


@register
class Near(Operator):
    """A phrase of list `a` within `within` characters of one of list `b` (in that order if `ordered`) in
    the same sentence, minus pairs overlapping a match of the `exclude` regex (over normalised text, as
    `regex`'s)."""

    name = "near"

    class Params(Params):
        a: list[str] = Field(min_length=1)
        b: list[str] = Field(min_length=1)
        within: int = Field(10, ge=0)
        ordered: bool = False
        a_fuzzy: FuzzyMode | None = None  # overrides the condition's fuzzy for one side
        b_fuzzy: FuzzyMode | None = None
        exclude: str | None = None

        @field_validator("a", "b")
        @classmethod
        def words(cls, v: list[str]) -> list[str]:
            return _words(v)

        @field_validator("exclude")
        @classmethod
        def compiles(cls, v: str | None) -> str | None:
            return _compiles(v)

    def __init__(
        self,
        a: list[tuple[str, int]],
        b: list[tuple[str, int]],
        within: int,
        ordered: bool,
        exclude: str | None = None,
    ):
        self.a, self.b = {pid: w for w, pid in a}, {pid: w for w, pid in b}
        self.within, self.ordered = within, ordered
        self.exclude = re.compile(exclude) if exclude else None

    @classmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Near:
        a = [(w, matcher.add(w, params.a_fuzzy or fuzzy)) for w in params.a]
        b = [(w, matcher.add(w, params.b_fuzzy or fuzzy)) for w in params.b]
        return cls(a, b, params.within, params.ordered, params.exclude)

    def find(self, view: CallView, scope: Scope) -> Result:
        spans: dict[tuple[int, int, int], Span] = {}
        for seg, lefts in _by_segment(scope.occurrences(view, self.a, check=False), self.a).items():
            rights = _by_segment(scope.occurrences(view, self.b, check=False, only=seg), self.b).get(seg, [])
            for (wa, fa), (wb, fb) in ((x, y) for x in lefts for y in rights):
                gap = max(fa.start, fb.start) - min(fa.end, fb.end)
                if gap > self.within or (self.ordered and fa.start >= fb.start) or fa.start == fb.start:
                    continue
                start, end = min(fa.start, fb.start), max(fa.end, fb.end)
                if (seg, start, end) in spans or not all(scope.keeps(view, seg, f.start) for f in (fa, fb)):
                    continue
                text = view.text(seg)
                if SENTENCE_END.search(text.original[slice(*text.original_span(start, end))]):
                    continue  # not across sentences: 「我们是受银行委托的催收公司。法院的传票不会…」
                if _excluded(view, seg, self.exclude, start, end):
                    continue
                chars = text.chars
                how = "".join(f'（拼音匹配"{chars[f.start : f.end]}"）' for f in (fa, fb) if not f.exact)
                expl = f'"{wa}"与"{wb}"相距{max(gap, 0)}字以内{how}'
                spans[(seg, start, end)] = view.span(seg, start, end, expl, exact=fa.exact and fb.exact)
        return Result(bool(spans), tuple(spans.values()))

    def describe(self) -> str:
        return f"[{'/'.join(self.a.values())}]附近{self.within}字内[{'/'.join(self.b.values())}]"


def _by_segment(
    occurrences: list[tuple[int, Found]], words: dict[int, str]
) -> dict[int, list[tuple[str, Found]]]:
    out: dict[int, list[tuple[str, Found]]] = {}
    for seg, f in occurrences:
        out.setdefault(seg, []).append((words[f.pid], f))
    return out


def _bigrams(chars: str) -> frozenset[tuple[str, str]]:
    syl = [char_readings(c)[0] for c in chars]
    return frozenset(pairwise(syl)) if len(syl) > 1 else frozenset((s, "") for s in syl)


@register
class Similar(Operator):
    """A clause whose pinyin-bigram Dice similarity to one of `examples` reaches `threshold`."""

    name = "similar"

    class Params(Params):
        examples: list[str] = Field(min_length=1)
        threshold: float = Field(0.6, gt=0, le=1)

    def __init__(self, examples: list[str], threshold: float):
        self.examples = [(e, normalize_phrase(e)) for e in examples]
        self.grams = [_bigrams(n) for _, n in self.examples]
        self.threshold = threshold

    @classmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Similar:
        return cls(params.examples, params.threshold)

    def find(self, view: CallView, scope: Scope) -> Result:
        spans = []
        for seg in scope.segments(view):
            text = view.text(seg)
            cuts = sorted({0, len(text.chars), *text.breaks})
            for a, b in pairwise(cuts):
                grams = _bigrams(text.chars[a:b])
                for (example, plain), eg in zip(self.examples, self.grams, strict=True):
                    score = 2 * len(grams & eg) / (len(grams) + len(eg))
                    if score < self.threshold or not scope.keeps(view, seg, a):
                        continue
                    if not scope.allow_negated and _adds_negation(text.chars[a:b], plain):
                        continue
                    spans.append(view.span(seg, a, b, f'与例句"{example}"相似度{score:.2f}'))
                    break
        return Result(bool(spans), tuple(spans))

    def describe(self) -> str:
        return f"相似于[{' / '.join(e for e, _ in self.examples)}]"


# The fewest Chinese characters a model hit in speech of no known speaker ('unknown') must span. On the
# development sets' audio (devset18-32) this drops 5 of the 11 model hits on such speech that were no
# violation of the call, and 2 of its 10 true ones, both in calls other hits caught.
UNSURE_MIN_CHARS = 12
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LIST_HEAD = re.compile(r"^[^，,。！？!?；;]{0,8}(?:或者|或是|以及)[^，,。！？!?；;]{0,2}")


@register
class Learned(Operator):
    """A sentence in scope that the text model (trained on the example bank of `bank`) scores at or
    above the bank's calibrated threshold (or `threshold`); the nearest bank example explains it."""

    name = "learned"

    class Params(Params):
        bank: str
        threshold: float | None = Field(None, gt=0, lt=1)
        # The rule's own sentences, added to the bank's when `callqa learn` trains (weighted like
        # reviewers' verdicts); a model trained before they were written does not know them yet.
        examples: list[str] = Field(default_factory=list)
        counter_examples: list[str] = Field(default_factory=list)
        # a sentence (as the speech model wrote it) matching this regex never fires
        exclude: str | None = None

        @field_validator("examples", "counter_examples")
        @classmethod
        def sentences(cls, v: list[str]) -> list[str]:
            return _words(v)

        @field_validator("exclude")
        @classmethod
        def compiles(cls, v: str | None) -> str | None:
            return _compiles(v)

        @field_validator("bank")
        @classmethod
        def known(cls, v: str) -> str:
            from callqa.rules.learned.banks import bank_categories

            if v not in bank_categories():
                raise ValueError(f"no example bank '{v}' (banks: {', '.join(bank_categories())})")
            return v

    def __init__(
        self,
        bank: str,
        threshold: float | None,
        examples: Sequence[str] = (),
        counter_examples: Sequence[str] = (),
        exclude: str | None = None,
    ):
        self.bank, self.threshold = bank, threshold
        self.examples, self.counter_examples = tuple(examples), tuple(counter_examples)
        self.exclude = re.compile(exclude) if exclude else None

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        return {"bank": raw} if isinstance(raw, str) else raw

    @classmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Learned:
        return cls(params.bank, params.threshold, params.examples, params.counter_examples, params.exclude)

    def find(self, view: CallView, scope: Scope) -> Result:
        scorer = view.scorer
        detector = scorer.detector
        if self.bank not in detector.categories:
            return Result(False)  # a workspace model trained without this bank
        j = detector.index(self.bank)
        limit = self.threshold if self.threshold is not None else float(detector.thresholds[j])
        spans = []
        read = [
            s
            for s in scorer.units(scope.segments(view))
            if s.vector is not None and not (s.customer and scope.role == "agent")
        ]
        likely = [
            s for s in read if not s.clause and float(s.probs[j]) >= CORROBORATE * limit
        ]  # all that may back a near miss
        whole_hits: list[tuple[int, int, int]] = []  # (segment, start, end) of the sentences that fired
        for scored in read:
            p, u, vector = float(scored.probs[j]), scored.unit, scored.vector
            start_s = view.time_at(u.segment, u.start)
            said = view.segments[u.segment].text
            # reporting someone's words, in the unit or its sentence before it (投诉记录…他说…; 有人…说自己
            # 是公安局的; 记录上写的是，…，还说不还钱就让她全家都知道)
            if REPORTED.search(u.text) or reported_before(said, u.start):
                continue
            if _disavowed_after(said, u.end):  # 有人…让您转钱到个人卡上，您千万别信
                continue
            if scored.clause:  # surer, not inside a hit
                if not scored.clause_stands(j, limit):
                    continue
                if any(seg == u.segment and a < u.end and u.start < b for seg, a, b in whole_hits):
                    continue
            if lawful_up_to(said, u.end):  # 得由公安机关判断, 只有判决后…才会…
                continue
            # the sentence cut off: disavowed in the next segment, or begun as a report or a lawful
            # statement in the one before
            # (a list the cut fell inside is read on past its 或者: 「我们从来不会让客户往个人支付宝，」
            # 「微信或者个人银行卡里转钱」)
            head = _LIST_HEAD.match(u.text)
            read_from = u.start + head.end() if head else u.start
            if disavowed_next(view, u.segment, u.start) or continues_excused(view, u.segment, read_from):
                continue
            # a rule's exclusion reads the unit's whole sentence too: a piece cut at commas can leave out
            # the clause that makes the sentence advice (…对公账户，备注您的名字就行，别转给个人)
            if self.exclude and (
                self.exclude.search(u.text)
                or self.exclude.search(sentence_around(view.segments[u.segment].text, u.start, u.end))
            ):
                continue
            # speech neither voice was given to (a mono call not told apart) may be the customer's: a
            # short piece of it says too little to be the agent's
            if view.segments[u.segment].speaker == "unknown" and len(_HAN.findall(u.text)) < UNSURE_MIN_CHARS:
                continue
            backing = corroborated(scored, likely, j, limit) if p < limit and not scored.clause else None
            windowed = backing is None and scored.window_fires(j, limit)  # a violation cut in two
            if vector is None or (p < limit and not (backing or windowed)) or not scored.in_context(j, limit):
                continue
            if scored.overshadowed(j, limit, detector.thresholds):
                continue
            if not scored.clause:
                whole_hits.append((u.segment, u.start, u.end))
            if scope.first_seconds is not None and start_s >= scope.first_seconds:
                continue
            example, similarity = detector.nearest(self.bank, vector)
            if denies(u.text, example):  # 我们不会把您的欠款告诉紧急联系人 (negation.DENIALS)
                continue
            seg = view.segments[u.segment]
            expl = f"模型判定违规（概率{p:.2f}）：与例句「{example}」相似，{similarity:.2f}"
            if backing is not None:  # a near miss backed by another sentence of the call
                at = view.time_at(backing.unit.segment, backing.unit.start)
                expl += (
                    f"；略低于阈值{limit:.2f}，但{at:.0f}秒处另一句同类（概率{float(backing.probs[j]):.2f}）"
                )
            elif windowed and scored.context is not None:
                expl += f"；略低于阈值{limit:.2f}，连同同一轮的前后句读作{float(scored.context[j]):.2f}"
            end_s = view.time_at(u.segment, u.end)
            spans.append(Span(u.segment, u.start, u.end, seg.speaker, start_s, end_s, u.text, expl, p))
        return Result(bool(spans), tuple(spans))

    def describe(self) -> str:
        return f"模型[{self.bank}]"


def _disavowed_after(text: str, end: int) -> bool:
    """Whether the rest of the sentence after `end` disavows what came before (negation.DISAVOWALS)."""
    rest = text[end : end + DISAVOWAL_REACH]
    stop = SENTENCE_END.search(rest)
    return bool(DISAVOWALS.search(rest[: stop.start()] if stop else rest))


def _adds_negation(clause: str, example: str) -> bool:
    return any(n in clause and n not in example for n in (*NEGATORS, *SHORT_NEGATORS))


class _Meta(Operator):
    uses_text = False

    @classmethod
    def build(cls, params: Any, fuzzy: FuzzyMode, matcher: PhraseMatcher) -> Operator:
        return cls(params)  # type: ignore[call-arg]

    def __init__(self, params: Any):
        self.params = params


@register
class OffHours(_Meta):
    """The call started outside [start, end) in its own local time (the offset of `started_at`)."""

    name = "off_hours"

    class Params(Params):
        start: time = time(8, 0)
        end: time = time(22, 0)

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        return {} if raw is True or raw is None else raw

    def find(self, view: CallView, scope: Scope) -> Result:
        started = view.call.started_at
        if started is None:
            return Result(False)
        t, p = started.time(), self.params
        inside = p.start <= t < p.end if p.start <= p.end else (t >= p.start or t < p.end)
        if inside:
            return Result(False)
        expl = f"通话开始于当地时间{started:%H:%M}（允许时段{p.start:%H:%M}–{p.end:%H:%M}）"
        return Result(True, (view.window("call", 0.0, None, expl),))

    def describe(self) -> str:
        return f"{self.params.start:%H:%M}–{self.params.end:%H:%M}以外"


@register
class Frequency(_Meta):
    """More than `max_per_day` calls to the same number in one local day (count from CallContext)."""

    name = "frequency"

    class Params(Params):
        max_per_day: int = Field(6, ge=1)

    @classmethod
    def coerce(cls, raw: Any) -> Any:
        return {} if raw is True or raw is None else raw

    def find(self, view: CallView, scope: Scope) -> Result:
        n, limit = view.context.same_number_calls_that_day, self.params.max_per_day
        if n <= limit:
            return Result(False)
        expl = f"同一号码当天第{n}次来电（上限{limit}次）"
        return Result(True, (view.window("call", 0.0, None, expl),))

    def describe(self) -> str:
        return f"同号码每日超过{self.params.max_per_day}次"
