"""Does a negation govern a match? ("我们不会上门" yes; "不还钱就上门" no)."""

from __future__ import annotations

import re

from callqa.text.normalize import NormalizedText, normalize, normalize_phrase

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
    # not done, not needed: 我们不方便主动联系您儿子, 我们不需要您帮他还
    "不方便",
    "不便",
    "不需要",
    "不必",
    # not part of it: 不是刑事案件，不涉及坐牢的问题
    "不涉及",
    "不牵涉",
    "谈不上",
    "说不上",
    "算不上",
    # not allowed: 公司明确规定，不允许联系您的家人; 我们不可以收个人转账
    "不允许",
    "不可以",
    # not accepted: 我们不接受转到员工个人账户
    "不接受",
    # advised against: 不建议您去别的平台借钱来周转
    "不建议",
    "不推荐",
    # advice against it: 您别去别的平台借钱来还
    "别去",
    "别再去",
    "不要去",
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
# Firm negators reach a clause's length: 我们不会翻您的通讯录群发. Not where the words between make the
# threat (不会轻易放过您的家人).
FIRM_NEGATORS = ("不会", "绝不", "绝对不", "不可能", "从不", "从来不", "决不")
FIRM_WINDOW = 10
_FIRM = re.compile(
    "(?:" + "|".join(FIRM_NEGATORS) + f")(?P<between>[^，,。！？!?；;]{{{WINDOW + 1},{FIRM_WINDOW}}})$"
)
_THREAT_BETWEEN = re.compile(r"放过|饶|客气|手软|善罢甘休|好过|罢休|算了|以为")  # 你不会以为…吧？

_ALT = "|".join(sorted(NEGATORS, key=len, reverse=True))
_SHORT = "".join(SHORT_NEGATORS)
# Greedy `.*` makes the regex find the negator nearest to the match.
_NEAREST = re.compile(f"^.*(?:(?P<neg>{_ALT})(?P<long>.{{0,{WINDOW}}})|[{_SHORT}](?P<short>.?))$")
_LONGEST = max(len(n) for n in NEGATORS)
_FIRST_CHARS = frozenset(n[0] for n in (*NEGATORS, *SHORT_NEGATORS))


