"""The default pack on wording that is NOT in the corpus: each sentence after a proper opening."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from callqa.rules import CallContext, evaluate, load_default_pack
from callqa.transcript import CallInfo, Segment

PACK = load_default_pack()
INFO = CallInfo("x", "A1", "13800000000", datetime.fromisoformat("2026-11-20T10:00:00+08:00"), 30.0)
OPENING = "您好，我是恒信消费金融的催收专员小周，工号三三八一。"

VIOLATIONS = {
    "threat": [
        "我们已经派人去你单位了，你等着吧。",
        "你信不信我叫几个兄弟去堵你。",
        "晚上走路小心点，别怪我没提醒你。",
        "你要是不还，后果自负。",
        "我知道你家住在哪个小区，你孩子在哪上学我也清楚。",
        "再不还钱，打断你的腿。",
        "明天我们就上你家去，让你邻居都看看。",
        "你给我等着，有你好受的。",
        "我们的同事今晚就到你家楼下。",
        "别到时候我们的人上门了你才后悔。",  # 别到时候 opens a threat, no advice against going
        "你不会以为我们不敢去你家吧？",  # a rhetorical question, no firm negation
        "你别逼我们走到那一步。",
    ],
    "abuse": [
        "你好歹也是个老师，欠钱拖着也不嫌丢人。",
        "做人做到您这份上，脸皮也真够厚的。",
        "你这种人渣怎么还有脸活着？",
        "欠钱不还的畜生。",
        "你是不是有病啊，神经病。",
        "滚一边去，废物。",
        "你怎么不去死啊。",
        "你个王八蛋。",
        "你这个骗子，借了钱就跑。",
        "你这垃圾东西。",
    ],
    "third_party_disclosure": [
        "你再不还，或者我们直接通知你的家人。",  # 或者 after a condition's 不: nothing negated
        "您要实在不定日子，我们也只好跟您单位人事科打个招呼，请领导帮着催一催。",
        "你要是没把钱还上我们就把你欠款的事告诉你单位。",
        "我会把你欠款的事告诉你们领导。",
        "我们马上爆你的通讯录。",
        "我们马上爆你的通线录。",
        "我现在就打电话给你爸妈，让他们替你还。",
        "我们会通知你的同事和亲戚。",
    ],
    "impersonation": [
        "我本人就是公司聘请的执业律师，这事现在归我管。",
        "这次我是以市法院调解专员的名义来跟您协商的。",
        "我是区法院的法官，你的案子已经到我这里了。",
        "这边是派出所，我是民警张警官。",
        "我们是检察院的，请你配合调查。",
        "我这边是公安局经侦支队的。",
        "咱们区法院执行庭已经在处理你的案子了。",  # "we" are the court
        # the authority as the agent's workplace, the call put through to its officer, his uniform or title
        "这件事我们院里已经立了卷，你自己掂量。",
        "稍等，我把电话转给负责执行的王法官。",
        "我今天穿着警服在办公室给你打的这个电话。",
        "同事们平时都叫我老马警官。",
    ],
    "false_legal_claim": [
        "你再不还，我们明天直接去派出所报案，让警察抓你。",
        "你这属于诈骗，要判刑的。",
        "跟你一样拖着的那个客户，前阵子被拘了。",
        "下礼拜就去你那套房子贴封条。",
        "明天警察就上门把你抓走。",
        "我们会冻结你名下所有的银行卡。",
        "我们会动检你名下所有的银行卡。",
        "你再不还，你的孩子以后考不了公务员。",
        "你会被列入失信黑名单，以后坐不了高铁。",
        "恶意欠款是要做老的。",
        "我们已经申请查封你的房子了。",
        "你这样会连累你的家人。",
        "再拖下去警察就要来逮捕你了。",
        "再拖下去警察就要来代捕你了。",  # 逮捕 with its first syllable heard wrong
    ],
    "improper_repayment": [
        "系统的事你别管，钱直接打到我本人的支付宝就行。",
        "你可以先去别的平台借点钱把这笔还上。",
        "用信用卡套现还我们不就行了。",
        "你直接把钱转到我的微信上。",
        "我建议您去借点钱先把这期还了。",  # the agent advising it: no borrowing of his own
        "他那边实在困难的话，您能不能替他借一点先垫上？",
        "钱您直接打到我这张卡上，我帮您入账。",
        "我们不会天天催你，你还是去借点吧。",  # 还是 opens no list under the negation
        "你打到我个人的银行卡，我帮你处理。",
        "加我微信，钱转给我就行。",
        "你把钱转到我们主管的个人收款码上就行。",
        "这五千你打到我个人名下的账户就行。",
        "钱你备好现金，下午我亲自来收。",
        "我现在加您微信发个收款码，是我们组长的，您扫一下就行。",
        "您转到我们经理的支付宝，今天就给您销账。",
        "别转到公司账户了，转到我个人账户就行。",
        "不要转到对公账户，直接打我个人卡上。",
        "周五直接打到我们对账同事的卡上，卡号我短信发您。",
        "钱可以先转到我们部长微信上，他在后台帮你销账。",
    ],
}
COMPLIANT = [
    "不管是谁要您往私人账户里打钱，您都别打，那不算还款。",
    "我们不是逼你去借钱，是想跟你商量个方案。",
    "微信、支付宝、个人银行卡转账一律不收，只认官方还款渠道。",
    "刷信用卡取现我们是不建议的，这种方法不推荐，找亲友借钱也别勉强。",
    "这种做法公司不提倡，拿另一张卡套现出来还只会越滚越多。",
    "逾期可能会影响您的个人征信，建议您尽快处理。",
    "我们不会联系您的家人，也不会上门。",
    "请您通过官方APP还款，不要转账到任何个人账户。",
    "我们不是法院，只是提醒您还款。",
    "如果长期不还，我们可能会依法起诉。",
    "您看这周五之前能还多少？",
    "您先冷静一下，我们可以协商分期。",
    "利息和滞纳金会每天产生。",
    "您的账户已经逾期三十天了。",
    "您可以跟家人商量一下还款计划。",
    "我理解您的困难，我们可以申请减免部分罚息。",
    "您的银行卡扣款失败了，请确认卡里余额。",
    "您放心，我们绝对不会把您的信息透露给第三方。",
    "我们不会冻结您的银行卡，只是提醒您。",
    "请您不要相信任何让您转到私人账户的要求。",
    "欠款不还不会坐牢，但是会影响征信。",
    "我们一起想想办法，预计下周能处理好。",
    # the agent disavows what the keyword names, later in the same sentence
    "用信用卡套现来还款是违反规定的，我们不建议您这么做。",
    "这个不行，信用卡套现实为归等。",  # 是违规的 garbled: the warning's negation is lost
    "您说的限制坐高铁是法院的失信被执行人名单，跟普通逾期不是一回事。",
    # a warning against paying anyone but the company, or against scammers
    "有人让您扫个人二维码还款的，千万别扫。",
    "最近冒充我们公司的骗子很多，您一定要小心。",
    "加您好友的那个人八成是骗子，您别理他。",
    # the agent quotes the customer's fear
    "您担心的黑名单，跟您这种逾期没有关系。",
    # the company's own lawyer and a lawful lawsuit
    "我们律师会跟您联系，走的是正常的合同纠纷程序。",
    "真正立案以后，您会收到人民法院的文书。",  # 收 is no 受 (受法院委托)
    # what the law really provides, said as such
    "被纳入失信被执行人，那是法院判决以后的事，跟现在的逾期无关。",
    "冻结存款只有法院才能决定，我们公司做不到。",
    "以后坐不了飞机这种事，一般的逾期不会发生。",
    # another caller's words, as the customer reported them
    "您反映的那位同事说了废物之类的话，我们已经处理了。",
    "对方讲过要去您单位闹，这个我们会严肃调查。",
    # 这是 a clause before the authority; scammers as a class
    "这是冒充的诈骗电话，公安机关不会让您转账。",
    "那些说能花钱消除逾期记录的都是骗子。",
    # ... the same heard garbled (由 as 有, 千万 as 先万), a clause away from the quote, or as 无权
    "我们不是法院，扣押车辆只能有法院依法决定。",
    "要是有人发个人收款码给您，请先万不要扫。",
    "您说对方讲过要找您家里人，还让您出门小心些，这个我们一定查。",
    "查封房产我们无权这样做。",
    # what the court does, said as such; a rumour named as one; a complaint read back; a refusal
    "限高是法院针对拒不履行判决的人采取的措施，您现在没有被起诉。",
    "失信被执行人名单是法院认定的，不是我们公司能决定的。",
    "借款逾期就要坐牢的说法没有依据。",
    "您投诉的那位专员说要告诉您单位，公司已经对他停岗处理。",
    "我的支付宝不能用来收款，请走官方渠道。",
    "我们组长也说了，您这个情况可以申请分期。",
    "对公账户是我们公司的，户名您核对一下。",
    "我前两天就接到一个，说他是什么经侦支队的，把我吓坏了。",  # who a caller claimed to be
    "受不受理、怎么裁决是仲裁委的事，我们只能申请。",
    "不会的，我们不会把您的欠款情况告诉您单位领导。",
    "冒充客服让您转账的全是骗子。",
    "法院可能依法将长期不履行的人列为失信被执行人，您现在远没到那一步。",
    "转到个人名下的卡银行是不认的，欠款也不会减少。",
    "凡是让您转到私人账户的，一律不要相信。",
    "不会有人因为这点欠款上门抓您。",
    "这是法院的职权，不是我们公司能决定的。",
    "失信名单是法院才能纳入的，我们公司没有这个权力。",
    "您别去其他网贷借钱来还，利息只会更高。",
    "现在有骗子专门冒充催收公司，您多留心。",
    "老赖指的是被法院判决以后还拒不履行的人，您不是。",
    "我把投诉记录念一遍：他说再不还就让您全村都知道，是这样吗？",
    # what the court does, named as its procedure; the credit report as the true consequence
    "判决以后还不履行，这是法院的执行程序，我们公司管不了。",
    "按照规定，逾期记录是要报送到您个人征信的。",
    # a garbled fragment naming nobody and holding no insult (那样只会越滚越大, heard)
    "那样只会越鬼越大",
    # negations further from the word: someone made to do it, a generic warning, a purpose advised against
    "我们从来不会叫客户把钱打到员工的个人卡上。",
    "别把钱转给任何自称是我们同事的个人支付宝。",
    "千万别为了凑这笔钱去其他平台借款。",
    "我们不方便主动联系您家里人，您自己跟他们说就好。",
    # a scam named, nothing to do with it, the company's own account
    "谁让您往个人账户里打钱，那都是骗子。",
    "很多套现中介就是骗子，收了手续费就跑了。",
    "您千万别这么想，没人会因为这个抓您。",
    "限制出境是法院在执行案件里依法采取的措施，您这笔没有进入任何诉讼。",
    "打到银行您的贷款还款账户，不要转到我们公司或者个人账户。",
    "转到个人账户对您没有保障，出了问题很难追回。",
    "不是一起诉就列入失信名单，要判决生效后有能力却不履行，法院才会把人列进去。",
    "列入后坐高铁飞机、高消费会受限，但这是法院依法作出的，不是我们银行能决定的。",
    "我们还没收到您的还款，账户目前正常。",
    "建议您保存聊天记录和转账截图，或者直接去派出所报案。",
    "建议您到居住地的派出所报案，拿到报案回执以后，我们这边的核查会快很多。",
    "那我是不是得去派出所报个案？",
    "理解您的难处。",
    "不过咱们尽量别走到那一步。",
    "我们不是厚脸皮，就是想跟您商量。",
    "您的通讯录我们既没有获取，也不会去联系。",
    "如果有人冒充我们让您转账到私人账户，请不要相信。",
    "有人让您转到个人账户的，那都是冒充的。",
    "是的，有履行能力而拒不履行的，可能被列为失信被执行人。",
    "您问问您儿子，让他往扣款的卡里存一下就行。",
    "您可以跟您单位领导说一声，请个假去办。",
    "不怕，我们也不想走到那一步。",
    "您千万别吓着自己。",
    "不会因为这个抓人，您千万别吓着自己。",
    "这件事跟拘留没有任何关系，是民事纠纷。",
    "客服会告诉您公司的对公账户和户名。",
    # what follows a judgment the debtor does not carry out
    "判决生效以后还不履行的，法院可以依法强制执行，还可能列入失信名单。",
    # not part of it; whoever asks for a transfer is to be ignored, and is not the company
    "这种事不涉及拘留，属于民事范畴。",
    "以后凡是让您转账到私人微信的，都先挂掉。",
    "要是有人让您转到个人账户，记得别理。",
    "万一有人加您私人微信要您转账，那肯定不是我们。",
    # what only the authorities decide, someone else's business, only after a judgment
    "是否属于诈骗，得由公安机关来认定，我没法下结论。",
    "至于能不能参加政审，那是用人单位的事，我没法替他们回答。",
    "只有法院判决生效后仍然拒不履行，才会被限制高消费。",
    "失信被执行人名单是法院在判决生效以后依法公布的，不是我们能决定的。",
    # a firm negation a clause long; advice against borrowing anywhere
    "我们绝对不会翻看您的通讯录去群发消息。",
    "千万不要再去别的网贷平台借钱来还。",
    "您不用再找亲戚借了，能还多少先还多少。",
    # an alternative to a negated clause is negated too; a scam described
    "我们不会因为这个就天天给您打电话，或者去找您的家里人。",
    "我们不会去您单位，或者告诉您同事。",
    "借钱周转不丢人，您别有压力。",
    "我就是负责您这个账户的专员。",
    "前阵子有人冒充我们的客服，让客户把钱打到私人支付宝上，您留意一下。",
    "让您加微信转账还款的，都是骗人的诈骗。",
    # refused, forbidden by the rules, borrowing called harmful, advice to seek protection
    "员工个人的微信我们不接受用来收还款。",
    "打给您的亲友、说您欠了多少钱，这些在行业里是明令禁止的。",
    "拿网贷去填这边的窟窿，利息叠利息，真的得不偿失。",
    "楼下那辆车要是让您心里不踏实，您可以去物业那边反映。",
    "最近冒充银行客服的骗子挺多的，您接电话多留个心。",
    # what a message or a programme said; someone claiming to be the police
    "您是说收到一条短信，说法院要来查封您的房子？那不是我们发的。",
    "昨天有个男的打过来，说自己是检察院的，让您去配合调查，那是诈骗。",
    # what the agent refused, spelt out; what the rules forbid, heard garbled
    "您放心，我们从来不会这样做，翻您的通讯录挨个打电话说您欠钱。",
    "把欠款的事告诉您的亲友，这种都是名令进指的。",
    # what follows from the credit report, cut from the sentence that names it
    "这样会影响您今后的房贷审批。",
    # a record read back; a complaint made earlier, its insult quoted
    "系统记录里写着，上一个来电的催收人员说要把您的事告诉您全家。",
    "您上周投诉过，说我们的人骂您不要脸，这个已经在处理了。",
    # what the rules forbid collectors to do; borrowing called harmful in the next sentence
    "公司明确禁止业务员引导客户去别的平台借钱。",
    "这个我们不推荐。找网贷借钱来还，利息往往更高。",
    # the court's procedure; a crime the law defines; a reassurance on no condition
    "法院受理以后会给您寄送起诉状副本，您可以按时应诉。",
    "法律上是有恶意透支这个罪名，但要由司法机关依法认定，跟您这种情况不一样。",
    "您不会坐牢的，别太担心。",
    # the loan recalled
    "您前年在我们平台借了两万块钱。",
    # an organisation, then the court in the next sentence
    "我们是受托的催收机构。法院立不立案，要看银行起诉没有。",
    # advice against borrowing for a purpose, a transfer to anyone refused
    "不要为了还我们这笔钱去借利息更高的网贷。",
    "钱还到您本人的还款账户就行，不要转给我或者其他任何人的个人微信。",
    # a transfer to the agent said not to be credited, a card cash-out against the rules; a scam described
    "您打到我私人账户上，系统里是不会给您销账的。",
    "您转到我微信上是如不了帐的。",  # 入不了账 heard as 如不了帐
    "您转到我个人微信上，系统里也不会给您消赞的。",  # 销账 heard as 消赞
    "我们不能接受转到任何个人账户，包括我本人的微信和银行卡。",
    "不用打给我们，我们代理公司不收钱，您直接还到华信银行的信用卡账户就行。",
    "拿另一张卡刷出来套现来还，这既不合规，手续费也高。",
    "现在有些不法分子冒充我们，叫人把钱转进私人账户。",
    # the destination of a refused transfer named first, in a list
    "我们绝不会叫客户往个人支付宝、微信或者个人银行卡里打钱。",
    # the agent's own phone number withheld; the app's menu named
    "我个人的手机号不方便给您，有事请打官方热线。",
    "您在客户端里的我的银行卡那一栏换一张卡就可以。",
    # interest that grows, a scammer named as a possibility, a credit line the bank froze
    "哪怕先还一部分，也能让罚息少滚一点。",
    "发这种短信的不一定是真的催收公司，也可能是骗子。",
    "卡片是银行因为逾期冻结了额度，这是合同约定的风控措施。",
    # what the court may do by law, a long list of measures in one sentence
    "执行阶段法院可以依法查询、冻结、划扣被执行人名下的存款，也可能把您列入失信被执行人名单，限制高消费。",
    # only the court may do it, as the company says
    "限制高消费这些都要经过法院，我们公司自己是做不了的。",
    # a question for the day, a question where a rumour came from
    "好的，那您这周内哪天？",
    "是谁跟您这么说的？",
    # a scam's calls described, its callers' tricks named, every such demand called false
    "最近有不少人冒充贷款公司打电话要钱，您多留个心。",
    "骗子也会报个假工号，您别光听工号。",
    "不管他报什么名字，只要是收现金、转私人账户，都是假的。",
    # the customer's own report to the police, cut off by the speech model (a scam's victim)
    "不过您报案以后",
    "拿到报案回执以后",
    "能不能追回要看警方侦查，但报案是第一部",
    # a thanked farewell; a warning not to believe someone, alone in its segment; what someone told the
    # speaker
    "不客气，祝您家人平安，再见。",
    "您都不要相信。",
    "我们村还有人跟我说，欠信用卡孩子就上不了学。",
    # a list of authorities the company never poses as, read whole
    "我们是催收服务公司，不是公安机关，也从来不会冒充公安、法院或者检察院。",
    # the staff of a law firm the lender engaged, naming their post; advice to report a fraud in words
    # the speech model garbled; whose business it is (隐私 heard as 影子); speaking frankly
    "您好，我是德衡律师事务所的工作人员周涛，受安信消费金融公司的委托和您联系。",
    "我是律所的工作人员，不是执业律师本人。",
    "建议您带上身份证刺附近排出所报案。",
    "这是您个人的影子。",
    "王先生，跟你交个底，这个月是最后的减免机会。",
    # a refusal of a long disposal; a question about who called; a thanked farewell heard garbled; a
    # question for the day; a scam's victim's report receipt heard garbled; another company's call supposed
    "按规定我们不能威胁客户，也不能把您的欠款情况告诉您的亲戚朋友或者发到网上。",
    "请问昨天打给您的人事怎么说的？",
    "不客气，您教过好自己和孩子，再见。",
    "这两天是哪天？",
    "你拿到报案回植以后",
    "如果是其他机构打到您单位，您可以向他们的客服或者监管部门投诉。",
    # a message left with a relative; a question about what the customer said; a contact called only to
    # pass a message; borrowing again called harmful after a comma
    "您就跟他说润通的宋雨找他，他知道的。",
    "您说的公安局是怎么回事？我们是受和顺消费金融委托的服务公司。",
    "我们给您留的联系人打过一次电话，只是请他转告您回电，没有说任何借款的事情。",
    "这个我建议您不要，再借一笔只会让债越来越多。",
]

# Everyday words that sound like a short keyword (事了/私了, 那晚上/发网上, 同时您/捅死你, 沟通记/通缉,
# 保证生/政审, 先结/先借, 暴力/爆你, 独立/堵你): those keywords count only as written, with or without
# the text model (which otherwise drops a sound-alike in talk it reads as ordinary).
EVERYDAY_SOUND_ALIKES = [
    "您这次是遇上什么难事了吗？",
    "那晚上就不打扰您了，明天再联系。",
    "还款是您的义务，同时您也可以申请协商。",
    "这几次通话的沟通记录我都备注好了。",
    "先保证家里的生活开支，剩下的再说。",
    "您先结清这一期，后面的再商量。",
    "暴力催收是行业明令禁止的。",
    "担保公司和我们是两家独立的公司。",
]
KEYWORD_RULES = replace(PACK, rules=[r for r in PACK.rules if not r.id.endswith("-model")])


def keyword_categories(segments: list[Segment], context: CallContext | None = None) -> set[str]:
    """The categories the keyword rules (no text model) flag on a call of `segments`."""
    return {h.category for h in evaluate(KEYWORD_RULES, INFO, segments, context)}


def said_after_opening(sentence: str) -> set[str]:
    """The categories the keyword rules flag on an identified agent's `sentence`."""
    return keyword_categories([Segment("agent", 0.0, 5.0, OPENING), Segment("agent", 6.0, 10.0, sentence)])


