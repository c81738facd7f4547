"""Mono speech: sentences only the answerer says are not held against the agent; the agent's are."""

from __future__ import annotations

from datetime import datetime

import pytest

from callqa.rules import CallContext, evaluate, load_default_pack
from callqa.rules.answerer import agents_words, answerers_words, sentence_around
from callqa.transcript import CallInfo, Segment

PACK = load_default_pack()
INFO = CallInfo("x", "A1", "13800000000", datetime.fromisoformat("2026-11-20T10:00:00+08:00"), 40.0)
OPENING = "您好，我是恒信消费金融的客服小周，工号三三八一，请问是李强先生吗？"


def mono(*lines: str) -> list[Segment]:
    return [Segment("unknown", 4.0 * i, 4.0 * i + 3.5, t) for i, t in enumerate((OPENING, *lines))]


@pytest.mark.parametrize(
    "sentence",
    [
        "我是他姐姐，他出去送货了。",
        "你们是放贷的吧？他是不是又在外面借钱了？",
        "要是他欠了你们多少，我替他还上。",
        "我会不会因为这个被抓啊？",
        "逾期不还是不是要判刑？",
        "他们说我名下的卡都要冻结。",
        "我同事说欠网贷孩子就上不了学。",
        "是放贷的那家吧？你们找她干嘛？",
        "你找他干嘛，他欠你们钱了？",
        "打错了，我不是什么王强。",
        "你把卡号给我，我马上微信转给你。",
        "上回那个人态度太差了。",
        "昨天有人加我微信，说能帮我延期。",
        "有个人教我微信，说能帮我办延期。",  # 加 heard as 教
        "我朋友们都说，你们这种公司最后会爆通讯录。",
        "我就怕影响孩子以后考学。",
        "钱我凑齐了，可以直接转您支付宝吗？",
        "麻烦你发我个收款码。",
        "我一直没顾上，是不是要抓我去坐牢啊？",
        "我也考虑过该不该找网贷借一笔，先把这期填上。",
        "那我是不是应该借一笔大的，把零碎的都结清？",
        "这钱当初是网上借来炒股的，现在还不上，会不会被判刑？",
        "你们是不是要去银行把我的工资卡封了？",
        "要不我帮他借点，先把这期还上。",
        "我明天把钱拿到你们公司那边去行不行？",
        "我这就叫她给你回个电话。",
        "你们天天这样催和骗子有什么两样？",
        "你们是不是正规的？我现在就去报警。",
        "有本事你们就去法院告我。",
        "我要打金融监管局的电话投诉你们。",
        "我一定要让你们公司吃不了兜着走！",
        "你们不会叫我往什么私人卡上打钱吧？",
        "骗子那么多，我怎么知道您是不是真的？",
        "我听别人说欠信用卡要判刑。",
        "我还以为你们要来抓我了。",
        "我差点就上当了。",
        "你们是不是要去法院告我爸？",
        "他不在，出去送货了。",
        "他那张卡欠了多少我也不清楚，是不是要我们来还？",
        "你这话什么意思？我都说了会还的。",
        "你这么神神秘秘的，我更担心了。",
        "那被列进去以后呢？",
        "村里有人说父母上了黑名单，孩子就不能上好学校。",
        "我想先去别的平台借一笔，把你们这个先还上，这样行不行？",
        "我想着要不从信用卡里再借一笔，先把这期堵上。",
        "我在想，要不去另外一个平台借一笔，先把你们几家清了。",
        "可我听说逾期了以后会上黑名单，坐不了飞机高铁？",
        "那失信名单呢？我邻居就被列进去了。",
        "那这样的话我会被抓吗？",
        "小贷？那就是他借钱了？借了多少？",
        "你这人咋这么磨叽呢，我能不知道吗？",
        "要是你们到时候不认账，我就把今天的录音发到微博上去。",
        "限制高消费？",
        "我舍友说可以先在别的平台借一笔，把你们这个还了，是不是也行？",
        "你们不会去我单位吧？",
        "我是老师，学校要是知道了我就完了。",
        "我是在县里事业单位上班的，你们千万别打到单位。",
        "这电话我录了音，你们说的话我全都会发到网上。",
        "你该不会是骗子吧？",
        "要我跑到哪儿去签字？",
        "您这个人还挺讲理的。",
        "我打算在网上借点钱，把你们这个先填上。",
        "我手头真没钱，准备找朋友借点钱先把这期补上。",
        "昨天有人家我微信，说交钱就能帮我停息。",  # 加 heard as 家
        "老子没钱，有本事你来拿啊！",
        "商量个屁，你们就是一帮吸血鬼，王八蛋。",
        "限制个屁，你们这帮王八蛋就会催，人死了你们也照样打。",
        "你们平台里都是一群骗子，我凭什么还？",
        "烦不烦啊，说了发工资就还。",
        "你们一天到晚打，还让不让人上班了？",
        "你要是敢告诉我单位，我就去告你们。",
        "是我，我在医院陪床呢，你快点说。",
        "我手机昨天被偷了，刚去派出所做完笔录。",
        "你这个什么意思？",
        "这个不争气的东西又欠了谁的钱？",
        "一大家子都被他拖累了。",
        "你们这群讨债鬼，早晚遭报应。",
        "我下周找朋友借点，先还一部分。",
        "你们是不是法院的人啊？",
        "我打算问我姐借一点，先把这个月的补上。",
        "我婆家说能先借我两千。",
        "我是不是要被列进失信名单了？",
        "我想着再去别的平台借一笔，先把你们这边填上。",
        "你不说我也猜得到，他在外面欠了一屁股债。",
        "我打算刷信用卡还，或者找我发小借一点。",
        "我准备拿另一张卡套个现出来，先把你们这张还上。",
        "你们可别打我爸妈电话啊，他们岁数大了。",
    ],
)
def test_answerers_sentences_are_recognised(sentence: str) -> None:
    assert answerers_words(sentence, 0, len(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "你老公在我们这借了八千块，一直不还。",
        "你是不是想坐牢？",
        "我跟他说了，你再不还就去你家。",
        "你再不还，我们就告诉你们领导。",
        "你直接微信转给我，我帮你销账。",
        "你不还是不是想坐牢？",
        "我是不是得去你家一趟？",
        "你这样欠钱不还，是不是想让你孩子上不了学？",
        "他欠了我们三万块，你是他家人得管管。",
        "我要跟您核实一下投诉的内容。",
        "您让他回个电话给我们。",
        "你不还钱，我们就把你抓起来。",
        "我怕你不知道后果，你家里人迟早都会知道。",
        "你以后再拖，我们就找你家里人。",
        "他欠的钱，你们家里人得替他还。",
        "你先去别的平台借一笔，把我们这个还上。",
        "他不在的话，我们就去他单位找他。",
        "那你家里人呢？他们也不管你？",
        "我就把你欠钱的事发到微博上去。",
        "我是在市法院执行局工作的，你这个案子归我管。",
        "要我去你家一趟吗？",
        "你就是个骗子，借钱不还。",
        "你刷信用卡还，今天就能到账。",
        "我想提醒您别刷信用卡套现。",
        "你别以为我们不会打你爸妈的电话。",
        "你们一家子都是骗子，借钱不还。",
        "我们天天打你电话你都不接。",
        "你要是敢不接电话，我们就去你家。",
        "你借了钱就去别处借来还我们。",
        "只要你今天还，我保证你不会被抓。",
    ],
)
def test_agents_sentences_are_not(sentence: str) -> None:
    assert not answerers_words(sentence, 0, len(sentence))