# The court acting by law, right before the match: 法院可能依法将您列为失信被执行人, 限制高消费是法院对
# 失信被执行人采取的措施. What the law provides is no invented consequence.
# 不会有人因为这笔欠款来抓您: a because-frame under a negation, however long.
LAWFUL_BEFORE = re.compile(
    r"(?:法院|司法机关)(?:可能|会|才会|才能|才可能|也只能|将)?依法(?:将|把|对)?[^，,。！？]{0,12}$|是[\u4e00-\u9fff]{0,3}(?:对|针对)$"
    r"|法院(?:才能|才会|才可能|可能|会)?(?:依法)?(?:纳入|列入|列为|认定为?)$"
    r"|(?:不会|不可能|没有人|没人|不会有人)[^，,。！？]{0,4}因为[^，,。！？]{0,10}$"
    # a negated 把-frame, however long its object: 我们不会把您的欠款情况告诉您单位领导
    # ... also when someone is made to do it: 我们从来不会让客户把钱转到个人支付宝
    r"|(?:不会|绝不会|不可能|不能|不得|从不|从来不|没有|没)(?:(?:让|叫|要求|请|帮)[^，,。！？把]{0,4})?把"
    r"(?:(?!就|才|否则|不然|的话)[^，,。！？]){0,14}$"
    # a generic warning: 不要发给任何自称工作人员的私人微信
    r"|(?:不要|别|不会|从不|从来不|不能|不用|切勿|请勿)[^，,。！？]{0,12}任何[^，,。！？]{0,12}$"
    # advice against doing it for a purpose: 千万别为了还这笔钱去其他网贷平台借新的, 不建议您为了这期去…借款
    r"|(?:别|不要|不能|不建议|不推荐)(?:你)?再?(?:为了|因为)[^，,。！？]{0,12}$"
    # nobody will say it: 也不会有人说不还就抓人
    r"|(?:不会有人|没有人|没人)(?:说|讲|威胁|要求)[^，,。！？]{0,16}$"
    # advice against going somewhere to do it: 千万不要再去别的平台借钱来还我们, 不建议您去别的平台借钱
    r"|(?:别|不要|千万别|不能|不建议|不推荐)(?:你)?再?(?:去|找|到(?!时))[^，,。！？]{0,10}$"  # not 别到时候…
    # a transfer advised against, wherever to: 不要转到我们公司或者个人账户 (one transfer verb only)
    r"|(?:不要|别|不能|不会|从不|从来不|不用|切勿|请勿|千万别|严禁|禁止)再?(?:转|打|汇|存|付)(?:钱|款|账)?(?:到|给|进|入)"
    r"[^，,。！？转打汇]{0,12}$"
    # ... the destination named first: 我们从来不会让客户往个人支付宝、微信或者个人银行卡里转钱 (往 heard 网)
    r"|(?:不要|别|不能|不会|从不|从来不|不用|切勿|请勿|千万别|严禁|禁止|不允许|不可以)(?:让|叫|要求|请)?[^，,。！？往网]{0,4}[往网]"
    r"[^，,。！？转打汇]{0,16}$"
    # a warning about whoever asks for it: 凡是让您转账到个人名下的，都先挂掉
    # (凡是 heard 凡事; 任何人让您转到个人银行卡、个人微信…)
    r"|(?:凡[是事]|但凡|只要是|任何人)(?:有人)?(?:让|叫|要|要求|请)[^，,。！？]{0,10}$"
    # what the rules forbid collectors to do: 公司不允许催收人员引导客户去别的平台借款
    r"|(?:不允许|不准|禁止|严禁|不得)[^，,。！？]{0,8}(?:引导|诱导|让|叫|要求|劝|鼓励|逼)[^，,。！？]{0,10}$"
    r"|(?:如果|要是|若是?|万一)有人(?:冒充[^，,。！？]{0,8})?(?:让|叫|要|要求|请)[^，,。！？]{0,10}$"
)
# Earlier in the same sentence, across its commas: the court acting by law, or what follows a judgment
# the debtor does not carry out (判决生效后如果不履行，法院可以依法强制执行，也可能列入失信名单).
# Only then the court would (法院才会…列为失信被执行人) is a condition, no threat. 依法 is often heard 以法
# (or 医法).
LAWFUL_SENTENCE = re.compile(
    r"法院(?:可以|可能|会|才会|才能|才可能|也只能|将)?[依以医]法[^。！？!?；;]{0,48}$"
    r"|法院才(?:能|会|可能|可以)[^。！？!?；;]{0,20}$"
    # what the court does by law, its case named: 限制出境是法院在执行案件里依法采取的措施
    r"|法院[^。！？!?；;，,]{0,10}依法(?:采取|作出|做出|执行|裁定|判决|进行|决定)[^。！？!?；;]{0,30}$"
    # a judgment not carried out (判决 heard as 判结, 履行 as 理行: 法院判结后还不理行的)
    r"|(?:判[决结节]|裁定|判了)[^。！？!?；;]{0,16}(?:(?:不|未|没有)[履理旅]行|不执行|不还)[^。！？!?；;]{0,40}$"
    # the legal condition named, a judgment refused: 有履行能力而拒不履行的，可能被列为失信被执行人
    r"|拒不(?:履行|执行)(?:的|判决|法院|生效)[^。！？!?；;]{0,30}$"
    # only if the court ruled and the debtor refused, then…: 只有判决生效后仍拒不履行，才会限制…; 只有被法院
    # 列为失信被执行人以后 (才会 heard as 还会)
    r"|只有[^。！？!?；;]{0,30}(?:判决|法院|失信|执行|诉讼|起诉)[^。！？!?；;]{0,24}(?:才|以后|之后)[^。！？!?；;]{0,30}$"
    # what the agent just refused, then spelt out: 我们不会这么做，联系您通讯录里的人，把您欠款的事告诉别人…
    r"|(?:不会|不能|绝不会?|从来不会?|从不)(?:这么|这样)(?:做|干)[，,]"
    r"(?:(?!但|可是|不过|就|否则|不然|要是|如果|除非)[^。！？!?；;]){0,24}$"
    # the court's procedure: 法院立案以后会给您寄传票，写明开庭时间和地点
    r"|法院(?:受理|立案)了?(?:以后|之后|后)[^。！？!?；;，,]{0,4}(?:给|向)?(?:你|您)?(?:寄|送|发)送?"
    r"(?:传票|起诉状|应诉通知)[^。！？!?；;]{0,20}$"
    # a crime the law defines, explained: 法律上确实有个信用卡诈骗罪，但它针对的是…
    r"|法律上(?:确实|是)?(?:有|规定)[^。！？!?；;]{0,12}$"
    # what only the authorities decide: 是否构成犯罪得由公安机关判断
    r"|(?:只能|得|要|需要|应当|应该|必须|都是|是)由(?:公安机关|公安|警方|法院|司法机关|检察院)(?:来)?"
    r"(?:判断|认定|决定)[^。！？!?；;]{0,30}$"
    # what the speaker just advised against, then named: 这个我们不建议，用别的卡套现来还
    r"|(?:不建议|不推荐|不提倡|不鼓励|不允许|不接受)[，,：:][^。！？!?；;，,]{0,14}$"
)