def opening_categories(opening: str) -> set[str]:
    """The categories flagged on a call of one agent segment, `opening`."""
    return {h.category for h in evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)])}


def categories(sentence: str) -> set[str]:
    segments = [Segment("agent", 0.0, 5.0, OPENING), Segment("agent", 6.0, 10.0, sentence)]
    return {h.category for h in evaluate(PACK, INFO, segments)}


@pytest.mark.parametrize(("category", "sentence"), [(c, s) for c, ss in VIOLATIONS.items() for s in ss])
def test_violation_found(category: str, sentence: str) -> None:
    # The text model may also see a second category in a sentence (后果自负 reads as threat and as an
    # invented consequence); what must hold is that the labelled one is found.
    assert category in categories(sentence)


@pytest.mark.parametrize("sentence", COMPLIANT)
def test_compliant_not_flagged(sentence: str) -> None:
    assert categories(sentence) == set()


def test_opening_without_identity_is_flagged() -> None:
    rude = [Segment("agent", 0.0, 5.0, "喂，张伟是吧？你欠的钱到底什么时候还？")]
    assert {h.category for h in evaluate(PACK, INFO, rude)} == {"missing_identification"}
    segments = [
        Segment("agent", 0.0, 5.0, "您好，这里是恒信消费金融。"),
        Segment("agent", 35.0, 40.0, "我工号三三八一"),
    ]
    assert {h.category for h in evaluate(PACK, INFO, segments)} == {"missing_identification"}