def test_the_sentence_after_an_answerers_question_is_the_answerers() -> None:
    text = "我会不会因为这个被抓？我女儿明年要考研。"
    start = text.index("女儿")
    assert answerers_words(text, start, start + 2)
    statement = "我是他姐姐。他明年要考研。"  # no question before it: the next sentence may be anyone's
    assert not answerers_words(statement, statement.index("明年"), statement.index("明年") + 2)


def test_sentence_around_takes_the_sentence_of_the_span() -> None:
    text = "我是他老婆，他在洗澡。你们找他干嘛？"
    start = text.index("干嘛")
    assert sentence_around(text, start, start + 2) == "你们找他干嘛？"
    assert sentence_around(text, 0, 2) == "我是他老婆，他在洗澡。"


def test_a_relative_asking_about_the_debt_is_no_disclosure_on_mono() -> None:
    segments = mono(
        "我是他老婆，他在洗澡。你们是做贷款的吧？他是不是又借钱了？",
        "不好意思，我们只能跟他本人沟通，麻烦您让他回个电话。",
    )
    assert {h.category for h in evaluate(PACK, INFO, segments)} == set()


def test_the_agent_telling_the_relative_is_still_a_disclosure_on_mono() -> None:
    segments = mono(
        "我是他老婆，他在洗澡。你们是做贷款的吧？他是不是又借钱了？",
        "对，他在我们这欠款两万块，逾期三个月了，您让他赶紧还。",
    )
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, segments)}


