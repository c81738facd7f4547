"""The negotiation over a promise: counter-offers and who agreed to them, corrections, changes of
day, promises without a sum, and talks that end without a deal."""

from __future__ import annotations

from callqa.ptp.negotiation import Negotiation, money_of
from callqa.ptp.stance import read_turn
from tests.ptp.test_extract import MONDAY, promise

FRIDAY, NEXT_MONDAY, MONTH_END = "2026-06-05", "2026-06-08", "2026-06-30"


def test_the_agents_counter_offer_accepted_by_a_bare_yes() -> None:
    # agent asks 5,000, the customer offers 2,000, the agent counters 3,000, the customer gives in
    lines = [
        "A: 您欠款八千，这周五能还五千吗？",
        "C: 五千不行，两千吧。",
        "A: 两千太少了，三千，周五，行吗？",
    ]
    assert promise(*lines, "C: 行吧。") == (FRIDAY, 3000)
    assert promise(*lines, "C: 嗯。") == (FRIDAY, 3000)
    assert promise(*lines, "C: 三千就三千吧。") == (FRIDAY, 3000)


def test_a_counter_on_the_sum_alone_keeps_the_agreed_day() -> None:
    lines = ["A: 您欠款六千。", "C: 我月底能还一千。", "A: 一千太少，您至少还两千。"]
    assert promise(*lines, "C: 好吧好吧，两千。") == (MONTH_END, 2000)
    assert promise(*lines, "C: 两千真没有，最多一千五。") == (MONTH_END, 1500)


def test_the_customers_last_counter_stands_when_the_agent_takes_it() -> None:
    lines = ("A: 您欠款一万八，这周必须还一万。", "C: 一万我哪有，顶多三千。", "A: 三千不够，最少八千。")
    said = promise(*lines, "C: 八千也不可能，五千吧，这周五之前五千。", "A: 好吧，这周五之前五千，我登记了。")
    assert said == (FRIDAY, 5000)


def test_a_sum_called_too_much_or_too_hard_is_no_offer() -> None:
    assert promise("A: 您欠款八千，月底前还四千行吗？", "C: 四千太多了，我最多三千。") == (MONTH_END, 3000)
    assert promise("A: 后天能还两千吗？", "C: 后天两千有点难，一千五可以。") == ("2026-06-03", 1500)


def test_a_demand_is_agreed_by_conceding_not_by_acknowledging() -> None:
    demand = "A: 您欠款两千二，最晚下周一，下周一之前必须还清。"
    assert promise(demand, "C: 好吧。") == (NEXT_MONDAY, 2200)
    assert promise(demand, "C: 行。") == (NEXT_MONDAY, 2200)
    assert promise(demand, "C: 好的。") is None
    assert promise("A: 麻烦您转告她，欠款三千请她下周之前还上。", "C: 行，等她回来我跟她说。") is None


def test_the_agents_wrong_restatement_is_corrected() -> None:
    start = ("A: 您的欠款是六千四百元。", "C: 我下周一先还两千。")
    assert promise(*start, "A: 好的，我登记下周一还三千。", "C: 不是三千，是两千。") == (NEXT_MONDAY, 2000)
    assert promise(*start, "A: 好的，下周二两千。", "C: 不对，是下周一。") == (NEXT_MONDAY, 2000)
    assert promise(*start, "A: 下周一三千是吧？", "C: 对。") == (NEXT_MONDAY, 3000)


def test_a_change_of_day_keeps_the_sum() -> None:
    start = ("A: 您欠款两千三。", "C: 我周五还一千。", "A: 好的，周五一千。")
    assert promise(*start, "C: 不对，周五我钱还没到账，下周一吧。") == (NEXT_MONDAY, 1000)
    assert promise(*start, "C: 算了，还是下周一吧。") == (NEXT_MONDAY, 1000)
    assert promise(*start, "C: 算了，你先别登记了。") is None


def test_the_agent_agrees_to_a_day_the_customer_floated() -> None:
    floated = ("A: 您欠款九百。", "C: 这周不行，下周一吧。")
    assert promise(*floated, "A: 好的，下周一九百。") == (NEXT_MONDAY, 900)
    assert promise(*floated, "A: 下周一太晚了。") is None
    assert promise("A: 您欠款三千。", "C: 明天下午再打吧。", "A: 好的，明天下午再联系您。") is None


