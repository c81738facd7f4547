"""The customer's promise to pay (承诺还款) in a call's transcript: the day and the sum.

Only the customer promises. The agent's words count when the customer takes them up: a proposal
(「您下周五前先还三千行吗」) answered 「行，就下周五」 is a promise of 3,000 by next Friday, and a
question (「什么时候能还？」, 「能还多少？」) gives a bare answer (「下周一。」, 「三千。」) its meaning.
A promise needs a day: 「我尽快」 and 「有钱了就还」 are none, nor is a refusal (「我还不了」) or a hedge
(「下周看看吧，不一定」). When a call holds several promises, the last one stands (a negotiation ends
on its agreement); within one sentence the first day of a committing clause (下周五先还三千，剩下的
月底还: next Friday, 3,000).

The sum is what the customer said, else what the proposal they accepted said. A promise to pay it
all (全部, 还清), or with no sum at all, is for the balance the agent stated (欠款, 金额…); 一半 is
half of it; 一部分 and 一点 are no sum. No balance stated: no sum (`amount_yuan` null), and any payment
by the day keeps the promise.

Mono speech (`unknown`) has no roles: a sentence is the agent's when it has the agent's words
(您, 工号, 请问…), else the customer's. An agent's recap without them then reads as the customer
restating the promise, which changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from callqa.ptp.dates import _N, DateMention, find_dates
from callqa.ptp.stance import (
    ASKS_AMOUNT,
    ASKS_WHEN,
    BALANCE,
    HALF,
    MINIMUM,
    PART,
    WHOLE,
    Sentence,
    read_turn,
)
from callqa.transcript import Segment

FRESH_TURNS = 4  # a half-made promise (a sum without a day, a day without a sum) waits this many turns


@dataclass(frozen=True)
class Promise:
    """A customer's promise: pay `amount_yuan` (None: unknown) by `day`."""

    day: date
    amount_yuan: float | None
    text: str  # the sentences it was made of, in order
    start_s: float
    speaker: str  # the speaker label of the customer's sentence (customer, or unknown on mono)


@dataclass(frozen=True)
class Money:
    """What a sentence says about the sum: a value, or all / half / part of the balance, or nothing."""

    kind: str  # value | whole | half | part | minimum | unsaid
    value: float | None = None

    def resolve(self, balance: float | None, minimum: float | None = None) -> float | None:
        if self.kind == "value":
            return self.value
        if self.kind == "minimum":
            return minimum
        if balance is None or self.kind == "part":
            return None
        return balance / 2 if self.kind == "half" else balance


UNSAID = Money("unsaid")


def money_of(sentence: Sentence, skip_balance: bool = False) -> Money:
    """The sum a sentence names; with `skip_balance`, not in a clause that states the balance
    (「欠款七千，这周能还一部分吗」 proposes part of it, not 7,000)."""
    clauses = [
        c
        for c in sentence.live
        if not (skip_balance and (BALANCE.search(c.text) or MINIMUM.search(c.text)) and c.amounts)
    ]
    allowed = {id(c) for c in clauses}
    for amount in sentence.amounts():
        if any(id(c) in allowed and c.offset <= amount.start < c.offset + len(c.text) for c in clauses):
            return Money("value", amount.value)
    text = "".join(c.text for c in clauses)
    for kind, pattern in (("minimum", MINIMUM), ("half", HALF), ("part", PART), ("whole", WHOLE)):
        if pattern.search(text):
            return Money(kind)
    return UNSAID


@dataclass
class _Draft:
    """A day and/or a sum on the table, with the sentences that put it there."""

    day: date | None
    money: Money
    turn: int
    sentences: list[Sentence] = field(default_factory=list)
    role: str = "customer"
    asks: bool = False  # proposed as a question (an agent's proposal the customer may accept)