def lawful_up_to(original: str, end: int) -> bool:
    """Whether `original`'s sentence up to offset `end` states what the law provides (LAWFUL_SENTENCE):
    a sentence the text model scores, 是否构成犯罪得由公安机关判断."""
    head = original[:end].rstrip("。！？!?；;，, ")
    return bool(LAWFUL_SENTENCE.search(_sentence_before(head, len(head))))


# A clause joined to the one before by 或者 (我们不会多打电话，或者去找您的家人), or listing what it covers
# (我们不能接受转到任何个人账户，包括我本人的微信和银行卡), is under that one's negation,
# a multi-character one (not 你再不还，或者…: 不 there opens a condition).
_ALTERNATIVE = ("或者", "或是", "或", "以及", "及", "包括", "也包括")
_ALTERNATIVE_NEGATORS = (*FIRM_NEGATORS, "不要", "不能", "不用", "没有", "不再", "并不", "不得", "禁止",
                         "严禁")  # fmt: skip


def is_negated(text: NormalizedText, start: int) -> bool:
    """Whether a negator in the same clause ends within a few chars before normalised `start` (a firm
    one within FIRM_WINDOW), the court acts by law right before it (LAWFUL_BEFORE), or earlier in the
    sentence (LAWFUL_SENTENCE); or the clause is an alternative (或者…) to a negated clause before it."""
    clause = _list_start(text, text.clause_start(start))
    if _negated_in_clause(text, start, clause):
        return True
    if clause == 0 or not text.chars.startswith(_ALTERNATIVE, clause) or start - clause > FIRM_WINDOW + 4:
        return False
    gap = text.original[text.offsets[clause - 1] + 1 : text.offsets[clause]]
    before = text.clause_start(clause - 1)
    return (
        not SENTENCE_END.search(gap)
        and any(n in text.chars[before:clause] for n in _ALTERNATIVE_NEGATORS)
        and _negated_in_clause(text, clause, before)
    )


def _list_start(text: NormalizedText, clause: int) -> int:
    """The start of the list that the clause at `clause` continues after an enumeration comma (、):
    我们从来不会让客户往个人支付宝、微信或者个人银行卡里转钱 is one clause to its negation; so is a list's
    last items ending the sentence after a plain comma (任何人让您转到个人银行卡，个人微信或者支付宝。)."""
    while clause > 0:
        gap = text.original[text.offsets[clause - 1] + 1 : text.offsets[clause]].strip()
        if gap != "、" and not (gap in ("，", ",") and _LIST_TAIL.match(text.original, text.offsets[clause])):
            break
        clause = text.clause_start(clause - 1)
    return clause