def test_speaking_as_an_authority_is_the_agents() -> None:
    said = "我是市公安局经侦大队的，你涉嫌恶意透支，已经立案了。"
    assert agents_words(said, 2, 5)
    assert agents_words(
        "我试试公安及金监大队等,你涉嫌物义偷征,已经立案了。", 2, 5
    )  # as the speech model heard it
    assert not agents_words("我是开出租的，一天挣不了几个钱。", 0, 2)


def test_the_agent_addressing_the_customer_by_title_is_the_agents() -> None:
    said = "许先生，今天不给个准日子，我就直接打给您爱人。"
    assert agents_words(said, 10, 15)
    assert not agents_words("我就直接打给你爱人。", 0, 5)
    segments = mono("是我，怎么了？", said)
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, segments)}


def test_a_relative_saying_the_debtor_died_may_hear_of_the_estates_debt() -> None:
    """The heir answers for the estate: once the relative says the debtor died, talk of the debt is no
    disclosure; a relative saying only that the debtor is out still hears nothing."""
    died = mono(
        "我是他女儿。我爸他上个月走了，家里收到好多短信。",
        "请您节哀。依照法律，继承人只在继承遗产的范围内清偿欠款，您不需要拿自己的钱来还。",
    )
    assert {h.category for h in evaluate(PACK, INFO, died)} == set()
    out = mono(
        "我是他女儿。我爸他出去了，家里收到好多短信。",
        "您让他尽快还款，欠款已经逾期两个月了。",
    )
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, out)}


def test_a_one_track_calls_customer_sentence_given_to_the_agent_is_not_held_against_the_agent() -> None:
    """On a mono call the voices decide who is the agent and may decide wrongly: a sentence only the
    answerer says is excused even where the voices gave it to the agent; on a stereo call the agent's
    channel is the agent's."""
    said = "那你们是不是要去法院告我？告了我就成老赖了是吧？"
    segments = [
        Segment("agent", 0.0, 3.5, OPENING),
        Segment("agent", 4.0, 7.5, said),
        Segment("customer", 8.0, 11.5, "我们先商量一个分期方案，好吗？"),
    ]
    assert {h.category for h in evaluate(PACK, INFO, segments, CallContext(one_track=True))} == set()
    assert "abuse" in {h.category for h in evaluate(PACK, INFO, segments, CallContext())}


def test_a_sum_told_to_a_colleague_is_a_disclosure_naming_the_loan_company_is_not() -> None:
    told = mono("我是她同事，她出去办事了。", "麻烦您跟她说一声，那八千块拖了两个月了。")
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, told)}
    named = mono("我是他儿子，我爸住院了。", "我们是贷款公司的客服，不是法院，您别担心。")
    assert {h.category for h in evaluate(PACK, INFO, named)} == set()
    # a round sum, its digits heard as numerals
    sum_told = mono("我是他老婆，他手机落家里了。", "他在我们这儿办的那个分期，加起来2万出头。")
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, sum_told)}


def test_the_debt_told_after_the_phone_is_handed_to_the_debtor_is_no_disclosure() -> None:
    def stereo(*turns: tuple[str, str]) -> list[Segment]:
        return [
            Segment(who, 4.0 * i, 4.0 * i + 3.5, t) for i, (who, t) in enumerate((("agent", OPENING), *turns))
        ]

    handed = stereo(
        ("customer", "我是他儿子，我爸在睡觉。"),
        ("agent", "麻烦您等他醒了请他回个电话。"),
        ("customer", "等一下，他醒了，我把电话给他。"),
        ("agent", "徐先生您好，您在平台有一笔借款逾期三十八天了。"),
    )
    assert {h.category for h in evaluate(PACK, INFO, handed)} == set()
    # told to the son before the phone is handed over, it is a disclosure
    told = stereo(
        ("customer", "我是他儿子，我爸在睡觉。"),
        ("agent", "您爸在平台有一笔借款逾期三十八天了。"),
        ("customer", "等一下，他醒了，我把电话给他。"),
    )
    assert "third_party_disclosure" in {h.category for h in evaluate(PACK, INFO, told)}


def test_an_outburst_before_the_answerers_sentence_is_the_answerers() -> None:
    """「滚！」 alone could be anyone's; right before 「老子没钱，有本事你来拿啊！」 it is the customer's."""
    text = "滚！老子没钱，有本事你来拿啊！"
    assert answerers_words(text, 0, 1)
    assert not answerers_words("滚！我们下午再联系。", 0, 1)
    assert {h.category for h in evaluate(PACK, INFO, mono(text))} == set()