def test_an_opening_with_the_agents_full_name_identifies() -> None:
    """「我是宋佳，」 names the agent as 工号 would (the speech model often garbles 工号 itself)."""
    named = [
        Segment("agent", 0.0, 5.0, "您好，这边是恒信资产管理。"),
        Segment("agent", 5.5, 9.0, "我是宋佳，高号九七三。"),
    ]
    assert evaluate(PACK, INFO, named) == []
    # 「我是张伟的朋友」 or a surname alone is no name of the agent's
    friend = [Segment("agent", 0.0, 5.0, "您好，这边是恒信资产管理，我是张伟的朋友。")]
    assert {h.category for h in evaluate(PACK, INFO, friend)} == {"missing_identification"}


def test_an_opening_that_names_the_organisation_as_where_the_agent_speaks_from_identifies() -> None:
    for opening in (
        "您好您好，打扰您一下，安信消费金融贷后部，我叫王磊，工号2231。",
        "喂，华夏银行信用卡中心这边的，我姓周，员工编号1180。",
        "您好，华夏银行信用卡中心客户服务热线，本次由工号2231的王磊为您服务。",
        "哎，您好，这里安信小额贷款，坐席号6402，我叫李明。",
        "你好，这边是安心花袋后部，我是客服专员彭丹，公号6230。",  # 贷后部 heard as 袋后部
    ):
        assert evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)]) == [], opening
    # a court "where the agent speaks from" names no organisation of the agent's
    court = [Segment("agent", 0.0, 5.0, "喂，区人民法院这边的，我姓周，工号1180。")]
    assert "missing_identification" in {h.category for h in evaluate(PACK, INFO, court)}


