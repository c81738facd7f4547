"""The customer's promise to pay (承诺还款) in a call's transcript: the day and the sum.

Only the customer promises. The agent's words count when the customer takes them up: a proposal
(「您下周五前先还三千行吗」) answered 「行，就下周五」 is a promise of 3,000 by next Friday, and a
question (「什么时候能还？」, 「能还多少？」) gives a bare answer (「下周一。」, 「三千。」) its meaning.
A promise needs a day: 「我尽快」 and 「有钱了就还」 are none, nor is a refusal (「我还不了」) or a hedge
(「下周看看吧，不一定」). When a call holds several offers, the negotiation's last agreement stands
(`ptp/negotiation.py`: counter-offers, corrections, changes of day); within one sentence the first day
of a committing clause (下周五先还三千，剩下的月底还: next Friday, 3,000).

The sum is what the customer said, else what the proposal they accepted said. A promise to pay it
all (全部, 还清), or with no sum at all, is for the balance the agent stated (欠款, 金额…); 一半 is
half of it; 一部分 and 一点 are no sum. No balance stated: no sum (`amount_yuan` null), and any payment
by the day keeps the promise.

Mono speech (`unknown`) has no roles: a sentence is the agent's when it has the agent's words
(您, 工号, 请问…), else the customer's. An agent's recap without them then reads as the customer
restating the promise, which changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from callqa.ptp.negotiation import Negotiation
from callqa.ptp.stance import Sentence, read_turn
from callqa.transcript import Segment


@dataclass(frozen=True)
class Promise:
    """A customer's promise: pay `amount_yuan` (None: unknown) by `day`."""

    day: date
    amount_yuan: float | None
    text: str  # the sentences it was made of, in order
    start_s: float
    speaker: str  # the speaker label of the customer's sentence (customer, or unknown on mono)


def find_promise(segments: Sequence[Segment], today: date) -> Promise | None:
    """The call's promise to pay, or None. `today` is the call's own local date."""
    talk = Negotiation()
    for seg in segments:
        for s in read_turn(seg.speaker, seg.text, seg.start_s, seg.end_s, today):
            talk.read(s)
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