@dataclass
class _Talk:
    """What the conversation has settled so far."""

    balance: float | None = None
    minimum: float | None = None  # the minimum payment the agent stated (最低还款额)
    offer: _Draft | None = None  # a day proposed (by the agent, or floated by the customer)
    pending: _Draft | None = None  # the customer committed to a sum, no day yet
    promise: _Draft | None = None
    asked_when: int = -9  # turn of the agent's last "when?"
    asked_amount: int = -9  # turn of the agent's last "how much?"
    turn: int = 0
    last_role: str = ""

    def fresh(self, draft: _Draft | None, turns: int = FRESH_TURNS) -> bool:
        return draft is not None and self.turn - draft.turn <= turns

    def promise_now(self, day: date, money: Money, sentences: list[Sentence]) -> None:
        self.promise = _Draft(day, money, self.turn, sentences)
        self.offer = self.pending = None

    def figures(self, s: Sentence) -> None:
        """The balance and the minimum payment stated (by the agent, or the customer: 我不是欠四千吗)."""
        for clause in s.clauses:
            if not clause.amounts:
                continue
            if MINIMUM.search(clause.text):
                self.minimum = clause.amounts[0].value
            elif BALANCE.search(clause.text) and (s.role == "agent" or "欠" in clause.text):
                self.balance = clause.amounts[0].value

    def agent(self, s: Sentence) -> None:
        self.figures(s)
        talking = any(c.commits for c in s.clauses) or (self.offer and self.offer.role == "customer")
        if s.question and ASKS_WHEN.search(s.text) and talking:
            self.asked_when = self.turn  # when will you pay, or when next month? (not: when may I call?)
        if s.question and ASKS_AMOUNT.search(s.text):
            self.asked_amount = self.turn
        days = s.dates()
        if days and not s.refuses and (any(c.commits for c in s.live) or s.amounts()):
            money = money_of(s, skip_balance=True)
            self.offer = _Draft(days[0].day, money, self.turn, [s], "agent", s.proposes)

    def customer(self, s: Sentence) -> None:
        days = s.dates()
        if self.balance is None:
            self.figures(s)
        if self.promise and s.retracts and not s.commits:
            self.promise = self.offer = self.pending = None  # 「算了，你先别登记了」
            return
        if s.refuses:
            self.offer = self.pending = None
            if self.promise and any(d.day == self.promise.day for c in s.clauses for d in c.dates):
                self.promise = None  # 「下周五我也拿不出来」 takes back next Friday
            return
        if (s.question and not s.offer_tail) or (s.hedged and not s.commits) or s.conditional or s.schedule:
            return
        money = money_of(s)
        replying = self.offer is not None and self.offer.role == "agent" and self.fresh(self.offer, 1)
        accepted = replying and s.accepts and self.offer.asks  # type: ignore[union-attr]
        if s.about_rest and self.promise:
            return  # 「剩下的两千下个月还」: the next payment is the one already promised
        if s.commits or s.offer_tail or accepted:
            offer = self.offer if replying else None
            day = days[0].day if days else offer.day if offer else None
            if money.kind == "unsaid" and offer:
                money = offer.money
            if money.kind == "unsaid" and self.fresh(self.pending):
                money = self.pending.money  # type: ignore[union-attr]
            earlier = (offer.sentences if offer else []) + (self.pending.sentences if self.pending else [])
            if day is not None:
                self.promise_now(day, money, [*earlier, s])
            elif self.promise and self.fresh(self.promise) and self.promise.money.kind == "unsaid":
                self.promise.money = money  # 「周五还。」…「先还两千。」: the sum said after the day
                self.promise.sentences.append(s)
            else:
                self.pending = _Draft(None, money, self.turn, [s])
            return
        if days:
            asked = self.turn - self.asked_when <= 1
            answers = s.bare() and (asked or replying or self.fresh(self.pending))
            if answers:
                source = (
                    self.pending
                    if self.fresh(self.pending)
                    else self.offer
                    if replying or (asked and self.fresh(self.offer, 2))
                    else None
                )
                if money.kind == "unsaid" and source:
                    money = source.money
                day = _in_month_of(s, days[0], source)
                self.promise_now(day, money, [*(source.sentences if source else []), s])
            elif not days[0].now and (
                s.bare() or money.kind != "unsaid" or any(c.refuses for c in s.clauses)
            ):
                self.offer = _Draft(
                    days[0].day, money, self.turn, [s]
                )  # 「这个月不行，下个月吧」: a day floated
            return
        if money.kind == "value" and s.bare():
            if self.promise and self.fresh(self.promise):
                if self.turn - self.asked_amount <= 1 or self.promise.money.kind != "value":
                    self.promise.money = money
                    self.promise.sentences.append(s)
            elif self.offer and self.offer.day and self.fresh(self.offer, 2):
                self.promise_now(self.offer.day, money, [*self.offer.sentences, s])
            else:
                self.pending = _Draft(None, money, self.turn, [s])


_MONTH_RELATIVE = re.compile(rf"^(?:{_N})(?:号|日)$|^月[底末中初]$")


def _in_month_of(s: Sentence, said: DateMention, source: _Draft | None) -> date:
    """A day of the month (十号, 月底) said of a later month (「下个月吧」 … 「月底吧」) is in that month."""
    if source is None or source.day is None or not _MONTH_RELATIVE.match(s.text[said.start : said.end]):
        return said.day
    first = source.day.replace(day=1)
    if first <= said.day:
        return said.day
    again = find_dates(s.text[said.start : said.end], first)
    return again[0].day if again else said.day


def find_promise(segments: Sequence[Segment], today: date) -> Promise | None:
    """The call's promise to pay, or None. `today` is the call's own local date."""
    talk = _Talk()
    for seg in segments:
        for s in read_turn(seg.speaker, seg.text, seg.start_s, seg.end_s, today):
            if s.role != talk.last_role:
                talk.turn += 1
                talk.last_role = s.role
            if s.role == "agent":
                talk.agent(s)
            else:
                talk.customer(s)
    done = talk.promise
    if done is None or done.day is None:
        return None
    said = [s for s in done.sentences if s.role == "customer"] or done.sentences
    return Promise(
        day=done.day,
        amount_yuan=done.money.resolve(talk.balance, talk.minimum),
        text=" … ".join(s.said or s.text for s in done.sentences),
        start_s=min(s.start_s for s in done.sentences),
        speaker=_speaker_of(segments, said[-1]),
    )


def _speaker_of(segments: Sequence[Segment], sentence: Sentence) -> str:
    for seg in segments:
        if (sentence.said or sentence.text) in seg.text and seg.start_s <= sentence.start_s <= max(
            seg.end_s, seg.start_s
        ):
            return seg.speaker
    return "customer"