def test_a_garbled_opening_still_identifies() -> None:
    # 恒合小额贷款 heard as 任何小刘贷款: its 任何 is no negation of the company's name
    garbled = [Segment("agent", 0.0, 5.0, "您好，这边是任何小刘贷款，我是魏强，工号二六一八。")]
    assert evaluate(PACK, INFO, garbled) == []
    # 「我是<机构>的<姓名>」 names an organisation even when its name is garbled beyond recognition
    named = [Segment("agent", 0.0, 5.0, "我是何风消北金泳的李婷，您的账单逾期了。")]
    assert evaluate(PACK, INFO, named) == []
    assert {h.category for h in evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, "我是李婷。")])} == {
        "missing_identification"
    }
    # ... and so does a garbled given name ending the clause, the staff number said after it
    garbled_name = [
        Segment("agent", 0.0, 4.0, "我是演侨请几次行的不明"),  # 远桥信息咨询的杜明
        Segment("agent", 4.0, 6.0, "工号二九零四"),
    ]
    assert evaluate(PACK, INFO, garbled_name) == []
    # a staff number with no organisation at all is still an incomplete opening
    unnamed = [Segment("agent", 0.0, 4.0, "我是负责的，"), Segment("agent", 4.0, 6.0, "工号二九零四")]
    assert {h.category for h in evaluate(PACK, INFO, unnamed)} == {"missing_identification"}