def test_partial_now_and_the_rest_later_is_the_first_instalment() -> None:
    split = "A: 您欠款五千四，可以分两期：下周一先还三千，月底还剩下的。"
    assert promise(split, "C: 下周一三千有点难，两千可以，剩下的三千四月底还。") == (NEXT_MONDAY, 2000)
    assert promise("A: 您欠款三千六。", "C: 我今天先还一千六剩下两千下个月十号") == ("2026-06-01", 1600)
    rest = ("A: 您欠款五千。", "C: 月底还两千。", "A: 好的，剩下的三千呢？", "C: 三千下个月吧。")
    assert promise(*rest) == (MONTH_END, 2000)


def test_a_promise_with_no_sum_is_for_the_balance_or_null() -> None:
    assert promise("A: 您的借款应还金额四千二百元。", "C: 我月底之前处理。", "A: 好的。", "C: 嗯。") == (
        MONTH_END,
        4200,
    )
    assert promise("A: 您的借款逾期了。", "C: 我十号发工资，发了就还。") == ("2026-06-10", None)
    assert promise("A: 您欠款五千。", "C: 下周一吧，到时候能还多少还多少，肯定还一部分。") == (
        NEXT_MONDAY,
        None,
    )


def test_no_deal_when_the_customer_walks_away_from_a_turned_down_offer() -> None:
    lines = ("A: 您欠款八千，这周五能还四千吗？", "C: 四千没有，两千吧。", "A: 两千不行，最少四千。")
    assert promise(*lines, "C: 那我没办法了，你们爱怎么样怎么样吧。") is None
    assert promise(*lines, "C: 四千拿不出来，就两千。") == (FRIDAY, 2000)  # refuses the counter only


def test_a_refusal_naming_the_promised_sum_or_a_hedge_in_the_same_breath_ends_it() -> None:
    assert promise("A: 您欠款七千。", "C: 我明天还七千。", "A: 好。", "C: 不行，七千我还不起。") is None
    offer = "A: 您月底前还四千二就能结清，您看可以吗？"
    assert promise(offer, "C: 四千二啊……我考虑考虑，回头给你们回电话。") is None
    assert promise(offer, "C: 四千二啊……行，月底前还。") == (MONTH_END, 4200)


def test_a_promise_on_a_discount_is_conditional() -> None:
    assert promise("A: 您欠款七千。", "C: 你们给我减到五千，我明天就一次性还清。") is None


def test_asr_without_commas() -> None:
    mono = (
        "A: 你好我这边是长信资产的催收工号6632你的欠款是7200元今天能还多少",
        "C: 今天没有 下礼拜一能还1000",
        "C: 1000太少了下礼拜一至少3000",
        "C: 3000不行2000",
    )
    assert promise(*mono, mono=True) == (NEXT_MONDAY, 2000)
    assert promise("A: 您欠款一千一百元。", "C: 后天我可能回不来 大后天吧 大后天肯定还") == (
        "2026-06-04",
        1100,
    )
    assert promise("A: 您欠款六百，请您明天还上。", "C: 明天不行我三天之内还") == ("2026-06-04", 600)


def test_the_balance_is_the_sum_after_its_word_not_the_whole_clause() -> None:
    (s,) = read_turn("agent", "您欠款三千九一直没处理最晚这周五必须先还两千", 0.0, 3.0, MONDAY)
    assert money_of(s, skip_balance=True).value == 2000
    talk = Negotiation()
    talk.read(s)
    assert talk.balance == 3900


def test_no_day_from_a_hedged_clause() -> None:
    assert promise("A: 您欠款一千五。", "C: 等我有钱了就还，现在说不好。") is None
    assert promise("A: 您欠款五千，今天能处理吗？", "C: 今天处理不了，我手上就五百块钱。") is None


def test_an_agents_elliptic_counter_offers_a_new_day() -> None:
    lines = ("A: 您欠款三千，明天能还吗？", "C: 明天不行。", "A: 后天呢？")
    assert promise(*lines, "C: 后天可以。") == ("2026-06-03", 3000)
    assert promise(*lines, "C: 后天也不行。") is None


