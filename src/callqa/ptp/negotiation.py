"""The negotiation over a promise: the terms on the table, who put them there, who agreed.

A call is read sentence by sentence into one state (`Negotiation`). The agent's and the customer's
terms (a day and / or a sum) go on the table as offers; the customer's own commitment, or their yes to
the agent's offer, makes the promise. Later sentences revise it the way people haggle:

- **Counter-offers.** 「两千太少了，至少三千」 declines the sum on the table and offers another; the
  customer's 「行吧」 then agrees to 3,000 by the day already agreed, and the customer's own counter
  (「最多四千」, 「那这周六之前五千」) replaces the sum, the day or both of their promise.
- **Who agreed.** The customer agrees to a proposal put as a question with any yes (嗯, 对, 好的), and
  to terms stated as a demand (「最晚下周一，必须还清」) only by conceding them (行, 好吧, 那就这样);
  a bare 好的 to a demand acknowledges it. The agent agrees to the customer's floated terms by 好 /
  行 with the same terms or none.
- **Corrections.** The agent's restatement is only an offer: 「对」 takes it, 「不是三千，是两千」 keeps
  the customer's words, and the customer's change of day (「后天吧」, 「算了，还是周日吧」) or of sum
  keeps the other term.
- **No deal.** A refusal that names the promise's day or sum, or any refusal after the agent turned
  the customer's sum down, ends the promise; so does a hedge in the same breath (「四千二啊……我考虑
  考虑」). A refusal of the agent's counter alone (「一千五拿不出来」) leaves the customer's own terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from callqa.ptp.dates import _N, DateMention, find_dates
from callqa.ptp.numbers import Amount, written_slips
from callqa.ptp.stance import (
    ASKS_AMOUNT,
    ASKS_WHEN,
    BALANCE,
    HALF,
    MINIMUM,
    PART,
    REST,
    WHOLE,
    Clause,
    Sentence,
)

OWED = re.compile(r"欠|还剩")  # the customer stating the balance: 我不是欠四千吗, 还剩两千四
CHARGES = r"利息|罚息|费用|手续费|服务费|滞纳金|违约金|本金"
CHARGE_AFTER = re.compile(rf"(?:元|块|块钱)?的?(?:{CHARGES})")
CHARGE_BEFORE = re.compile(rf"(?:{CHARGES})(?:是|有|共|一共|合计)?$")
FRESH_TURNS = 4  # a half-made promise (a sum without a day, a day without a sum) waits this many turns


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

    @property
    def said(self) -> bool:
        return self.kind != "unsaid"


UNSAID = Money("unsaid")


def money_of(sentence: Sentence, skip_balance: bool = False) -> Money:
    """The sum a sentence names; with `skip_balance`, not in a clause that states the balance
    (「欠款七千，这周能还一部分吗」 proposes part of it, not 7,000)."""
    clauses = sentence.live
    stated = {id(a) for c in clauses for a in stated_figures(c)} if skip_balance else set()
    for amount in sentence.amounts():
        if id(amount) not in stated and any(
            c.offset <= amount.start < c.offset + len(c.text) for c in clauses
        ):
            return Money("value", amount.value)
    text = "".join(c.text for c in clauses if not (skip_balance and stated_figures(c)))
    for kind, pattern in (("minimum", MINIMUM), ("half", HALF), ("part", PART), ("whole", WHOLE)):
        if pattern.search(text):
            return Money(kind)
    return UNSAID


def stated_figures(clause: Clause) -> list[Amount]:
    """The sums a clause states as the balance, the minimum payment or a charge: the first after 欠款,
    金额, 最低… (「您欠款三千九一直没处理，最晚这周五必须先还两千」 states 3,900 and asks 2,000), and any
    next to 利息, 费用, 本金…"""
    out = []
    for m in (*BALANCE.finditer(clause.text), *MINIMUM.finditer(clause.text)):
        after = clause.offset + m.end()
        nxt = next((a for a in clause.amounts if a.start >= after), None)
        if nxt is not None and nxt.start - after <= 4 and nxt not in out:
            out.append(nxt)
    for a in clause.amounts:  # 另外1800利息和170费用: the debt's parts, not a sum to pay
        start, end = a.start - clause.offset, a.end - clause.offset
        charge = CHARGE_AFTER.match(clause.text, end) or CHARGE_BEFORE.search(clause.text[:start])
        if charge and a not in out:
            out.append(a)
    return out


@dataclass
class Terms:
    """A day and / or a sum on the table, with the sentences that put it there."""

    day: date | None
    money: Money
    turn: int
    sentences: list[Sentence] = field(default_factory=list)
    role: str = "customer"  # who put them on the table
    asks: bool = False  # proposed as a question (an agent's proposal the customer may accept)
    contested: bool = False  # the agent turned the sum down (「两千太少了」)


@dataclass
class Negotiation:
    """What the conversation has settled so far; `promise` is the customer's current promise."""

    balance: float | None = None
    minimum: float | None = None  # the minimum payment the agent stated (最低还款额)
    offer: Terms | None = None  # the latest terms not agreed: the agent's, or floated by the customer
    pending: Terms | None = None  # the customer committed to a sum, no day yet
    promise: Terms | None = None
    asked_when: int = -9  # turn of the agent's last "when?"
    asked_amount: int = -9  # turn of the agent's last "how much?"
    asked_rest: int = -9  # turn of the agent's last question about the rest (剩下的呢？)
    turn: int = 0
    last_role: str = ""

    def read(self, s: Sentence) -> None:
        if s.role != self.last_role:
            self.turn += 1
            self.last_role = s.role
        if s.role == "agent":
            self.agent(s)
        else:
            self.customer(s)

    def fresh(self, terms: Terms | None, turns: int = FRESH_TURNS) -> bool:
        return terms is not None and self.turn - terms.turn <= turns

    def promise_now(self, day: date, money: Money, sentences: list[Sentence]) -> None:
        self.promise = Terms(day, money, self.turn, sentences)
        self.offer = self.pending = None

    def _sum(self, terms: Terms) -> float | None:
        return terms.money.resolve(self.balance, self.minimum)

    def figures(self, s: Sentence) -> None:
        """The balance and the minimum payment stated (by the agent, or by the customer: 我不是欠四千吗,
        还剩两千四)."""
        for clause in s.clauses:
            if not clause.amounts:
                continue
            if MINIMUM.search(clause.text):
                self.minimum = clause.amounts[0].value
            elif BALANCE.search(clause.text) and (s.role == "agent" or OWED.search(clause.text)):
                self.balance = clause.amounts[0].value

    # -- the agent ---------------------------------------------------------------------------------

    def agent(self, s: Sentence) -> None:
        self.figures(s)
        talking = any(c.commits for c in s.clauses) or (self.offer and self.offer.role == "customer")
        if s.question and ASKS_WHEN.search(s.text) and talking:
            self.asked_when = self.turn  # when will you pay, or when next month? (not: when may I call?)
        if s.question and ASKS_AMOUNT.search(s.text):
            self.asked_amount = self.turn
        if (
            s.question
            and REST.search(s.text)
            and not any(c.commits and not REST.search(c.text) for c in s.live)
        ):
            self.asked_rest = self.turn
        if self.promise and self._turned_down(s):
            self.promise.contested = True
        days = s.dates()
        money = money_of(s, skip_balance=True)
        own = Terms(days[0].day if days else None, money, self.turn, [s], "agent", s.proposes)
        if self._recaps_a_slip(own):
            return
        if self._agrees_to_floated(s, own):
            return
        if self._recaps_promise(s, own):
            return
        about_paying = any(c.commits for c in s.live) or s.amounts() or (s.question and s.bare())
        if (days or money.kind == "value") and not s.refuses and about_paying and not self._aside(s, own):
            self.offer = own  # 「至少三千」, 「那下周一还两千行吗」, 「后天呢？」

    def _aside(self, s: Sentence, own: Terms) -> bool:
        """A statement with figures but no payment, question or position (「逾期多一天就多一天罚息」, its
        一天 heard as 一千) after the agent's proposal in the same turn: it leaves the proposal standing."""
        offer = self.offer
        if not (offer and offer.role == "agent" and offer.asks and offer.turn == self.turn and offer.day):
            return False
        return own.day is None and not (s.commits or s.question or s.offer_tail or s.takes_position())

    def _recaps_promise(self, s: Sentence, own: Terms) -> bool:
        """The agent's recap of the promise just made, stated rather than asked (「好的，那就是3月15号之前先
        还五千元」): its figure is the sum the customer left vague (一部分, 全部 of a balance not heard, none
        said). The customer may still object; a sum the customer named stands."""
        promise = self.promise
        if not (promise and self.fresh(promise, 1) and own.day == promise.day and not s.question):
            return False
        if own.money.kind != "value" or promise.money.kind == "value" or s.offer_tail:
            return False
        self.offer = own  # the customer's 「对」 / 「不是…」 may still answer it
        promise.money = own.money
        promise.sentences.append(s)
        return True

    def _recaps_a_slip(self, own: Terms) -> bool:
        """The agent's recap of the promise's day with the sum the customer's digits were heard from
        (「下周三之前我把112全部还清」「…下周三之前还款12000元」): the recap's sum is the promise's."""
        promise = self.promise
        if not (promise and self.fresh(promise, 1) and promise.money.kind == "value" and own.day):
            return False
        if own.day != promise.day or own.money.kind != "value" or own.money.value is None:
            return False
        if own.money.value not in written_slips(promise.money.value or 0):
            return False
        promise.money = own.money
        promise.sentences.append(own.sentences[0])
        return True

    def _turned_down(self, s: Sentence) -> bool:
        """The agent declines the promise's sum (「两千太少了」, 「减免不了」)."""
        assert self.promise is not None
        declined = s.declined()
        return self._sum(self.promise) in declined or (
            any(c.refuses for c in s.clauses) and not s.question and not declined
        )

    def _agrees_to_floated(self, s: Sentence, own: Terms) -> bool:
        """The agent's 好 / 行 to the customer's floated terms (「下周二吧」「好，下周二」): the promise."""
        floated = self.offer
        if not (floated and floated.role == "customer" and floated.day and self.fresh(floated, 1)):
            return False
        if not (s.accepts or s.concedes) or s.question:
            return False
        if not (floated.money.said or own.money.said or any(c.commits for c in s.live)):
            return False  # 「明天下午再打吧」「好的，明天下午再联系您」: a call back, not a payment
        if own.day not in (None, floated.day) or (
            own.money.said and floated.money.said and own.money != floated.money
        ):
            return False
        money = floated.money if floated.money.said else own.money
        self.promise_now(floated.day, money, [*floated.sentences, s])
        return True

    # -- the customer ------------------------------------------------------------------------------

    def customer(self, s: Sentence) -> None:
        days = s.dates()
        if self.balance is None:
            self.figures(s)
        money = money_of(s)
        names_terms = bool(days) or money.kind == "value"
        if self.promise and s.retracts and not s.commits and not names_terms:
            self.promise = self.offer = self.pending = (
                None  # 「算了，你先别登记了」 (not 「算了，还是周日吧」)
            )
            return
        if s.refuses:
            self._refused(s)
            return
        if s.hedged and not s.commits:
            if self.promise and self.promise.turn == self.turn and self.promise.role == "customer":
                self.promise = None  # 「四千二啊……我考虑考虑」: said, then not meant
            return
        if (s.question and not s.offer_tail) or s.conditional or s.schedule:
            return
        if s.about_rest and self.promise:
            return  # 「剩下的两千下个月还」: the next payment is the one already promised
        offer = (
            self.offer if self.offer and self.offer.role == "agent" and self.fresh(self.offer, 1) else None
        )
        if offer and _unit_lost(money, offer.money):
            money = offer.money  # 「25号之前能把2800都还上吗」「能，25号之前28」: 两千八 heard as 28
        base = self.promise if self.fresh(self.promise) else None
        # a question takes any yes; a demand only a yes with little else (not 「行，等她出院了我跟她说」)
        accepted = offer is not None and (
            (s.accepts and (offer.asks or self._confirms(s, offer))) or (s.concedes and s.bare())
        )
        if s.commits or s.offer_tail or accepted:
            self._commits(s, days, money, offer, base)
        elif days:
            self._names_day(s, days, money, offer, base)
        elif money.kind == "value" and (s.bare() or s.takes_position()):
            self._names_sum(s, money, base)

    @staticmethod
    def _confirms(s: Sentence, offer: Terms) -> bool:
        """「对」 to the agent's statement of a day and a sum (「一半就是3600元，大后天还款」, its 对吧 lost
        to speech recognition): the customer confirms the terms, as to a question."""
        return s.text.startswith("对") and offer.day is not None and offer.money.kind == "value"

    def _refused(self, s: Sentence) -> None:
        """A refusal ends the offers; the promise too when it names the promise's day or sum, or when the
        agent had turned the promise's sum down and the refusal names no other (「那我没办法了」)."""
        self.offer = self.pending = None
        if self.promise is None:
            return
        named_day = any(d.day == self.promise.day for c in s.clauses for d in c.dates)
        sums = [a.value for c in s.clauses for a in c.amounts]
        if named_day or self._sum(self.promise) in sums or (self.promise.contested and not sums):
            self.promise = None

    def _commits(
        self, s: Sentence, days: list[DateMention], money: Money, offer: Terms | None, base: Terms | None
    ) -> None:
        """The customer commits, or agrees to the agent's offer: the terms said, then the offer's, then
        those of the promise they revise."""
        day = days[0].day if days else offer.day if offer and offer.day else None
        if day is None and offer and base:
            day = base.day  # a counter on the sum alone: 「两千太少，至少三千」「行吧」
        if not money.said and offer:
            money = offer.money
        if not money.said and self.fresh(self.pending):
            money = self.pending.money  # type: ignore[union-attr]
        if not money.said and base:
            money = base.money  # a new day for the same sum: 「明天我出差，后天吧，后天肯定还」
        earlier = (offer.sentences if offer else []) + (self.pending.sentences if self.pending else [])
        if day is not None:
            self.promise_now(day, money, [*earlier, s])
        elif base and base.money.kind == "unsaid":
            base.money = money  # 「周五还。」…「先还两千。」: the sum said after the day
            base.sentences.append(s)
        else:
            self.pending = Terms(None, money, self.turn, [s])

    def _names_day(
        self, s: Sentence, days: list[DateMention], money: Money, offer: Terms | None, base: Terms | None
    ) -> None:
        """A day without a payment verb: an answer to "when?", a new day for the promise, or one floated."""
        asked = self.turn - self.asked_when <= 1
        position = s.bare() or s.takes_position()
        if position and (asked or offer or self.fresh(self.pending)):
            source = (
                self.pending
                if self.fresh(self.pending)
                else self.offer
                if offer or (asked and self.fresh(self.offer, 2))
                else None
            )
            if not money.said and source:
                money = source.money
            if not money.said and base:
                money = base.money
            day = in_month_of(s, days[0], source)
            self.promise_now(day, money, [*(source.sentences if source else []), s])
        elif position and base and self.turn - self.asked_rest > 1:
            # the customer changes their terms: 「不对，下周一我钱还没到账，下周二吧」
            self.promise_now(days[0].day, money if money.said else base.money, [*base.sentences, s])
        elif not days[0].now and (s.bare() or money.said or any(c.refuses for c in s.clauses)):
            self.offer = Terms(days[0].day, money, self.turn, [s])  # 「这个月不行，下个月吧」: a day floated

    def _names_sum(self, s: Sentence, money: Money, base: Terms | None) -> None:
        """A sum without a day: the promise's new sum when it answers a counter, a "how much?" or a sum
        turned down (not 「对，五千」 to the balance), a counter to the agent's day, or a sum waiting for its
        day."""
        if base:
            countered = self.offer and self.offer.role == "agent" and self.fresh(self.offer, 1)
            asked = self.turn - self.asked_amount <= 1 or base.contested or s.declined() or countered
            if (asked or base.money.kind != "value") and self.turn - self.asked_rest > 1:
                base.money = money  # 「最多四千」, 「一千就一千吧」
                base.contested = False
                base.sentences.append(s)
        elif self.offer and self.offer.day and self.fresh(self.offer, 2):
            self.promise_now(self.offer.day, money, [*self.offer.sentences, s])
        else:
            self.pending = Terms(None, money, self.turn, [s])


def _unit_lost(heard: Money, meant: Money) -> bool:
    """`heard` is `meant` with its unit lost (28 for 2,800, 1500 for 15,000): the same leading digits,
    a power of ten smaller."""
    if heard.value is None or meant.value is None or heard.value <= 0:
        return False
    ratio = meant.value / heard.value
    return ratio in (10, 100, 1000) and heard.value == int(heard.value)


_MONTH_RELATIVE = re.compile(rf"^(?:{_N})(?:号|日)$|^月[底末中初]$")


def in_month_of(s: Sentence, said: DateMention, source: Terms | None) -> date:
    """A day of the month (十号, 月底) said of a later month (「下个月吧」 … 「月底吧」) is in that month."""
    if source is None or source.day is None or not _MONTH_RELATIVE.match(s.text[said.start : said.end]):
        return said.day
    first = source.day.replace(day=1)
    if first <= said.day:
        return said.day
    again = find_dates(s.text[said.start : said.end], first)
    return again[0].day if again else said.day
