"""The condition tree of a rule: operator leaves combined with all / any / not."""

from __future__ import annotations

from dataclasses import dataclass, field

from callqa.rules.callview import CallView
from callqa.rules.operators import Operator, Result
from callqa.rules.scope import Scope


class Condition:
    """A node; results are memoised per call so `after:`/`before:` references cost nothing extra."""

    label: str | None = None

    def evaluate(self, view: CallView) -> Result:
        key = id(self)
        if key not in view.memo:
            view.memo[key] = self._evaluate(view)
        return view.memo[key]  # type: ignore[return-value]

    def _evaluate(self, view: CallView) -> Result:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(eq=False)
class Leaf(Condition):
    """One operator looked at through a scope, optionally only after/before another condition's hits;
    `until` ends what `after` opened (after the third party spoke, until the debtor took the phone)."""

    operator: Operator
    scope: Scope
    after: Condition | None = None
    before: Condition | None = None
    until: Condition | None = None
    label: str | None = None

    def _evaluate(self, view: CallView) -> Result:
        result = self.operator.find(view, self.scope)
        if not result.fired or (self.after is None and self.before is None) or not result.spans:
            return result
        spans = list(result.spans)
        for ref, keep in ((self.after, _is_after), (self.before, _is_before)):
            if ref is None:
                continue
            anchor = ref.evaluate(view)
            if not anchor.spans:
                return Result(False)
            spans = [s for s in spans if keep(s.start_s, s.end_s, anchor)]
        if self.after is not None and self.until is not None:
            anchors, ends = self.after.evaluate(view), self.until.evaluate(view)
            spans = [s for s in spans if not _ended(s.start_s, anchors, ends)]
        return Result(bool(spans), tuple(spans))

    def describe(self) -> str:
        where = self.scope.describe() if self.operator.uses_text else ""
        return self.label or " ".join(p for p in (where, self.operator.describe()) if p)


def _is_after(start_s: float, end_s: float, anchor: Result) -> bool:
    return start_s >= min(s.end_s for s in anchor.spans)


def _ended(start_s: float, anchor: Result, until: Result) -> bool:
    """Whether an `until` hit lies between the last `anchor` hit before `start_s` and `start_s`."""
    opened = max(s.end_s for s in anchor.spans if s.end_s <= start_s)
    return any(u.start_s >= opened and u.end_s <= start_s for u in until.spans)


def _is_before(start_s: float, end_s: float, anchor: Result) -> bool:
    return end_s <= max(s.start_s for s in anchor.spans)


@dataclass(eq=False)
class AllOf(Condition):
    """Holds when every child holds; evidence is all of theirs."""

    children: list[Condition] = field(default_factory=list)
    label: str | None = None

    def _evaluate(self, view: CallView) -> Result:
        results = []
        for child in self.children:
            r = child.evaluate(view)
            if not r.fired:
                return Result(False)
            results.append(r)
        return Result(True, tuple(s for r in results for s in r.spans))

    def describe(self) -> str:
        return self.label or "（" + " 且 ".join(c.describe() for c in self.children) + "）"


@dataclass(eq=False)
class AnyOf(Condition):
    """Holds when at least one child holds; evidence from every child that holds.

    With `first_only` (set under `required`, where only truth matters) it stops at the first child that holds.
    """

    children: list[Condition] = field(default_factory=list)
    label: str | None = None
    first_only: bool = False

    def _evaluate(self, view: CallView) -> Result:
        results = []
        for child in self.children:
            r = child.evaluate(view)
            if r.fired:
                results.append(r)
                if self.first_only:
                    break
        return Result(bool(results), tuple(s for r in results for s in r.spans))

    def describe(self) -> str:
        return self.label or "（" + " 或 ".join(c.describe() for c in self.children) + "）"


@dataclass(eq=False)
class NotOf(Condition):
    """Holds when the child does not; carries no evidence of its own."""

    child: Condition
    label: str | None = None

    def _evaluate(self, view: CallView) -> Result:
        return Result(not self.child.evaluate(view).fired)

    def describe(self) -> str:
        return self.label or f"非（{self.child.describe()}）"