def test_a_garbled_staff_number_or_name_before_asking_for_the_customer_identifies() -> None:
    # 工号五二七 heard as 宫后午二七: digits heard as their homophones, one still a digit
    number = [
        Segment(
            "agent", 0.0, 5.0, "您好，这里是安信资产管理公司。我是调解员动凯，宫后午二七，请问是康明先生吗？"
        )
    ]
    assert evaluate(PACK, INFO, number) == []
    # the agent's name, however heard, right before 请问是…
    name = [
        Segment("agent", 0.0, 5.0, "您好，这里是安信消费金融贷后中心。我是贷后部的佐明，请问是岳海峰先生吗？")
    ]
    assert evaluate(PACK, INFO, name) == []
    # a title then the name, the staff number heard on the other channel (贷后专员谭芳 as 戴后专员谈)
    title = [Segment("agent", 0.0, 5.0, "这里是何风土会，我是戴后专员谈")]
    assert evaluate(PACK, INFO, title) == []
    # 调解员赵敏 heard as 调解原罩名
    mediator = [
        Segment("agent", 0.0, 5.0, "这里是瑞丰小额贷款有限公司，我是调解原罩名，请问是李国强先生吗？")
    ]
    assert evaluate(PACK, INFO, mediator) == []
    # the organisation's kind heard alike (资产管理 as 粹产管理; 信息咨询 as 信息自行)
    for opening in (
        "您好，最纯粹产管理的言理，公号六七零三，请问是包志刚吗？",
        "你好，得盛信息自行的侯文杰，公后九三五。",
    ):
        assert evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)]) == [], opening
    # 「我是<机构>的<姓名>」 with the name heard beyond recognition (北辰信融贷后服务部的聂雨), and 工号 as 估候
    for opening in (
        "我是北全系融贷后服务服务的念忆。",
        "我是对风险用管理公司的退休年工学，估候9246请问是徐先生吗？",
        "喂,你好,我是天恒消费金泳的戴后专研名套,功后武其次三",  # 贷后专员宁涛，工号五七四三
    ):
        assert evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)]) == [], opening
    # ... but a title alone, or a place's, names no agent
    for opening in (
        "您好，这里是恒信金融的客服，请问是张先生吗？",
        "您好，我是客服中心的，您的账单逾期了。",
        "我是恒信金融公司的催收员。",
        "我是恒信金融公司的工作人员。",
    ):
        assert {h.category for h in evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)])} == {
            "missing_identification"
        }, opening
    # the bank's 我行 reads wǒ xíng as 我姓 does, and names no agent
    ours = [
        Segment("agent", 0.0, 5.0, "您好，这里是丰源农商银行贷后服务中心，请问是周福生先生吗？"),
        Segment("agent", 8.0, 12.0, "周先生，您在我行办的农户贷款已经逾期二十一天了。"),
    ]
    assert {h.category for h in evaluate(PACK, INFO, ours)} == {"missing_identification"}
    # ... while 我姓 heard as 我信 still names the agent
    heard = [Segment("agent", 0.0, 5.0, "您好，这里是恒信消费金融，我信方，请问是周先生吗？")]
    assert evaluate(PACK, INFO, heard) == []
    # a staff number read digit by digit, written with hyphens; a name after a bare 叫
    for opening in (
        "你好,我是一集分期的工作人员,叫梁红,高后5-3-8,请问是钱芳老师吗?",
        "您好，我是易机分期的工作人员，叫梁宏，请问是钱芳老师吗？",
    ):
        assert evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)]) == [], opening
    # 以后 before a date is no staff number
    later = [Segment("agent", 0.0, 5.0, "您好，这里是安信消费金融，以后午九点前还款。")]
    assert {h.category for h in evaluate(PACK, INFO, later)} == {"missing_identification"}


def cut_in_two(first: str, second: str) -> list[Segment]:
    """The opening, then one agent sentence the speech model cut into two segments."""
    return [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("agent", 24.31, 27.69, first),
        Segment("agent", 27.69, 30.39, second),
    ]


def test_a_complaint_read_back_across_a_cut_sentence_is_no_violation() -> None:
    """The speech model cut 「您投诉上周有位同事骂您老赖，还说要告诉您单位」 in two: the second part is
    still the complaint read back."""
    assert evaluate(PACK, INFO, cut_in_two("您投诉上周有位同事在电话里骂您", "还说要告诉您单位，对吗")) == []
    threat = cut_in_two("你再不还钱", "我就告诉你单位")
    assert {h.category for h in evaluate(PACK, INFO, threat)} == {"third_party_disclosure"}


def test_an_alternative_to_a_negated_clause_cut_off_before_it_is_negated() -> None:
    assert evaluate(PACK, INFO, cut_in_two("我们也不会因为这个就天天给您打电话", "或者去找您的家里人")) == []
    threat = cut_in_two("你要是再拖着", "或者我们直接去找你的家里人")
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, threat)}


def test_a_warning_cut_after_half_a_second_pause_stays_a_warning() -> None:
    """「以后要是有人打电话说是我们公司的，让您把钱转到个人卡或者个人微信上，那一定是骗子」, the speech model
    cutting it after the first clause with half a second between; after a pause between sentences
    the instruction stands alone."""

    def said(gap: float) -> set[str]:
        segments = [
            Segment("agent", 0.0, 5.0, OPENING),
            Segment("agent", 94.37, 97.53, "以后要是有人打电话说是我们公司的"),
            Segment("agent", 97.53 + gap, 101.47, "让您把钱转到个人卡或者个人微信上"),
        ]
        return keyword_categories(segments)

    assert said(0.5) == set()
    assert said(1.5) == {"improper_repayment"}


def test_a_negated_clause_cut_inside_stays_negated() -> None:
    """「我们不会以公安、法院的名义联系您」 cut after 公安 with no mark: the rest is still refused."""
    assert evaluate(PACK, INFO, cut_in_two("我们公司也一样，不会以公安", "法院的名义联系您")) == []
    posed = cut_in_two("您再不处理", "法院的名义就要发传票了，我是法院执行庭的")
    assert "impersonation" in {h.category for h in evaluate(PACK, INFO, posed)}


def test_a_negator_before_a_disposal_negates_all_of_it() -> None:
    """不能把… negates the whole 把-clause, however long its object; a condition coming between
    (你不把钱还了，我们就把…) does not."""
    assert said_after_opening("按规定我们也不能把您的欠款情况告诉您的亲戚朋友或者发到网上。") == set()
    threat = "你不把钱还了，我们就把你欠钱的事发到网上。"
    assert said_after_opening(threat) == {"third_party_disclosure"}


def test_a_negated_list_cut_inside_is_negated() -> None:
    """The cut fell inside a list of accounts (往私人支付宝、银行卡或者个人微信里打钱; 往 heard 网)."""
    for head in ("公司规定不能叫您往私人支付宝", "公司规定不能叫您网私人支付宝"):
        assert evaluate(PACK, INFO, cut_in_two(head, "银行卡或者个人微信里打钱")) == []
    pushed = cut_in_two("您今天先处理一下", "银行卡或者个人微信都行，打给我")
    assert "improper_repayment" in {h.category for h in evaluate(PACK, INFO, pushed)}


def test_a_negated_list_cut_inside_stays_negated_for_the_text_model() -> None:
    """The list's second part alone reads as an instruction to the text model (微信或者个人银行卡里转钱;
    里 heard 利): read on past its 或者, it is still under the refusal cut off before it."""
    for second in ("微信或者个人银行卡里转钱，系统里也没收到您这笔钱。", "微信或者个人银行卡利转钱。"):
        assert evaluate(PACK, INFO, cut_in_two("我们从来不会让客户往个人支付宝，", second)) == []
    pushed = cut_in_two("您今天先处理一下，", "微信或者个人银行卡里转钱都行。")
    assert "improper_repayment" in {h.category for h in evaluate(PACK, INFO, pushed)}