_LIST_TAIL = re.compile(r"[^，,。！？!?；;]{1,8}(?:或者|或是|以及)[^，,。！？!?；;]{1,6}(?:[。！？!?；;]|$)")


# A negator before 把/将 negates the whole disposal that follows, however long its object (也不能把您的
# 欠款情况告诉您的亲戚朋友或者发到网上), unless a condition comes between (你不把钱还了，我们就…).
_DISPOSAL = re.compile(
    r"(?:不能|不会|不要|不可以|不可能|不得|不准|不许|绝不|从不|从来不|决不|禁止|严禁)"
    r"(?:再|随便|私自|擅自|轻易|随意)?[把将]"
)


def _negated_in_clause(text: NormalizedText, start: int, clause: int) -> bool:
    """`is_negated` within the clause that begins at `clause`."""
    if LAWFUL_BEFORE.search(text.chars[max(clause, start - 24) : start]):
        return True
    disposal = list(_DISPOSAL.finditer(text.chars, clause, start))
    if disposal and not _blocked(text.chars[disposal[-1].end() : start]):
        return True
    if LAWFUL_SENTENCE.search(_sentence_before(text.original, text.original_span(start, start + 1)[0])):
        return True
    firm = _FIRM.search(_asked(text.chars, max(clause, start - FIRM_WINDOW - 3), start))
    if firm and not _blocked(firm["between"]) and not _THREAT_BETWEEN.search(firm["between"]):
        return True
    before = _asked(text.chars, max(clause, start - WINDOW - _LONGEST), start)
    if _FIRST_CHARS.isdisjoint(before):
        return False
    m = _NEAREST.match(before)
    if m is None:
        return False
    between = m.group("long") if m.group("long") is not None else m.group("short")
    if m.group("neg") and m.group("neg").endswith(THROUGH_BLOCKERS):
        return True
    return not _blocked(between)


def _asked(chars: str, lo: int, hi: int) -> str:
    """chars[lo:hi] with the negator of an A-not-A question masked (能不能, 会不会, 有没有, 可不可以):
    您能不能替他借一点 asks for it."""
    head = 1 if lo > 0 else 0
    return _A_NOT_A.sub(r"\1〇", chars[lo - head : hi])[head:]


_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没](?=\1)")


def _blocked(between: str) -> bool:
    """Whether the words between a negator and a match put the negation elsewhere: 你不还就…, …逼得我们…;
    not 逼 right after the negator, the verb it negates (不是逼您去借钱)."""
    return any(b in between for b in BLOCKERS if not (b == "逼" and between.startswith(b)))


