"""What one sentence does about paying: commits, refuses, hedges, accepts, asks; and who says it.

Word lists, not a model: each is short enough to read, and the benchmark (bench/bench_ptp.py)
measures them. A sentence is cut into clauses at commas; a refusal governs its own clause and
everything before it, so 「今天不行，下周五我还」 commits and 「下周五还，不过现在还不了」 does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from callqa.ptp.dates import DateMention, find_dates
from callqa.ptp.heard import repair
from callqa.ptp.numbers import Amount, find_amounts

# 还 is "pay back" (huan2) unless it is the adverb "still/also" (hai2) that these words follow.
_HAI2 = (
    "是|有|没|要|在|得|可以|行|好|挺|能|会|剩|差|欠|不知道|早|算|以为|说|记得|真|那么|这么|这样|那样|"
    "一直|很|蛮|跟|让|把|欠着|用|想|敢|属于|多|少|等|拖|打|来|去|找|问|联系|接|忙|上班|需要|不错|不如|做"
)
PAY = re.compile(
    rf"还(?!{_HAI2})|(?<=[先就再能会去来要想得都才全一定肯慢马])还|(?<!周)转(?!告|达|接|身)|汇|打(?=钱|款|到|过去|过来|给你|进|入|(?!零工)[0-9零一二两三四五六七八九十百千万])"
    r"|付(?=钱|款|清|上|给你|了|过去)|支付|交(?=钱|款|上|齐|清|给你|了)|缴(?=钱|款|上|清|了)|存(?:进|到|上)"
    r"|凑(?!不)|结清|处理(?!家|别的|工作|事)|补上|补齐|充(?:值|进)"
)
REFUSE = re.compile(
    r"还不了|还不上|还不起|还不出|不还|不会还|不能还|没法还|没办法|不想还|不打算还|拿不出|凑不齐|凑不出|没钱|没有钱"
    r"|付不起|付不了|交不起|交不了|钱不够|不行|不可能|做不到|办不到|来不及|肯定不|不用了|没空|还什么|凭什么|没打算"
    r"|(?:处理|转|打|缴|结|凑|筹)不(?:了|起|出|齐|上)"  # a payment verb that cannot be done: 处理不了
    r"|拿(?:什么|啥)还"  # 我拿啥还: asks nothing
    r"|(?<![有还])没有[啊呀哦吧的了]*[，,。！!…\s]*$"  # 「四千没有」: nothing (not 有没有, 还没有)
)
# A sum called too little or too hard (「两千太少了」, 「四千太多了」): declined; the clause's day stands.
DECLINE = re.compile(r"太少|不够|少了|太多|多了|有点难|太难|难了|有困难")
EXCUSE = re.compile(r"不是不(?:想|愿意|肯)?还")  # 我不是不还，是现在真的没钱: no promise
DOUBLE_NEGATIVE = re.compile(r"(?:又)?不是不|不会不|没说不|(?:行|成|可以|能)不(?:行|成|可以|能)")
HEDGE = re.compile(
    r"看看|看情况|不一定|说不准|说不好|不敢保证|保证不了|不确定|可能|也许|试试|试一下|再说|再看|考虑|再想想|想想办法"
)
PAST = re.compile(
    r"已经|早就|上个?月|上周|上个?星期|上个?礼拜|昨天|前天|刚(?:才|刚)?(?=还|转|打|付|交|存)|还过"
)
PLAN = re.compile(r"每个?月|每周|每个?星期|每期|每次|按月")  # a schedule, not one promise
# An "if" makes a promise no promise (如果发了工资就还): collections cannot book it. 如果可以的话 is manners.
CONDITION = re.compile(
    r"(?:如果|要是|假如|假设|倘若|若是|万一|只要|除非)(?!(?:可以|行|方便|允许)的?话)"
    r"|(?:你们|你)(?:能|先)?(?:给我|帮我)?(?:减|免|打折)"  # 「你们给我减到五千，我明天就还清」: on a discount
)
RETRACT = re.compile(r"算了|别登记|不要登记|别记|先别记|不算数|取消|当我没说|刚才说的不算")
NOT_THIS = re.compile(r"(?:不是|不在|并不是|而不是)(?:在)?$")  # a day denied: 不是周四
MINIMUM = re.compile(r"最低")  # 最低还款(额): the least the bank accepts this month
REST = re.compile(r"剩下|剩余|其余|其他的|余下|尾款")  # the rest, after the first payment
PROPOSES = re.compile(r"[？?]|吗|(?:对|是)吧[。！]*$|能不能|可不可以|您看|你看|怎么样|如何|行不行")
# Agreeing to terms stated, not asked (「最晚下周一必须还清。」「好吧。」); 好的 and 嗯 only acknowledge them.
CONCEDE = re.compile(
    r"^(?:那|哦+|噢|嗯+|呃|唉)?[，,]?\s*(?:行|好吧|好好|可以|没问题|成|要得|得嘞|一言为定|就这么|就这样|那就这样|依你)"
)
ACCEPT = re.compile(
    r"^(?:那|哦+|噢|嗯+|呃|唉)?[，,]?\s*(?:行|好|可以|没问题|没得问题|成|要得|得嘞|中(?![午间旬])|一定|放心|ok|OK|能"
    r"|晓得|知道了|就这么(?:定|办|说)|一言为定|就这样)"
    r"|^(?:嗯+|对|对的|是的|是)[。！!]*$"  # a bare yes, to a proposal put as a question
    r"|^(?:对|对的|是的)[，,]"  # yes and more (「对，不会再拖了」); a refusal after it is no yes
)
QUESTION = re.compile(
    r"[？?]|吗[。！]*$|么[。！]*$|多少|几号|什么时候|啥时候|哪天|为什么|怎么|能不能|可不可以|(?<!不)是不是"
)
OFFER_TAIL = re.compile(
    r"(?:行吗|可以吗|好吗|成吗|行不行|可以不|成不成|好不好|行了吧|可以不可以|要得不|中不中|行不|好不|成不)[？?。！!]*$"
)
AS_MUCH = re.compile(r"多少[^，,。？?]{1,3}多少")  # 能还多少还多少: as much as I can, not a question
ASKS_WHEN = re.compile(r"什么时候|啥时候|哪天|几号|何时|时间")
ASKS_AMOUNT = re.compile(r"多少|几千|几百|金额")
BALANCE = re.compile(
    r"欠款|欠|待还|应还|未还|还剩|还有(?=[^，,。？?]*没)|逾期金额|还款金额|金额|账单|总共|一共|本金|合计|全部"
)
WHOLE = re.compile(r"全部|全额|全都|全还|还清|结清|一次性|所有的|都还")
HALF = re.compile(r"一半")
PART = re.compile(r"一部分|部分|一些|一点|点儿")
REMAINDER = re.compile(r"(?:剩下|剩余|其余|其他|另外|余下)的?$")
AGENT_CUES = re.compile(
    r"您(?!放心)|工号|专员|客服|催收|贷后|本次通话|录音|请问|找一下|必须|务必|后果自负|上门|征信|起诉|法院|律师"
    r"|你(?:们)?(?:这个|这笔|那个|那笔)?的?(?:借款|欠款|账单|贷款|账户)|(?:你|您)(?:赶紧|最好|再不)"
    r"|我们(?:会|将|就|公司|平台|这边)"
)
_SENTENCE = re.compile(r"[^。！？!?；;…\n]+[。！？!?；;…]*")
_CLAUSE = re.compile(r"(?:[^，,、：:]|(?<=[0-9]),(?=[0-9]{3}(?![0-9])))+[，,、：:]*")  # not in 7,800
# Where speech recognition leaves out a comma: a pause (a space between words), or straight after a
# refusal or a sum declined (「3000不行2000」, 「明天不行我三天之内还」, 「1000太少了下礼拜一至少3000」).
_UNMARKED = re.compile(
    r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f\s])|(?<=[^\x00-\x7f0-9]) +(?=[0-9])|(?<=[0-9]) +(?=[^\x00-\x7f])"
    r"|(?:不行|不够|太少了?|有点难|没有(?=[0-9零一二两三四五六七八九十]))[啊呀吧]?(?=[^，,、：:。！？!?\s啊呀吧的了])"
)


def _clause_spans(body: str) -> list[tuple[str, int]]:
    """The clauses of a sentence with their offsets: cut at commas, and where a comma went unwritten."""
    out = []
    for piece in _CLAUSE.finditer(body):
        start = piece.start()
        for cut in _UNMARKED.finditer(piece.group()):
            end = piece.start() + cut.end()
            out.append((body[start:end], start))
            start = end
        out.append((body[start : piece.end()], start))
    return [(text, offset) for text, offset in out if text.strip()]


@dataclass(frozen=True)
class Clause:
    text: str
    offset: int  # in the sentence
    dates: tuple[DateMention, ...]
    amounts: tuple[Amount, ...]
    commits: bool  # a payment verb, not negated
    refuses: bool
    hedged: bool
    plan: bool = False  # a schedule (每个月十号还五百), not one payment
    conditional: bool = False  # 如果…就还
    declines: bool = False  # calls its sum too little or too hard (两千太少了): the sum is no offer

    @property
    def bare(self) -> bool:
        """Terms and little else (「这周六之前五千」, 「还是这周日吧」, 「行那25号1750」): a position taken,
        not a story (「我晚点发给你」)."""
        spans: list[DateMention | Amount] = [*self.dates, *self.amounts]
        room = 4 if self.dates and self.amounts else 2
        return bool(spans) and _leftover(self.text, self.offset, spans, _FILLER + _YES) <= room


_FILLER = "，,。！!？?…吧呢啊嗯哦那就先块元钱左右的样子之以前 "
_YES = "是行好对最多顶多至少最少"


def _leftover(text: str, offset: int, spans: list[DateMention | Amount], filler: str = _FILLER) -> int:
    """How many characters `text` (at `offset` in its sentence) holds besides the spans and filler."""
    rest = text
    for span in spans:
        rest = rest.replace(text[span.start - offset : span.end - offset], "")
    return len(rest.strip(filler))


@dataclass(frozen=True)
class Sentence:
    """One sentence of one turn, read (`text` with misheard words put back, `said` as transcribed)."""

    text: str
    role: str  # agent | customer (mono speech: guessed from the words)
    start_s: float
    clauses: tuple[Clause, ...]
    question: bool
    offer_tail: bool  # ends in 行吗, 可以吗…: proposes rather than asks
    said: str = ""

    @property
    def live(self) -> tuple[Clause, ...]:
        """The clauses after the last refusal (all of them when none refuses)."""
        last = max((k for k, c in enumerate(self.clauses) if c.refuses), default=-1)
        return self.clauses[last + 1 :]

    @property
    def refuses(self) -> bool:
        """Refuses, and names no terms after it (「下周一也不行，我现在没工作」; not 「今天不行，下周吧」)."""
        return any(c.refuses for c in self.clauses) and not any(
            c.commits or c.amounts or any(not d.now for d in c.dates) for c in self.live
        )

    @property
    def hedged(self) -> bool:
        return any(c.hedged for c in self.live)

    @property
    def commits(self) -> bool:
        return any(c.commits and not c.hedged for c in self.live)

    @property
    def conditional(self) -> bool:
        """Made on a condition (如果下周一朋友还我钱，我就还你们): no promise."""
        return any(c.conditional for c in self.live)

    @property
    def schedule(self) -> bool:
        """Only a schedule (我每周五还两百): no one day to book."""
        return any(c.plan for c in self.live) and not self.commits

    @property
    def retracts(self) -> bool:
        """Takes back what was said (算了, 别登记了)."""
        return bool(RETRACT.search(self.text))

    @property
    def about_rest(self) -> bool:
        """Commits only to the rest (剩下的两千下个月还), after a first payment promised before."""
        committing = [c for c in self.live if c.commits]
        return bool(committing) and all(REST.search(c.text) for c in committing)

    @property
    def proposes(self) -> bool:
        """Asks the other side to agree (a question, 「您看…」), rather than demands or states."""
        return self.question or self.offer_tail or bool(PROPOSES.search(self.text))

    def bare(self) -> bool:
        """Little more than a day and a sum: 「这周四吧。」, 「最早也得二十五号」, 「三千。」"""
        spans: list[DateMention | Amount] = [*(d for c in self.clauses for d in c.dates)]
        spans += [a for c in self.clauses for a in c.amounts]
        return _leftover(self.text, 0, spans) <= 4

    def takes_position(self) -> bool:
        """States terms of its own: bare, or with a clause that is (「不对，…，下周二吧」)."""
        return self.bare() or any(c.bare for c in self.live if not c.hedged)

    def declined(self) -> list[float]:
        """The sums it turns down (「两千太少了」, 「三千不行」)."""
        return [a.value for c in self.clauses if c.declines or c.refuses for a in c.amounts]

    @property
    def concedes(self) -> bool:
        """Agrees to terms (行, 好吧, 那就这样), which a bare 好的 or 嗯 does not: it only acknowledges."""
        return bool(CONCEDE.match(self.text)) and not self.refuses and not self.hedged

    @property
    def accepts(self) -> bool:
        return bool(ACCEPT.match(self.text)) and not self.refuses and not self.hedged

    def _ranked(self) -> list[Clause]:
        """Live clauses, those that commit first, then those naming a day (bare ones first: 「下周一我钱
        还没到账，下周二吧」 is Tuesday), the rest's (剩下的月底) last."""

        def rank(c: Clause) -> int:
            return 4 if REST.search(c.text) else 0 if c.commits else (1 if c.bare else 2) if c.dates else 3

        return sorted(self.live, key=rank)

    def dates(self) -> list[DateMention]:
        """Days of the live part: those of committing clauses first, "at once" (马上) after any other;
        none from a hedged clause (「现在说不好」), nor the rest's when a first payment is promised."""
        first = any(c.commits and not REST.search(c.text) for c in self.live)
        ordered = [
            d
            for c in self._ranked()
            if not c.hedged and not (first and REST.search(c.text))  # 先还一半，剩下的下个月还
            for d in c.dates
        ]
        return [d for d in ordered if not d.now] + [d for d in ordered if d.now]

    def amounts(self) -> list[Amount]:
        """Sums of the live part: those of committing clauses first, then of the day's clause (周五之前
        四千 beats 两千太少了); not a remainder (剩下的五百)."""
        return [
            a
            for c in self._ranked()
            if not c.declines
            for a in c.amounts
            if not REMAINDER.search(c.text[: a.start - c.offset])
        ]