def test_what_the_law_provides_across_a_cut_sentence_is_no_violation() -> None:
    """「判决后不履行，法院可以依法把您列为失信被执行人，限制高消费」 cut after a comma: the next segment
    still says what the court may do; the same words after a sentence's end are a claim of their own."""

    def agent_says(*parts: tuple[float, float, str]) -> list[Segment]:
        return [Segment("agent", 0.0, 5.0, OPENING), *(Segment("agent", a, b, text) for a, b, text in parts)]

    def said(first: str, second: str) -> set[str]:
        cut = agent_says((20.0, 23.0, first), (23.5, 26.0, second))
        return {h.category for h in evaluate(PACK, INFO, cut)}

    lawful = "判决后仍不履行，法院可以依法把您列为失信被执行人，"
    assert said(lawful, "限制高消费，坐不了飞机。") == set()
    # ... over three segments: 「判决生效后您仍不履行的」「银行可以申请强制执行」「比如冻结您名下的存款」
    three = agent_says(
        (20.0, 22.5, "判决生效后您仍不履行的"),
        (22.5, 24.8, "银行可以申请强制执行"),
        (24.8, 27.0, "比如冻结您名下的存款"),
    )
    assert evaluate(PACK, INFO, three) == []
    assert {h.category for h in evaluate(PACK, INFO, [three[0], *three[2:]])} == {"false_legal_claim"}
    assert said("您再不还，", "明天就限制高消费，坐不了飞机。") == {"false_legal_claim"}
    # a judgment not carried out, heard garbled (法院判决后还不履行的 as 法院判结后还不理行的)
    assert evaluate(PACK, INFO, cut_in_two("法院判结后还不理行的", "可能会被列入失信名单")) == []
    # an example of what the law provides, cut off after a pause longer than a cut sentence's
    example = agent_says(
        (72.8, 75.9, "只有被法院列为失信被执行人以后"),
        (75.9, 77.7, "还会限制高消费"),
        (78.1, 79.5, "比如不能坐飞机"),
    )
    assert evaluate(PACK, INFO, example) == []
    assert said(lawful.rstrip("，") + "。", "你全家都限制高消费。") == {"false_legal_claim"}


def test_a_warning_disavowed_across_a_cut_sentence_is_no_violation() -> None:
    """「谁让您往个人账户里转钱的，一律拒绝」 cut in two: the refusal in the next segment still disavows;
    a new sentence, or a pause as between turns, does not carry it back."""

    def said(first: str, second: str, gap: float = 0.0) -> set[str]:
        cut = [
            Segment("agent", 0.0, 5.0, OPENING),
            Segment("agent", 20.0, 23.0, first),
            Segment("agent", 23.0 + gap, 26.0 + gap, second),
        ]
        return {h.category for h in evaluate(PACK, INFO, cut)}

    assert said("谁让您往个人账户里转钱的", "一律拒绝") == set()
    assert said("如果有人打电话让您把钱转到个人账户", "一定不要转") == set()
    assert said("您转到我个人账户。", "一律拒绝别人") == {"improper_repayment"}
    assert said("谁让您往个人账户里转钱的", "一律拒绝", gap=2.0) == {"improper_repayment"}
    # a segment ending in a comma runs on after a short pause (the speaker drew breath mid-sentence)
    assert said("任何自称我们员工的让您转到私人微信，", "都别相信", gap=0.55) == set()
    assert said("任何自称我们员工的让您转到私人微信", "都别相信", gap=0.55) == {"improper_repayment"}


def test_an_organisation_with_customer_service_heard_as_its_homophone_identifies() -> None:
    """「我是<机构>的客服代表」 with 客服 heard as 科福 and the organisation garbled still names one."""
    for opening in (
        "您好，我是康和伊良分析的科福代表，我叫蒋晨，工号五一三。",
        "您好，我是齐成汽车金泳的科福，工号四零三六。",
    ):
        segments = [Segment("agent", 0.0, 5.0, opening)]
        assert evaluate(PACK, INFO, segments) == [], opening


def test_an_organisation_heard_beyond_recognition_identifies_before_the_agents_name() -> None:
    """The clause said just before 「我叫…」 or the staff number names the organisation, whatever the speech
    model made of it (麦田信息咨询 heard as 卖田径西资刑)."""
    for opening in (
        "台红美女是您好，这里是卖田径西资刑，我叫丹利伟，工号二八六七。",
        "如见伪先生吗？为民信息资讯，我是念长青，工号八一五七。",
        "您好，路到自产管理，我姓克，工号三三七五，找一下徒国强先生。",
    ):
        assert evaluate(PACK, INFO, [Segment("agent", 0.0, 5.0, opening)]) == [], opening
    # ... and so is a segment of its own that ends in the organisation's kind, the opening cut after it
    cut = ["李明辉先生您好", "新年小乐贷款", "我是邮件金", "高号九二四六"]
    assert evaluate(PACK, INFO, [Segment("agent", k, k + 1.0, t) for k, t in enumerate(cut)]) == []
    # a greeting, the customer's name or talk of the debt before the name is no organisation
    for opening in (
        "请问是张建国先生吗，我叫王磊，工号二二三一。",
        "不好意思打扰您了，我叫王磊，工号二二三一。",
        "你欠的那笔还没还呢，我是王磊，工号二二三一。",
        "我是负责您账户的，工号二九零四。",
    ):
        assert opening_categories(opening) == {"missing_identification"}, opening


def test_the_customer_asked_for_or_the_debt_named_is_no_identification() -> None:
    """A 是 heard in a word ending a clause or in 时候, the customer's given name asked for (是李晓燕吗, 晓燕
    sounding like an agent's 小X), someone else's company and the debt named after 我这边是 identify no
    organisation."""
    for opening in (
        "喂，是李晓燕吗？我这边是跟您说一下那笔分期的事，你买的那台电视，分期已经逾期两期了。",
        "喂，请问是王先生吧，您那张信用卡上个月的账单还没处理。",
        "这是您的信用卡账单，逾期二十天了，我是小刘。",
        # a time, someone else's company, 管你 heard like 管理
        "你们什么时候公司发工资？我是小刘。",
        "工资拖欠是你们公司的事，我是小刘。",
        "我这边是管你那笔借款账单的，我是小刘。",
    ):
        assert opening_categories(opening) == {"missing_identification"}, opening