# The speaker calls what the match names wrong, later in the same sentence: 「信用卡套现是违反用卡规定的，
# 我们不建议，也不接受」, 「坐不了高铁是失信被执行人的限制，跟普通逾期不是一回事」.
DISAVOWALS = re.compile(
    r"(?:是|属于)(?:违规|违法|诈骗)|违反[^。！？!?；;]{0,8}(?:规定|法律|法规)|不建议|不接受|不允许|不提倡"
    r"|不是一回事|不存在(?:这种|这个|这样的)?情况|不会(?:这么|这样)做"
    r"|(?:我们|公司)(?:绝对|也|都|从来)?不会(?:去)?做(?=[。！？!?，,；;]|$)"
    # what the rules forbid: 联系您通讯录里的人…，这些都是规定明令禁止的 (heard 名令进指)
    r"|[明名鸣铭][令另][禁进近尽紧][止指只至纸]|(?:都|也)?(?:是|属于)[^，,。！？!?]{0,6}(?:禁止|不允许|严禁)的"
    # borrowing to repay called harmful: 为了还一笔去别的平台再借，利息叠利息; …得不偿失
    r"|利息叠利息|越借越多|得不偿失|以贷养贷|拆东墙补西墙|只会(?:让|使)?[^，,。！？!?]{0,6}越来越(?:多|重|大|难)|越陷越深"
    # the contact called only to pass a message: …联系人打过一次电话，只是请他转告您回电，没有说任何借款的事情
    r"|没(?:有)?(?:说|提|讲|透露)(?:过)?(?:任何|过)?[^，,。！？!?]{0,4}(?:借款|欠款|欠钱|债务|账)"
    r"|^(?:(?!不然|否则|要不)[^。！？!?])*?(?:越滚越[多大]|压力(?:会|只会)?更大|利息(?:往往|会|只会)?更高)"
    # advice to seek protection: 那个人如果让您觉得不安全，您可以跟物业或者派出所反映一下 (反映 heard as
    # 反应; not 报警也没用)
    r"|(?:你|您)可以(?:跟|向|找|去|到)?[^，,。！？!?]{0,8}(?:反映|反应|报警|报案)(?![^。！？!?]{0,6}没用)"
    # a warning: 任何人让您转到个人卡，都不要转 (千万 heard as 先万; 一律不要理 as 一律不要离)
    r"|(?:都|千?万|一律|一概|一定|请)(?:不要|别|不能|勿)(?:转|给|付|打|信|相信|理|离|扫|做|用|碰|去)"
    # a list refused: 微信、支付宝、个人银行卡都不行
    r"|(?:都|也|一律|统统)(?:不行|不可以|不收|不接受)"
    # not a repayment at all: 转到个人账户银行是不认的, 转给个人不算还款
    r"|不认(?:的|可)?|不被认可|不算(?:还款|数)"
    # …nor credited to the account: 您转到我个人微信上，系统里也不会给您销账的 (heard 消赞); 是入不了账的
    r"|(?:不会|不能|没法|无法)(?:给(?:您|你))?(?:[销消入到记][账帐]|消赞)|[入销到如][不步]了[账帐]"
    # against the rules: 用别的卡套现来还，既不合规，…
    r"|不合规|不合法"
    # what the law really provides: 失信被执行人是法院判决生效后…才会列入的, 冻结账户只能由法院依法裁定,
    # 限制高消费也是法院的执行措施; 普通逾期不会这样
    # (由 heard as 有); 我们无权这样做
    r"|是法院(?:的|依法|对[^，。！？]{0,12}|针对[^，。！？]{0,12}|在[^，。！？]{0,8})?(?:判决|裁定|执行措施|措施|认定|决定|程序|职权)"
    # what a measure is, its authority garbled: 限制高消费是把援(法院)对施线(失信)被执行人采取的措施
    r"|是[^，。！？]{0,4}对[^，。！？]{0,12}采取的"
    r"|是法院才(?:能|会|可以)|不是我们?(?:公司)?(?:能|可以)?(?:决定|定|说了算|回答)|有前提|前提是"
    # only the court can: 限制高消费，…这些都要经过法院，我们公司自己是做不了的
    r"|(?:要|得|需要|必须)经过法院|(?:我们|公司)[^，,。！？!?]{0,6}(?:做不了|做不到|办不到|决定不了)"
    # someone else's business: 至于政审看哪些内容，那是招录单位的事，我没法替他们回答
    r"|那是[^，,。！？!?]{0,8}(?:的事|决定的|说了算)|没法替"
    r"|只(?:能|有)[由有]?(?:法院|司法机关|公安机关|公安|警方|检察院)|(?:普通|一般|正常)的?逾期(?:不会|不至于)"
    r"|(?:得|要|需要|应当|应该|必须|都是|是)由(?:公安机关|公安|警方|法院|司法机关|检察院)(?:来)?(?:依法)?(?:判断|认定|决定)"
    # a refusal: 我个人的微信也不能用来收款
    r"|不(?:能|可以|允许|会)(?:用来|用于|拿来)?(?:收款|收钱|代收|收您的|收你的)"
    r"|逾期本身不|无权(?:这样|这么)?做|我们(?:公司)?(?:没有这个权力|没有这个权利|没有权力|无权)"
    r"|(?:我们|公司)[^，。！？]{0,4}(?:没有|无)(?:这个)?(?:资格|权力|权利)"
    # someone else's words, quoted: 对方说了老赖和不要脸这样的话
    r"|[\u4e00-\u9fff](?:这样|这种|之类)的话|说(?:了|过)?(?:这种|这样的)话"
    # a word defined: 老赖说的是被法院判决后拒不履行的人
    r"|^[\u4e00-\u9fff]{1,8}?(?:这个词|这个说法)?(?:说的是|指的是|是指)"
    # a rumour named as such: 不存在因为借款逾期就坐牢的说法
    r"|的说法|这(?:种|个)说法"
    # the speaker doubts it: 会被列成失信被执行人，是真的吗
    r"|是(?:不是)?真的吗|是不是真的"
    # a scam named, a refusal urged: 那都是骗子, 只要是收现金、转私人账户，都是假的, 凡是…的都请直接拒绝,
    # 您很可能遇到诈骗了
    r"|(?:那|都|就|全)是(?:骗子|冒充的|假冒的|假的|骗局|诈骗)|遇到(?:了)?(?:诈骗|骗子)|是诈骗电话|(?:都请?|一律|请)(?:直接)?拒绝"
    # ... or being taken in: …让您往个人账户里转钱，您一定先跟您儿子本人确认，别上当
    r"|(?:别|不要|千万别|小心|谨防|以防|免得|防止)(?:上当|被骗|受骗)"
    # ignore it, hang up: 记得别理, 都先挂掉
    r"|别[理里](?![面头边])|不要理|不用理|(?:先|直接)挂(?:掉|断)"  # 别理 heard as 别里
    # nothing to do with it, untouched: 跟抓人没关系, 孩子读公立学校不受影响
    r"|没(?:有)?(?:任何)?关系|无关|不受(?:影响|限制)"
    # whoever asks for it is not the company: 让转个人账户的都不是我们
    r"|的?(?:都|就|那)不是我们(?:公司)?(?:的人)?(?=[，,。！？!?]|$)"
    r"|(?:一定|肯定|绝对|必然)(?:不是|不会是)我们"
    # the thing named first, then refused: 您的通讯录我们既没有获取，也不会去联系
    r"|^[\u4e00-\u9fff]{1,6}(?:我们|公司)(?:既|绝|也|都|从来)?(?:没有|没|不会|绝不|从不|从来不)"
    r"(?:获取|碰|动|看|用|联系|打|查|调取|拿)"
    # unsafe for the customer: 转到个人账户对您没有保障，出了问题很难追回
    r"|(?:没有|没|毫无)(?:任何)?保障|(?:很难|难以|没法|无法)追回"
    # the condition the law sets, said after: 不是一起诉就列入失信名单，要判决生效后有能力却不履行，法院才会…
    r"|(?:判决|裁定)(?:生效)?后[^。！？!?；;]{0,10}(?:不履行|未履行|没有履行)|法院才(?:会|能|可以|可能)"
    # what the match names is a scam's: …让客户转账到个人账户的诈骗
    r"|的(?:诈骗|骗局)(?![^。！？!?；;]{0,3}吗)"
)
SENTENCE_END = re.compile(r"[。！？!?；;]")
DISAVOWAL_REACH = 40  # characters after the match's start searched for a disavowal