def test_a_sum_changes_the_promise_only_as_an_answer_to_a_counter() -> None:
    start = ("A: 您欠款五千。", "C: 周五还两千。")
    assert promise(*start, "A: 您的欠款总共是五千，对吧？", "C: 对，五千。") == (FRIDAY, 2000)
    assert promise(*start, "A: 两千不够，三千呢？", "C: 三千就三千。") == (FRIDAY, 3000)


def test_the_agents_stated_recap_fills_in_a_vague_sum() -> None:
    # the customer promises "part" by the month's end; the agent books it with a figure
    lines = [
        "A: 您欠款九千，什么时候能处理？",
        "C: 月底前我先还一部分吧。",
        "A: 好的，那就是月底之前先还两千元。",
    ]
    assert promise(*lines, "C: 好，麻烦你了。") == (MONTH_END, 2000)
    # a sum the customer named stands against the agent's restated one
    said = ["A: 您欠款九千，什么时候能处理？", "C: 月底前我先还一千。", "A: 好的，那就是月底之前先还两千元。"]
    assert promise(*said, "C: 不是两千，是一千。") == (MONTH_END, 1000)


def test_a_tag_question_recap_is_confirmed_by_yes() -> None:
    # 对吧 without a question mark (speech recognition leaves it out): the calendar day booked
    lines = ["A: 您欠款三千，这个月的一千什么时候还？", "C: 那大后天吧，大后天我把这一千还了。"]
    assert promise(*lines, "A: 好的，也就是6月5号还一千元对吧", "C: 对") == (FRIDAY, 1000)
    assert promise(*lines, "A: 好的，一千元，下周一前还清，对吧", "C: 对，不会再拖了") == (NEXT_MONDAY, 1000)


def test_a_sum_heard_without_its_unit_is_the_agents_figure() -> None:
    # 两千八 written 28: the agent's figure on the table says what was meant
    lines = ["A: 本期应还2800，周五之前能把2800都还上吗？"]
    assert promise(*lines, "C: 能，周五之前28，一分不少") == (FRIDAY, 2800)
    assert promise(*lines, "C: 能，周五之前2000") == (FRIDAY, 2000)


def test_charges_stated_are_no_offer() -> None:
    # the fee the agent lists is part of the debt, not a sum the customer agreed to
    lines = ["A: 您欠款六千元，另外800利息和150费用。", "A: 什么时候能还？"]
    assert promise(*lines, "C: 周五之前肯定还。") == (FRIDAY, 6000)  # no sum said: the balance


def test_the_rests_day_is_not_the_first_payments() -> None:
    lines = ["A: 您欠款七千二，哪天能还？", "C: 大后天吧，大后天发工资。", "A: 发了能还多少？"]
    assert promise(*lines, "C: 先还一半，剩下的一半下个月还") == ("2026-06-04", 3600)


def test_an_agents_aside_leaves_the_proposal_standing() -> None:
    # 逾期多一天就多一天罚息, its 一天 heard as 一千: not a new offer
    lines = ["A: 本期应还八百，这周五之内还八百，对吗？", "A: 逾期多一千就多一千罚息。"]
    assert promise(*lines, "C: 行，周五肯定还。") == (FRIDAY, 800)


def test_a_thousands_comma_stays_in_its_number() -> None:
    lines = ["A: 您欠款七千八，什么时候能还？", "C: 月底前全部还清。", "A: 好的，月底之前还清7,800元，对吧？"]
    assert promise(*lines, "C: 对。") == (MONTH_END, 7800)


def test_the_customer_states_the_balance_left_on_mono() -> None:
    lines = [
        "A: 您好，我是安和金融的，工号一二三。",
        "C: 现在还剩两千四百元没还。",
        "A: 您看什么时候能处理？",
    ]
    assert promise(*lines, "C: 后天让我儿子全部还清。", mono=True) == ("2026-06-03", 2400)


def test_excuses_and_old_payments_are_no_promise() -> None:
    lines = ["A: 您欠款八千，这周五能还吗？"]
    assert promise(*lines, "C: 我不是不还，是这个月真的没钱。") is None
    assert promise(*lines, "C: 工资才两千，周五我拿什么还？") is None
    assert promise(*lines, "C: 周五？本金我早就还够了，你们利息太高。") is None
    assert promise(*lines, "C: 他周五还做了个手术，家里没钱。") is None
    assert promise(*lines, "C: 行，周五我还。") == (FRIDAY, 8000)