def _clause(text: str, offset: int, today: date) -> Clause:
    plain = DOUBLE_NEGATIVE.sub("", text)
    mentions = find_dates(text, today)
    dates = tuple(
        replace(d, start=d.start + offset, end=d.end + offset)
        for d in mentions
        if d.day >= today and not NOT_THIS.search(text[: d.start])  # 不是周四，是周五
    )
    undated = text  # a day's numerals are no sum: 下周二两千五 is 2,500, not 22,500
    for d in mentions:
        undated = undated[: d.start] + " " * (d.end - d.start) + undated[d.end :]
    amounts = tuple(Amount(a.value, a.start + offset, a.end + offset) for a in find_amounts(undated))
    refuses = bool(REFUSE.search(plain) or EXCUSE.search(text))
    if PAST.search(text):
        dates = ()
    plan = bool(PLAN.search(text))
    if plan:  # 每周五还两百: a schedule's day and sum are no promise's
        dates, amounts = (), ()
    commits = bool(PAY.search(plain)) and not refuses and not PAST.search(text) and not plan
    hedged = bool(HEDGE.search(text))
    denied = any(NOT_THIS.search(text[: a.start - offset]) for a in amounts)  # 不是三千，是两千
    declines = bool(amounts) and (bool(DECLINE.search(text)) or denied)
    return Clause(
        text, offset, dates, amounts, commits, refuses, hedged, plan, bool(CONDITION.search(text)), declines
    )


def role_of(speaker: str, text: str) -> str:
    """The speaker's role; on mono speech ('unknown') the agent is who says 您, 工号, 请问…"""
    if speaker in ("agent", "customer"):
        return speaker
    return "agent" if AGENT_CUES.search(text) else "customer"


def read_turn(speaker: str, text: str, start_s: float, end_s: float, today: date) -> list[Sentence]:
    """The sentences of one turn, each with its (interpolated) start time."""
    out = []
    length = max(1, len(text))
    fixed = repair(text)  # same length: a span of `fixed` is the same span of `text`
    for m in _SENTENCE.finditer(fixed):
        body = m.group().strip()
        if not body:
            continue
        lead = len(m.group()) - len(m.group().lstrip())
        said = text[m.start() + lead : m.start() + lead + len(body)]
        at = start_s + (end_s - start_s) * m.start() / length
        clauses = tuple(_clause(text, offset, today) for text, offset in _clause_spans(body))
        offer = bool(OFFER_TAIL.search(body))
        question = bool(QUESTION.search(AS_MUCH.sub("", body))) and not offer
        out.append(Sentence(body, role_of(speaker, body), round(at, 2), clauses, question, offer, said))
    return out