# Earlier in the sentence, the speaker reports what another caller said (您说对方讲过要找人去您家，还让您
# 出门小心点): what follows in that sentence is quoted, clause breaks or not.
# A complaint read back to apologise for it: 您投诉上周有位同事骂您老赖，还说要告诉您单位.
REPORTED = re.compile(
    r"对方(?:说|讲)|(?:您|你)说(?:对方|他们|那个人|那人|有人)|投诉记录|复述"
    r"|(?:您|你)(?:投诉|反映|举报)(?!也|都|啊|吧|去|我|没用|随便)|客户(?:投诉|反映|反应)(?:说|过|上|的)"
    # asking about what the customer said: 您说的公安局是怎么回事？
    r"|(?:您|你)(?:刚才|刚刚)?说的[^，,。！？!?]{0,8}(?:是怎么回事|是什么|是哪|是谁|指的是)"
    # words in quotation marks after 说/讲/骂: 他说“不还钱就让你在小区里出名”
    r"|(?:说|讲|骂|原话是)[：:，,]?\s*[“「\"]"
    r"|(?:有位|有个|之前那?位|上次那?位|那位|上一位|上一个|之前的|上次的)"
    r"(?:来电人员|催收人员|同事|员工|工作人员|催收员|专员|客服|坐席)"
    # a record read back, a complaint made earlier: 记录上写的是…; 您十一月八号投诉过，说催收人员骂您…
    r"|记录(?:上|里)?(?:写的是|写着|显示)|(?:您|你)[^，,。！？!?]{0,8}(?:投诉|反映|举报)过"
    r"|(?:说|有人|他|她|对方|人员|同事|员工)[^，,。！？!?]{0,4}骂(?:了|过)?(?:您|你)(?!们)"
    # who a caller claimed to be: 我接到一个，说他是什么经侦支队的
    r"|(?:说|称|自称)(?:他|她|对方|他们|自己)是"
    # what a message, a programme or a page said: 我收到一条短信，说法院已经对我立案了; 那电视上说…; 上面写着…
    r"|(?:短信|信息|消息|通知|新闻|电视|网上|视频|上面|微信)(?:里|上|中)?(?:都)?(?:说|讲|写着?|称)"
    r"|收到[^。！？!?]{0,8}(?:短信|信息|消息|通知|电话)[，,]?(?:(?:上面|里面)?(?:说|讲|写着?|称)|$)"
    # a scam described: 最近有冒充我们公司让客户转账到个人账户的诈骗; 现在很多人冒充金融公司打电话要钱
    r"|(?:有|遇到|碰到|很多|不少|好多|许多)(?:人|些人|一些人|不法分子|骗子|诈骗分子|团伙)?(?:冒[充冲]|假冒|假扮|假装)"
    # what someone told the speaker: 我们村还有人跟我说，欠信用卡孩子就上不了学
    r"|有人(?:跟|和|对)(?:我|俺)(?:说|讲)"
    # …by whom: 最近有不法分子冒充催收，让人转账到私人账户
    r"|不法分子|诈骗分子|犯罪分子|诈骗团伙"
    # what a colleague may have done, supposed while taking a complaint: 如果是我们公司的人打给您母亲…
    r"|(?:如果|要是|假如|若是|万一)真?(?:是|有)(?:我们)?(?:公司|平台|这边)?的?"
    r"(?:人|同事|员工|工作人员|催收员|外包|外访|合作机构)"
    # ...or another company may: 如果是其他机构打到您单位，您可以向他们的客服投诉
    r"|(?:如果|要是|假如|若是|万一)真?(?:是|有)(?:其他|别的|其它|另外的?|别家|哪家)(?:机构|公司|平台)"
)
SENTENCE_START = re.compile(r".*[。！？!?；;]", re.S)