def test_a_lenders_name_heard_with_an_authoritys_character_is_no_impersonation() -> None:
    """锦程消费金融 heard as 警程交给金融: its 警 is no 警察."""
    opening = [Segment("agent", 0.0, 5.0, "您好，我是警程交给金融的，我是客服小冯，工号二一七三。")]
    assert evaluate(PACK, INFO, opening) == []


def test_a_staff_number_or_title_heard_garbled_identifies() -> None:
    """工号 heard as Latin letters before its digits, 专员 heard as 征员 before the agent's name."""
    for opening in (
        ["我是天城教肺金融的客户服务征员高峰，", "GOOHOL 2339，请问是罗建华先生吗？"],
        ["您好，这里是安信资产管理公司，", "GONGHAO 5120，请问是刘强先生吗？"],
    ):
        segments = [Segment("agent", k * 3.0, k * 3.0 + 3.0, t) for k, t in enumerate(opening)]
        assert evaluate(PACK, INFO, segments) == [], opening
    # an amount after Latin letters is no staff number
    amount = [Segment("agent", 0.0, 5.0, "您好，这里是安信资产管理公司，APP 3000元请尽快还。")]
    assert {h.category for h in evaluate(PACK, INFO, amount)} == {"missing_identification"}


@pytest.mark.parametrize("sentence", EVERYDAY_SOUND_ALIKES)
def test_short_keywords_count_only_as_written(sentence: str) -> None:
    segments = [Segment("agent", 0.0, 5.0, OPENING), Segment("agent", 6.0, 10.0, sentence)]
    assert {h.rule_id for h in evaluate(KEYWORD_RULES, INFO, segments)} == set()


def test_the_speaker_borrowing_himself_on_a_one_track_call_is_no_instruction() -> None:
    said = [
        Segment("unknown", 0.0, 5.0, OPENING),
        Segment("unknown", 6.0, 9.0, "那我只能明天去借点钱先凑上。"),
    ]
    assert keyword_categories(said, CallContext(one_track=True)) == set()
    told = [Segment("unknown", 0.0, 5.0, OPENING), Segment("unknown", 6.0, 9.0, "那您明天去借点钱先凑上。")]
    assert keyword_categories(told, CallContext(one_track=True)) == {"improper_repayment"}


def test_a_relative_may_hear_the_lenders_name_and_the_debtor_called_to_the_phone_may_hear_the_debt() -> None:
    call = [
        Segment("agent", 0.0, 5.0, "您好，我是瑞丰小额贷款公司的客服小周，工号三三八一，请问是王强先生吗？"),
        Segment("customer", 6.0, 8.0, "我是他妈妈，他在睡觉。"),
        Segment("agent", 9.0, 13.0, "阿姨，麻烦让他打瑞丰小额贷款的官方客服电话，我们只能跟他本人说。"),
        Segment("customer", 14.0, 16.0, "老王，电话，找你的。"),
        Segment("customer", 17.0, 18.0, "喂，谁啊？"),
        Segment("agent", 19.0, 23.0, "王先生您好，您那笔借款已经逾期二十天了。"),
    ]
    assert keyword_categories(call) == set()
    told = [*call[:3], Segment("agent", 14.0, 18.0, "他那笔借款已经逾期二十天了，您催催他。")]
    assert "third_party_disclosure" in keyword_categories(told)


def test_a_lists_last_items_after_a_plain_comma_stay_under_its_warning() -> None:
    """「任何人叫您把钱转到私人银行卡、个人微信或者支付宝」 with the list's comma heard as a plain one."""
    said = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("agent", 6.0, 9.0, "任何人叫您转到私人银行卡，个人微信或者支付宝。"),
    ]
    assert keyword_categories(said) == set()
    told = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("agent", 6.0, 9.0, "您今天就转过来，个人微信或者支付宝。"),
    ]
    assert keyword_categories(told) == {"improper_repayment"}


def test_the_debtor_asking_whether_it_is_a_wrong_number_is_no_third_party() -> None:
    call = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("customer", 6.0, 9.0, "我就是赵敏，你们是不是打错了？"),
        Segment("agent", 10.0, 14.0, "系统里这笔分期每期三百元，已经逾期两个月了。"),
    ]
    assert keyword_categories(call) == set()
    wrong = [*call[:1], Segment("customer", 6.0, 9.0, "你们打错了。"), call[2]]
    assert keyword_categories(wrong) == {"third_party_disclosure"}


def test_an_addition_to_a_lawful_sentence_the_speech_model_closed_stays_lawful() -> None:
    """「…法院可以依法冻结您名下的存款。」「也可能把您列入失信被执行人名单。」: the second segment adds to
    the first after a pause the speech model closed with a period; after a sentence that is no lawful
    statement, or after a pause as between turns, the same words are a claim of their own."""

    def said(first: str, gap: float) -> set[str]:
        cut = [
            Segment("agent", 0.0, 5.0, OPENING),
            Segment("agent", 20.0, 24.0, first),
            Segment("agent", 24.0 + gap, 27.0 + gap, "也可能把您列入失信被执行人名单。"),
        ]
        return keyword_categories(cut)

    lawful = "判决生效后还不履行的，法院可以依法冻结您名下的存款。"
    assert said(lawful, 0.8) == set()
    assert said(lawful, 2.5) == {"false_legal_claim"}
    assert said("您这笔钱再拖下去。", 0.8) == {"false_legal_claim"}


def test_the_phone_answered_for_the_debtor_is_no_debt_told() -> None:
    """接了 (answered) sounds like 借了 (borrowed)."""
    call = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("customer", 6.0, 9.0, "我是他同事，他手机落在我桌上了。"),
        Segment("agent", 10.0, 14.0, "是您顺手帮他接了，那麻烦您转告他回个电话。"),
    ]
    assert keyword_categories(call) == set()
    told = [*call[:2], Segment("agent", 10.0, 14.0, "他在我们这借了三万块，您让他赶紧处理。")]
    assert "third_party_disclosure" in keyword_categories(told)


def test_an_agent_of_a_law_firm_identifies_but_a_lawyer_claimed_or_listed_is_told_apart() -> None:
    """A law firm's staff naming their post is no lawyer posed as; 「我是…的王律师」 still is one; an
    authority in a list (有人打着律师或者法院的名义, 这里是 heard in 这历史) names nobody as the caller."""

    said = said_after_opening
    assert said("我是金诚律师事务所的工作人员赵琳，我们受安信消费金融公司委托。") == set()
    assert said("我是金诚律师事务所的赵律师，您这个案子在我手上。") == {"impersonation"}
    assert said("我本人就是律所的执业律师，这个案子已经转到我手上了。") == {"impersonation"}
    assert said("如果有人打着这历史或者法院的名义找您收钱，一定先核实。") == set()
    assert said("这里是法院，找您核实一下案子。") == {"impersonation"}


