"""Sentences only the person who answers says, by their words alone (for mono speech).

A mono recording mixes both parties as 'unknown' speech, so an agent rule also reads the answerer's
words. The speaker model (`learned/speaker.py`) gives many of them to the customer; these frames are
certain enough to need no model: a relative or colleague saying who they are (「我是他老婆」), asking
about the debtor (「她是不是欠钱了？」) or offering to pay for them (「我帮他还」), asking whether the caller
collects debts (「你们是做贷款的吧？」), and a customer asking what will happen to them (「欠钱不还是不是
要坐牢？」). An agent never says these, so an agent rule does not hold the sentence against the agent.
"""

from __future__ import annotations

import re

_KIN = (
    "妈|爸|母亲|父亲|老婆|老公|爱人|妻子|丈夫|媳妇|儿子|女儿|哥|姐|弟|妹|同事|朋友|领导|老板|室友|邻居|亲戚|"
    "家人|家属|奶奶|爷爷|外婆|姥姥|对象|舅|姑|叔|阿姨"
)
_DEBTOR = "(?:他|她)"
_HARM = "(?:被|坐牢|进去|判刑|抓|拘|影响|连累|牵连|上不了|黑名单|冻结)"
ANSWERER_ONLY = re.compile(
    # who answered: 我是他老婆 / 我是她同事
    rf"(?:我是|我系){_DEBTOR}的?(?:{_KIN})"
    # asking about the debtor: 她是不是欠钱了？ 是不是他在外面借钱了？
    rf"|(?:{_DEBTOR}是不是|是不是{_DEBTOR})[^。！？!?]{{0,12}}[了吗啊呀][？?]"
    # offering to pay for the debtor: 我帮他还 / 我替她还上 / 我帮他借点
    rf"|我(?:来|去)?(?:帮|替|给){_DEBTOR}(?:还|出|垫|给|借)"
    # asking who calls: 你们是做贷款的吧？ 是借钱的那个吧？ 是不是催债的？
    r"|(?:你们|是不是|^是)[^。！？!?]{0,6}(?:贷款|网贷|借贷|催收|催债|讨债|要债|要账|放贷|借钱)的(?:那个|那家|公司)?[吧吗啊呀？?]"
    # asking whether the debtor owes: 他欠你们钱了？
    rf"|{_DEBTOR}[^。！？!?]{{0,3}}(?:欠|借)了?你们[^。！？!?]{{0,6}}[？?]"
    # the wrong person, or nobody of that name: 打错了，我不是什么祁晓东
    r"|打错了|我不是(?:他|她|本人|你说的|你要找的|什么)|不认识(?:他|她|这个人)|没有这个人"
    # the debtor is out: 他不在，出去送货了 (not the agent's condition: 他不在的话，我们就…)
    rf"|{_DEBTOR}(?:不在|出去|没在|上班去|出门|已经走|不住这)(?![^，,。！？!?]{{0,6}}(?:的话|就|我们))"
    rf"|这不是{_DEBTOR}的"
    # the customer offering to pay the agent directly: 我直接微信转给你 / 我现在就转
    r"|(?:我|俺)[^，,。！？!?]{0,6}转(?:给|到)?(?:你|您)(?!们)|我(?:现在|马上|直接|立刻)就转"
    # ... asking for the collector's own account: 能不能直接转你微信？ 你给我个收款码
    r"|转(?:给|到)?(?:你|您)(?!们)的?(?:个人)?(?:微信|支付宝|卡|银行卡|账户|账号)|(?:你|您)(?:给|发)我(?:一?个)?(?:收款码|二维码)"
    # ... or cash to the company: 这个钱我想直接送到你们公司去，现金给你们
    r"|(?:我|俺)[^，,。！？!?]{0,8}(?:送到|送去|交到|拿到|拿去)(?:你们|您们)(?:公司|那)|现金给(?:你|您)们?"
    # ... or offering to have the debtor call back: 那你留个电话，我让他打过来
    rf"|我(?:这就|马上|待会儿?|等会儿?|回头)?(?:让|叫){_DEBTOR}(?:给(?:你|您))?(?:打|回)(?:过来|回来|电话|个电话)"
    # complaining about an earlier caller: 反正他说话很吓人
    r"|(?:他|她|那人|那个人)(?:说话|态度)(?:很|太|特别|挺|真)"
    # what someone told the customer: 他说我名下账户要冻结 / 我一个朋友说… / 网上说…
    r"|(?:他|她|对方|那人|那个人)们?还?(?:说|讲)我(?!们)"
    r"|我(?:一个|有个|的)?(?:朋友|同事|亲戚|邻居|室友|舍友|同学|老乡|工友)们?(?:都|也)?(?:说|讲|跟我说|和我说|告诉我)"
    r"|(?:网上|村里|外面|别人|大家)(?:都)?(?:有人)?(?:说|讲|传)"
    # the customer asking what happens to them: 欠钱不还是不是要坐牢？ 我会不会被抓？ (not the agent's
    # rhetorical 你不还是不是想坐牢？ or 我是不是得去你家一趟？)
    rf"|(?:^|[，,])(?:(?![你您])[^，,。！？!?]){{0,8}}(?:我|俺|不还|没还|欠钱|欠款|逾期)(?!们)[^，,。！？!?]{{0,4}}"
    rf"(?:会不会|是不是|是否)(?!想)[^，,。！？!?]{{0,6}}?{_HARM}[^。！？!?]{{0,8}}[？?]"
    # ... or, the clause opening with the question: 赌博借的钱还不上，会不会坐牢？
    rf"|(?:^|[，,])(?:会不会|是不是|是否)(?!想)[^，,。！？!?]{{0,6}}?{_HARM}[^。！？!?]{{0,8}}[？?]"
    # ... or whether they will come for them: 是不是要抓我去坐牢啊？
    r"|(?:是不是|会不会|是否)(?:要|就要|会)?(?:抓|拘|关|告|起诉)我(?!们)[^。！？!?]{0,10}[吗啊呀吧？?]"
    # ... or asking what the caller means to do: 你们是不是要去告我孙子，让他坐牢啊？ 你们会不会去法院申请把我
    # 公司账户全冻了？
    r"|(?:你们|您们)(?:是不是|会不会|要不要)要?[^。！？!?]{0,12}(?:告|起诉|抓|坐牢|上门|找|冻|封|扣|划)[^。！？!?]{0,10}"
    r"[吗啊呀吧？?]"
    # someone else reaching the customer, what the customer heard or feared: 有人加我微信 (加 heard as
    # 教 or 家), 我听人说…要坐牢, 我还以为真要被抓了, 我差点就把钱转过去了
    r"|有个?人[^，,。！？!?]{0,4}(?:[加教家佳夹]我|找我|联系我|给我打|打电话给我|打给我)"
    r"|听(?:人|别人|朋友|邻居|他们|家里人)说|吓死我了"
    rf"|我还?以为[^。！？!?]{{0,10}}{_HARM}|(?:我|俺)差点(?:就|儿)?"
    # the customer's fear for the family: 我真怕连累孩子
    r"|我(?:真|就|最|很|是|也|就是)?(?:怕|担心|害怕)(?:会)?(?:连累|影响|耽误|拖累|害了)"
    # daring or threatening the company: 有本事你们去告我，让法院把我抓走; 我要去监管局投诉，让你们吃不了
    # 兜着走;
    # 短信里不会让我转到什么个人账户吧？ 现在骗子这么多，我怎么知道你是真是假
    r"|有本事你们|把我(?:抓|关|拘|送进)|我要(?:去|到|向|打|发|找)[^。！？!?]{0,14}(?:投诉|举报|曝光)|我要(?:投诉|举报|曝光)你"
    r"|让你们(?:公司)?[^，,。！？!?]{0,6}(?:吃不了兜着走|好看|倒闭|关门|完蛋)"
    r"|不会(?:让|叫|要)我[^。！？!?]{0,12}吧[？?]|骗子(?:这么|那么|太|特别|很)多|我怎么知道(?:你|您)"
    # the relative asked to pay, the customer taken aback or asking what follows: 是不是要我们来还？
    # 你这话什么意思？ 你这么神神秘秘的，我更担心了。 那被列进去以后呢？
    r"|是不是(?:要|得|该)?(?:我|我们|俺)(?:来|去|帮他|替他|帮她|替她)?还|(?:你|您)这(?:话|是|个)?什么意思"
    r"|我(?:就)?更(?:担心|害怕|着急|慌|怕)了?"
    r"|(?:^|[，,])那?[^，,。！？!?]{0,8}(?:以后|之后)呢[？?]"
    # what the customer heard or asks about: 我听说逾期会上黑名单, 那失信名单呢？ (not 那你家里人呢？),
    # 我会被抓吗？ 那就是他借钱了？ 我能不知道吗？ 我就把今天的录音发到微博上去
    r"|(?:我|俺)也?听说|(?:^|[，,])那(?![^，,。！？!?]{0,8}(?:家|儿|女|老婆|老公|爸|妈|孩子|单位|领导|同事))"
    r"[^，,。！？!?]{1,8}呢[？?]"
    r"|(?:我|俺)(?:会|要|得)被?(?:抓|拘|关|判刑|坐牢)[^。！？!?]{0,4}吗[？?]"
    rf"|{_DEBTOR}(?:借钱|欠钱|借了|欠了)[^。！？!?]{{0,4}}[？?]|(?:我|俺)(?:能|还能)不知道"
    r"|我(?:就|要|会)?把(?:今天的|这个|这段|通话的?)?录音[^。！？!?]{0,8}(?:发|挂|传|曝光|公开)"
    # a word echoed back as a bare question: 限制高消费？我又不坐飞机
    r"|^[\u4e00-\u9fff]{2,6}[？?]$"
    # the customer's fear of the name: 告了我就成老赖了是吧？
    r"|我(?:就|不就)?(?:成|变成|算)了?老赖"
    # the customer's own plan to borrow: 我想先去别的平台借一笔，把你们这个先还上，这样行不行？ 我在想要不要去
    # 别的平台借点; 我想着要不在网上再借一笔; 我在想，要不去另外一个平台借一笔; 那我是不是先借个大额的？
    r"|(?:^|[，,])那?(?:我|俺)是不是(?:先|该|应该|得|可以)?(?:去)?(?:借|找人借)"
    r"|我[^，,。！？!?]{0,3}(?:想|考虑|琢磨|寻思)[着过]?(?:要不要|该不该|能不能|是不是)(?:先)?(?:去|找|从|跟|向|到|在)[^。！？!?]{0,12}借"
    r"|(?:我|^|[，,])(?:想着?|打算|准备|寻思)(?:要不|要不要)?(?:先|再)?(?:去|找|从|跟|向|到|在)[^。！？!?]{0,12}借"
    r"|我(?:在|还在|也在|一直在)(?:想|考虑|琢磨|寻思)[，,]?(?:要不|要不要)[^。！？!?]{0,14}借"
    # asking whether the company will come: 你们不会去我家里吧？ (and the worry after it)
    r"|(?:你们|您们)不会(?:去|来|到|上门|找|打)[^。！？!?]{0,10}吧[？?]"
    # the customer's own job, and the fear for it: 我是公务员，单位要是知道了…; 我是在区里机关上班的;
    # 我这工作就完了 (not an authority: 我是在法院上班的 would pose as one)
    r"|(?:我|俺)是(?:公务员|老师|教师|医生|大夫|护士|军人|当兵的|教书的|事业编)"
    r"|我是在(?:(?!法院|公安|检察|派出所|律师|律所|警|司法|仲裁)[^，,。！？!?]){1,10}(?:上班|工作)的"
    r"|我(?:这|的)?份?工作(?:就|可就|肯定)?(?:完|没|黄|丢|保不住)"
    # the call recorded, to be posted: 这通电话我录着音，你说的每一句话我都会发到网上去
    r"|录(?:着|了)?音[^。！？!?]{0,16}(?:发|挂|传|放)到(?:网上|微博|抖音|朋友圈)"
    r"|(?:你|您)说的(?:每一句)?话?[^。！？!?]{0,6}(?:发|挂|传|放)到(?:网上|微博|抖音|朋友圈)"
    # doubting the caller: 你们是不是骗子啊？现在骗子电话一天好几个
    r"|(?:你们|你|您)(?:是不是|不会是|该不会是|别是)骗子|骗子电话"
    # ... or the company, or whether it is one: 你们自己不就跟骗子一样吗; 你们是不是正规公司; 我要报警了
    r"|(?:你们|您们)[^，,。！？!?]{0,6}(?:跟|和|像)骗子(?:一样|似的|差不多|有什么(?:两样|区别|不同))|(?:你们|您们)是不是(?:正规|合法|正当)"
    r"|我(?:要|就|马上|现在就)(?:去)?报警"
    # asked to go somewhere: 要我跑去哪里办？ (not 要我去你家一趟吗？); judging the caller:
    # 你这个人说话还算有点良心
    r"|要我(?:跑|去|到|上)(?![^。！？!?]{0,4}你)[^。！？!?]{0,8}[？?]|(?:你|您)这个?人(?:说话)?还(?:算|挺|蛮)"
    # the debtor's defiance, or calling the company names: 老子没钱，有本事你来拿啊！ 你们就是一帮吸血鬼
    r"|(?:老子|我)(?:就是|反正|现在)?(?:没钱|没有钱|一分钱都没有)|有本事你(?!们)(?:就|来|去)"
    r"|你们(?:公司)?(?:就是|这帮|这群|一帮|一群)?[^，,。！？!?]{0,4}(?:吸血鬼|高利贷|黑社会|土匪|强盗)"
    # ... and complaining of the calls: 你们这帮王八蛋就会催
    r"|你们[^，,。！？!?]{0,8}就(?:会|知道)(?:催|打电话|要钱|逼)"
    # ... calling the company's people names: 你们公司全是一群畜生
    r"|你们(?:公司|平台|这帮|这群|这些|催收|催债|要债|讨债)[^，,。！？!?]{0,6}(?:全是|都是|就是)(?:一群|一帮|些)?"
    r"[^，,。！？!?]{0,3}(?:畜生|王八蛋|混蛋|人渣|流氓|骗子|垃圾|狗腿子|败类)"
    # ... or of being called: 你他妈烦不烦，天天打; 一天到晚打电话; 你再打一个试试
    r"|烦不烦|(?:你|你们)(?:他妈的?)?(?:天天|一天到晚|整天|成天|老是)(?:给我)?打|(?<!我)一天到晚(?:给我)?打电话"
    r"|你再打一个试试|打个(?:没完|不停)"
    # forbidding the caller to tell anyone: 我爸妈年纪大了，你要是敢让他们知道，我跟你没完
    r"|(?:你|你们)(?:要是|如果)?敢(?:让|告诉|找|去找|打给|打电话给|联系)我?的?"
    r"(?:爸|妈|家|老婆|老公|单位|领导|同事|孩子|他们|父母|朋友|亲戚)"
    # ... or begging not to: 你们可别打我爸妈电话啊
    r"|(?:你|你们)(?:可|千万|可千万)?(?:别|不要|不能)(?:打|找|告诉|联系|通知|打给|打电话给|把)[^，,。！？!?]{0,2}我的?"
    r"(?:爸|妈|家|老婆|老公|单位|领导|同事|孩子|父母|朋友|亲戚)"
    # a relative on the debtor: 这个败家子又欠了谁的钱？ 全家人都被他连累了
    r"|(?:欠|借)了?谁的钱|(?:都|全)?被(?:他|她)(?:给)?(?:连累|拖累|坑|害)|欠了一屁股|你不说我也(?:知道|猜得到|猜到|清楚)"
    # the company's people cursed: 又是你们这帮讨债鬼！ 你们干这种缺德工作
    r"|(?:你们|您们)(?:这帮|这群)[^，,。！？!?]{0,4}(?:鬼|蛋|狗|贼|流氓|人渣|畜生|东西)|(?:你们|您们)(?:干|做)(?:这种|这)?缺德"
    # the customer's own plan to borrow: 我周末去借点，先还两千
    r"|(?:^|[，,…])我(?:想着|想|打算|准备|寻思)?(?:周末|明天|回头|过两天|下周|这两天|月底)?(?:就|先|再)?"
    r"(?:去|找人|找朋友|找亲戚|跟朋友|向朋友)(?:别的平台|别家|网上)?借"
    # ... or to pay by card: 我打算刷信用卡还; 我打算用另一张卡套个现出来，先把你们这张还上
    r"|我(?:打算|准备|寻思|想着|想先|想)(?:先|就|再)?(?:用|拿|去)?(?:(?![您你别不])[^，,。！？!?]){0,5}(?:刷信用卡|刷卡|套个?现)"
    r"(?![^，,。！？!?]{0,3}(?:的话|行不行|可以吗|行吗))"
    # ... from the customer's own family or friends: 我准备找我哥借点; 我娘家说可以先借我一点
    r"|(?:找|跟|向|问)我(?:的)?(?:哥|姐|弟|妹|爸|妈|父母|家里|娘家|朋友|同学|同事|亲戚|老公|老婆|对象)[^，,。！？!?]{0,3}借"
    r"|先?借(?:给)?我(?:一点|点|一些|些|[一二两三四五六七八九十几]+[千万百])"
    # the customer asking what befalls them: 我是不是已经被拉进黑名单了？
    r"|^我是不是(?:已经|就|也)?(?:被|要被|会被|要坐牢)"
    # asking whether the caller is an authority: 你是派出所的吗？
    r"|(?:你|您|你们)是(?:不是)?[^，,。！？!?]{0,6}(?:派出所|公安|警察|法院|律师|律所|检察院)的?人?[吗啊呀吧]"
    # the one who answers, confirming it is them, then busy or the victim of a theft: 是我，但我现在在派出所
    r"|^(?:对|嗯|是的?)?[，,]?是我[，,]|被(?:偷|骗|抢)了|做笔录"
)
# The agent addressing the customer by surname and title at the head of a sentence (许先生，今天…): a
# customer does not open that way, whatever the speaker model reads in the rest.
# Nor does a customer open a sentence speaking as an authority (我是市公安局经侦大队的, 是 heard as 试):
# that is how a collector poses as one, however much the rest reads like a customer's own job.
AGENT_ONLY = re.compile(
    r"^[\u4e00-\u9fff]{1,2}(?:先生|女士|小姐|总|老师)[，,]"
    r"|^(?:我|我们|本人)就?(?:[是试事市式适]|在|这里是|这边是)[^，,。！？!?]{0,8}"
    r"(?:公安|派出所|检察|法院|经侦|刑侦|执行局|律师事务所|律所|司法局|仲裁)"
)
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_OUTBURST = 3  # characters


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    stop = _SENTENCE_END.search(text, max(end, begin))
    return begin, stop.end() if stop else len(text)


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding original characters [start, end) (its end mark kept)."""
    begin, stop = _sentence_span(text, start, end)
    return text[begin:stop]


def answerers_words(text: str, start: int, end: int) -> bool:
    """Whether characters [start, end) of `text` lie in a sentence only the answerer would say, in
    one right after such a question in the same segment (我欠钱会不会影响我儿子？他以后想考公务员。),
    or in an outburst of a word or two right before such a sentence (滚！老子没钱，有本事你来拿啊！)."""
    begin, stop = _sentence_span(text, start, end)
    if ANSWERER_ONLY.search(text[begin:stop]):
        return True
    outburst = len(text[begin:stop].strip("。！？!?；; ")) <= _OUTBURST
    if outburst and stop < len(text) and ANSWERER_ONLY.search(sentence_around(text, stop, stop + 1)):
        return True
    head = text[:begin].rstrip()
    if not head.endswith(("？", "?")):
        return False
    return bool(ANSWERER_ONLY.search(sentence_around(head, len(head) - 1, len(head))))


def agents_words(text: str, start: int, end: int) -> bool:
    """Whether characters [start, end) of `text` lie in a sentence only the agent would say."""
    return bool(AGENT_ONLY.search(sentence_around(text, start, end).lstrip()))