def _sentence_before(original: str, at: int) -> str:
    """The part of `original`'s sentence before offset `at`."""
    before = original[:at]
    head = SENTENCE_START.match(before)
    return before[head.end() :] if head else before


def reported_before(original: str, at: int) -> bool:
    """Whether the sentence of `original` before offset `at` reports someone else's words."""
    return bool(REPORTED.search(_sentence_before(original, at)))


def excused_across(previous: str, current: str, at: int) -> bool:
    """Whether offset `at` of `current` continues a sentence begun in `previous`, the same speaker's
    segment that the speech model cut off mid-sentence, that reports someone else's words
    (「您投诉上周有位同事骂您老赖」「还说要告诉您单位」), states what the law provides
    (「判决后不履行，法院可以依法把您列为失信被执行人，」「限制高消费…」) or negates it (an alternative
    to a negated clause): `previous` ends without a sentence mark, and no sentence ends in `current`
    before `at`."""
    previous = previous.rstrip()
    if not previous or SENTENCE_END.match(previous[-1]) or SENTENCE_END.search(current[:at]):
        return False
    sentence = _sentence_before(previous, len(previous)) + "，" + current[:at]
    if REPORTED.search(sentence) or LAWFUL_SENTENCE.search(sentence):
        return True
    # an alternative to the negated clause cut off before it:
    # 「我们也不会因为您提出异议就多打电话」「或者去找您的家人」
    joined = normalize(sentence + current[at : at + 1])
    if joined.chars and is_negated(joined, len(joined.chars) - 1):
        return True
    # ...or cut inside the negated clause itself: 「我们不会以公安」「法院的名义联系您」
    tight = normalize(_sentence_before(previous, len(previous)) + current[: at + 1])
    if tight.chars and is_negated(tight, len(tight.chars) - 1):
        return True
    # a list the cut fell inside, its comma an enumeration one: 「我们从来不会让客户往个人支付宝，」「微信或者
    # 个人银行卡里转钱」
    if not _LIST_GOES_ON.search(current[:at]):
        return False
    listed = normalize(_sentence_before(previous, len(previous)).rstrip("，,") + "、" + current[: at + 1])
    return bool(listed.chars) and is_negated(listed, len(listed.chars) - 1)