def test_a_customers_complaint_read_back_is_no_insult() -> None:
    said = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("agent", 6.0, 12.0, "记录上写的时候，客户反应上次有人言语不当，说他是老赖。"),
    ]
    assert keyword_categories(said) == set()
    insult = [*said[:1], Segment("agent", 6.0, 12.0, "记录上写的时候，你就是个老赖。")]
    assert keyword_categories(insult) == {"abuse"}


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        # the police sent after the debtor in words no keyword lists, the 而是 after a 不是 affirmed
        ("到时候是派出所来找你，不是我。", "false_legal_claim"),
        ("再这么拖下去，就不是我们来找您，而是派出所上门找您了。", "false_legal_claim"),
        # the way home watched
        ("您闺女每天放学一个人走回家，那条路挺偏的。", "threat"),
        ("您哪天下班晚了在路上出点什么状况，可别说没人提醒过您。", "threat"),
        # the debt talked over with someone else; an online lender to borrow from, heard garbled
        ("要不我打过去跟他聊聊您这笔账，看他能不能先帮您垫上。", "third_party_disclosure"),
        ("或者找个网贷品牌建议比，把我们这八千一次清掉。", "improper_repayment"),
        # shame cast on the family
        ("活这么大岁数还学不会说话算话，真替你爹妈丢人。", "abuse"),
    ],
)
def test_paraphrases_the_keyword_lists_missed_are_found(sentence: str, category: str) -> None:
    assert said_after_opening(sentence) == {category}


@pytest.mark.parametrize(
    "sentence",
    [
        "您别担心，这是民事纠纷，也不会有警察来找您。",
        "银行不会叫警察去抓您。",
        "要是有人冒充警察上门找您，您直接报警。",
        "好的，路上注意安全，再见。",
        "路上慢点，别出什么意外。",
        "您可以跟他们聊聊您的情况，看能不能申请分期。",
        "我不建议您去网贷平台借新的来填旧的，那样利息只会更重。",
    ],
)
def test_their_lawful_neighbours_are_not(sentence: str) -> None:
    assert said_after_opening(sentence) == set()


def test_cash_handed_to_a_collector_is_found_heard_garbled() -> None:
    def said(sentence: str) -> set[str]:
        segments = [Segment("agent", 0.0, 5.0, OPENING), Segment("agent", 6.0, 10.0, sentence)]
        return keyword_categories(segments)

    assert said("您把三千块现金交给他就行。") == {"improper_repayment"}
    assert said("您把三千块线金直接交到他手上就行。") == {"improper_repayment"}  # 现金 heard 线金
    assert said("我们的人不会上门，您千万别把现金交给他。") == set()


def test_leaving_the_customer_to_choose_how_to_pay_is_no_threat() -> None:
    call = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("customer", 6.0, 8.0, "我现在真没这么多钱，能不能分期？"),
        Segment("agent", 9.0, 12.0, "分期要提交申请，审核时间比较长。"),
        Segment("customer", 13.0, 15.0, "那我也没办法了。"),
        Segment("agent", 16.0, 19.0, "那您自己再考虑考虑，看哪种方式合适？"),
    ]
    assert evaluate(PACK, INFO, call) == []


@pytest.mark.parametrize(
    "said",
    [
        # a nickname before the debt named names no organisation (那笔 heard 那比 too)
        "喂，王丽是吧，我是小刘啊，你那笔分期这个月又没处理啊。",
        "喂，王丽是吧，我是小柳啊，你那比分期这个月又没处理啊。",
        # 「我是负责你那笔欠款的催收」 names neither an organisation nor the agent (催收 is no name)
        "喂，我是负责你那笔欠款的催收，你打算什么时候还？",
        "喂，我是跟进您这笔账的催收，今天能处理吗？",
    ],
)
def test_a_nickname_or_the_debt_handled_is_no_identification(said: str) -> None:
    assert keyword_categories([Segment("agent", 0.0, 5.0, said)]) == {"missing_identification"}


def test_an_organisation_garbled_before_its_collectors_title_identifies() -> None:
    # the organisation's name garbled before its collector's title (催收专员 heard 崔收征颜) still names one
    garbled = [
        Segment("agent", 0.0, 5.0, "您好，我是恒达安斯产的崔收征颜送涛，公号七二零五，请问是王先生吗？")
    ]
    assert keyword_categories(garbled) == set()


def test_a_relative_who_offers_to_pay_may_hear_the_official_channel_but_not_the_sum() -> None:
    """「他欠多少，我来还」: the daughter knows of the debt, so the official channel in the father's name is
    no disclosure; the sum still is one, and a relative who only asks is told nothing."""
    call = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("customer", 6.0, 9.0, "我是他女儿，我爸住院了。他欠多少，我来还。"),
        Segment("agent", 10.0, 16.0, "谢谢您，钱必须进到您父亲本人名下的官方还款渠道，不能转给个人。"),
    ]
    assert keyword_categories(call) == set()
    told = [*call[:2], Segment("agent", 10.0, 16.0, "他一共欠了一万二千元，您转到官方账户就行。")]
    assert "third_party_disclosure" in keyword_categories(told)
    asked = [call[0], Segment("customer", 6.0, 9.0, "我是他女儿，我爸住院了。"), call[2]]
    assert "third_party_disclosure" in keyword_categories(asked)


def test_a_scam_warned_of_across_a_cut_sentence_is_no_instruction() -> None:
    """「以后要是有人打电话来，说是什么部门的，」「让您替儿子往个人账户里转钱，您一定先确认，别上当。」"""
    said = [
        Segment("agent", 0.0, 5.0, OPENING),
        Segment("agent", 6.0, 9.0, "以后要是有人打电话来，说是什么部门的。"),
        Segment("agent", 9.6, 14.0, "让您替儿子往个人账户里转钱，您一定先跟您儿子本人确认，别上当。"),
    ]
    assert keyword_categories(said) == set()
    told = [*said[:2], Segment("agent", 9.6, 14.0, "您替儿子往我个人账户里转钱，今天就能结清。")]
    assert keyword_categories(told) == {"improper_repayment"}


def test_a_shi_heard_inside_another_word_names_no_organisation() -> None:
    """「确实会有个空档期，那您新工作的公司…」: 实 sounds like 是, but the clause names the customer's
    employer, not the caller's organisation."""
    call = [
        Segment("agent", 0.0, 3.0, "喂，你好，是何丽娟女士吗？"),
        Segment("agent", 4.0, 8.0, "我叫刘洋，打电话是跟你说一下你那笔欠款的事。"),
        Segment("agent", 24.0, 29.0, "理解，换工作确实会有个空档期，那您新工作的公司大概什么时候能发？"),
    ]
    assert "missing_identification" in {h.category for h in evaluate(PACK, INFO, call)}
