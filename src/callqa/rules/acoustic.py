"""Rule operators on how a call sounds (`silence`, `overtalk`, `speech_rate`, `loudness`), read from
the acoustics measured when the call was processed (`CallContext.acoustics`,
`callqa.audio.acoustics`). A call without them (processed before, or mono for the per-role
measures) never fires. Registered in `callqa.rules.operators.OPERATORS` on import (the loader does).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from callqa.audio.acoustics import LOUD_DB, Acoustics
from callqa.rules.callview import CallView
from callqa.rules.model import Span
from callqa.rules.operators import Params as OperatorParams
from callqa.rules.operators import Result, _Meta, register
from callqa.rules.scope import Scope
from callqa.transcript import clock

ROLE_NAMES = {"agent": "坐席", "customer": "客户"}
MAX_SPANS = 5  # markers per hit kind: the longest stretches, not every one


def _longest(stretches: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    """The MAX_SPANS longest stretches, in time order: one marker each."""
    return sorted(sorted(stretches, key=lambda r: r[0] - r[1])[:MAX_SPANS])


def _acoustics(view: CallView) -> Acoustics | None:
    return view.context.acoustics


def _at(start_s: float, end_s: float) -> str:
    return f"{clock(start_s)}–{clock(end_s)}"


@register
class Silence(_Meta):
    """Dead air: the longest silence over `longest_s`, or all silence together over `total_s`."""

    name = "silence"

    class Params(OperatorParams):
        longest_s: float | None = Field(None, gt=0)
        total_s: float | None = Field(None, gt=0)

        @model_validator(mode="after")
        def one_limit(self) -> Silence.Params:
            if self.longest_s is None and self.total_s is None:
                raise ValueError("give longest_s or total_s")
            return self

    def find(self, view: CallView, scope: Scope) -> Result:
        a, p = _acoustics(view), self.params
        if a is None:
            return Result(False)
        spans: list[Span] = []
        if p.longest_s is not None and a.longest_silence_s > p.longest_s and a.longest_silence_at:
            start, end = a.longest_silence_at
            expl = f"最长静音 {a.longest_silence_s:.0f} 秒（{_at(start, end)}，上限 {p.longest_s:g} 秒）"
            spans.append(view.window("call", start, end, expl))
        if p.total_s is not None and a.silence_s > p.total_s:
            start, end = a.longest_silence_at or (0.0, 0.0)
            expl = f"静音共 {a.silence_s:.0f} 秒（上限 {p.total_s:g} 秒），最长一段 {_at(start, end)}"
            spans.append(view.window("call", start, end, expl))
        return Result(bool(spans), tuple(spans))

    def describe(self) -> str:
        p = self.params
        parts = [
            f"最长静音超过{p.longest_s:g}秒" if p.longest_s else "",
            f"静音共超过{p.total_s:g}秒" if p.total_s else "",
        ]
        return "或".join(x for x in parts if x)


@register
class Overtalk(_Meta):
    """Talking over the customer (stereo calls): both speaking at once for `seconds` or more in all, or
    the agent cutting the customer off `interruptions` times or more (抢话)."""

    name = "overtalk"

    class Params(OperatorParams):
        seconds: float | None = Field(None, gt=0)
        interruptions: int | None = Field(None, ge=1)

        @model_validator(mode="after")
        def one_limit(self) -> Overtalk.Params:
            if self.seconds is None and self.interruptions is None:
                raise ValueError("give seconds or interruptions")
            return self

    def find(self, view: CallView, scope: Scope) -> Result:
        a, p = _acoustics(view), self.params
        if a is None or a.overtalk_s is None or a.agent_interruptions is None:
            return Result(False)
        spans: list[Span] = []
        if p.interruptions is not None and a.agent_interruptions >= p.interruptions:
            head = f"坐席打断客户共 {a.agent_interruptions} 次（{p.interruptions} 次起提示）"
            spans.extend(
                view.window("agent", t, t + 1.0, f"{head}：{clock(t)} 客户话未说完坐席开口")
                for t in a.interruptions_at[:MAX_SPANS]
            )
        if p.seconds is not None and a.overtalk_s >= p.seconds:
            head = f"双方同时说话共 {a.overtalk_s:.0f} 秒（{p.seconds:g} 秒起提示）"
            spans.extend(
                view.window("call", s, e, f"{head}：{_at(s, e)}") for s, e in _longest(a.overtalk_at)
            )
        return Result(bool(spans), tuple(spans))

    def describe(self) -> str:
        p = self.params
        parts = [
            f"打断客户{p.interruptions}次及以上" if p.interruptions else "",
            f"同时说话{p.seconds:g}秒及以上" if p.seconds else "",
        ]
        return "或".join(x for x in parts if x)


@register
class SpeechRate(_Meta):
    """A role's speech rate, in characters a minute of its own speaking time, above `above` or below
    `below` (stereo calls with enough of that role's speech)."""

    name = "speech_rate"

    class Params(OperatorParams):
        role: Literal["agent", "customer"] = "agent"
        above: float | None = Field(None, gt=0)
        below: float | None = Field(None, gt=0)

        @model_validator(mode="after")
        def one_limit(self) -> SpeechRate.Params:
            if (self.above is None) == (self.below is None):
                raise ValueError("give exactly one of above / below")
            return self

    def find(self, view: CallView, scope: Scope) -> Result:
        a, p = _acoustics(view), self.params
        rate = (
            None if a is None else (a.agent_chars_per_min if p.role == "agent" else a.customer_chars_per_min)
        )
        if rate is None:
            return Result(False)
        if p.above is not None and rate > p.above:
            limit = f"上限 {p.above:g}"
        elif p.below is not None and rate < p.below:
            limit = f"下限 {p.below:g}"
        else:
            return Result(False)
        expl = f"{ROLE_NAMES[p.role]}语速 {rate:.0f} 字/分钟（{limit}），按整通电话计"
        return Result(True, (view.window(p.role, 0.0, None, expl),))

    def describe(self) -> str:
        p = self.params
        how = f"高于{p.above:g}" if p.above is not None else f"低于{p.below:g}"
        return f"{ROLE_NAMES[p.role]}语速{how}字/分钟"


@register
class Loudness(_Meta):
    """The agent shouting: `seconds` or more in all at LOUD_DB above the agent's own median speech level
    (stereo calls; the dB margin is fixed when the call is processed)."""

    name = "loudness"

    class Params(OperatorParams):
        seconds: float = Field(gt=0)

    def find(self, view: CallView, scope: Scope) -> Result:
        a, p = _acoustics(view), self.params
        if a is None or a.agent_loud_s is None or a.agent_loud_s < p.seconds:
            return Result(False)
        head = f"坐席音量高于自身常态 {LOUD_DB:g} dB 以上共 {a.agent_loud_s:.1f} 秒（{p.seconds:g} 秒起提示）"
        spans = tuple(view.window("agent", s, e, f"{head}：{_at(s, e)}") for s, e in _longest(a.loud_at))
        spans = spans or (view.window("agent", 0.0, None, head),)
        return Result(True, spans)

    def describe(self) -> str:
        return f"坐席高声{self.params.seconds:g}秒及以上"