_LIST_GOES_ON = re.compile(r"^[^，,。！？!?；;]{0,8}(?:或者|或是|以及)[^，,。！？!?；;]{0,2}$")


def is_reported(text: NormalizedText, start: int) -> bool:
    """Whether the sentence before normalised `start` reports someone else's words."""
    return reported_before(text.original, text.original_span(start, start + 1)[0])


def is_disavowed(text: NormalizedText, start: int) -> bool:
    """Whether the rest of the sentence from normalised `start` disavows what is matched there."""
    at, _ = text.original_span(start, start + 1)
    return disavowed_in(text.original[at:])


def disavowed_in(rest: str) -> bool:
    """Whether `rest`, a sentence's remainder from a match on, disavows the match (DISAVOWALS)."""
    rest = rest[:DISAVOWAL_REACH]
    end = SENTENCE_END.search(rest)
    return bool(DISAVOWALS.search(rest[: end.start()] if end else rest))


def disavowed_across(current: str, at: int, following: str) -> bool:
    """Whether the sentence at offset `at` of `current`, cut off by the speech model, is disavowed in
    `following`, the same speaker's next segment (「凡是让您转到个人账户的」「都请直接拒绝」):
    `current` has no sentence end after `at`, and `following`'s first sentence disavows."""
    if SENTENCE_END.search(current[at:]):
        return False
    return disavowed_in(current[at:] + "，" + following)


# A sentence the model reads as a violation, but with a firm negation its nearest violating example
# lacks: 「不会的，我们不会把您的欠款情况告诉紧急联系人」 sits next to
# 「我明天就给你们人事部打电话，说说你欠钱的事」.
# Only firm negators: 不 alone also opens a threat's condition (你不还钱…), and 不会 before 放过/客气 is the
# threat itself. 不能 counts only as a rule or a stronger refusal (规定不能向您的亲戚透露, 更不能把…告诉他).
DENIALS = (
    "不会",
    "绝不",
    "绝对不",
    "不可能",
    "从不",
    "从来不",
    "并不",
    "不得",
    "禁止",
    "严禁",
    "更不能",
    "规定不能",
    "不能把",  # 也不能把您的欠款情况告诉您的亲戚朋友或者发到网上
    "不可以把",
)
_DENIED_THREAT = re.compile(
    r"不(?:会|可能)(?:轻易|就这么|这么)?(?:放过|饶|轻饶|客气|手软|善罢甘休|让你好过|算了|罢休|完)"
)


_CANNOT_LEARN = re.compile(r"[学且雪]不会")  # 学 heard as 且 (还且不会说话算话)


def denies(sentence: str, example: str) -> bool:
    """Whether `sentence` firmly negates where its nearest violating `example` does not (DENIALS)."""
    said, meant = normalize_phrase(sentence), normalize_phrase(example)
    if _DENIED_THREAT.search(said):
        return False
    said = _CANNOT_LEARN.sub("", said)  # 学不会 says what the customer never learnt, denying nothing
    return any(n in said and n not in meant for n in DENIALS)
