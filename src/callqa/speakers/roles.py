"""Which of two voices is the collector: by what each one says.

The agent introduces the company and himself (我是…的, 工号, 本次通话会被录音), names the debt (逾期,
欠款, 金额, 元), asks for repayment (请您…还款, 今天能还吗) and speaks politely (您); the customer answers
(是我, 什么事, 没钱, 手头紧, 发了工资). Each voice's text is scored with these weighted cues; the
difference between the two voices decides, and a voice that talks more leans the agent's way (the
collector leads the call). A difference below MIN_MARGIN decides nothing, and neither does a
"customer" who talks like a collector (cue points of AGENT_LIKE or more: one collector's voice split in
two): both voices stay unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# (pattern, weight): positive for the agent's words, negative for the customer's.
CUES: tuple[tuple[str, float], ...] = (
    (r"工号", 4.0),
    (r"催收|专员|客服|法务|风控", 3.0),
    (r"我是.{0,8}(金融|银行|平台|公司|中心|贷|小[王李张刘陈赵])", 4.0),
    (r"(通话|电话)(会|将)?被?录音|录音", 3.0),
    (r"请问(您)?是.{0,6}(吗|先生|女士)", 4.0),
    (r"先生|女士", 1.5),
    (r"您", 1.0),
    (r"逾期", 2.5),
    (r"欠款|借款|贷款|账单|本金|利息|滞纳金|罚息|金额|额度|最低还款", 2.0),
    (r"[零一二三四五六七八九十百千万两\d]+元", 1.5),
    (r"官方|渠道|平台|合同|协议|征信", 1.5),
    (r"请您|麻烦您|感谢您|配合", 2.0),
    (r"登记|核实|提醒|通知", 1.5),
    (r"(今天|马上|尽快).{0,6}(还款|还钱|处理)", 2.0),
    (r"(方便|能|可以).{0,4}还款吗|还款吗", 2.0),
    (r"是我|我就是|什么事|怎么了|谁啊|哪位|你是谁", -3.0),
    (r"没钱|没有钱|手头|紧张|工资|发工资|下个?月|周转|失业|生病|住院", -2.0),
    (r"我(会|一定|尽量|争取|先)还|我.{0,4}还(你们|上|清)", -2.5),
    (r"别(再)?打|不要再打|报警|骚扰|投诉|烦不烦|有完没完", -2.5),
    (r"你们", -1.0),
    (r"嗯|哦|啊", -0.5),
)
_COMPILED = tuple((re.compile(p), w) for p, w in CUES)
MIN_MARGIN = 2.0  # cue points between the voices needed to decide
AGENT_LIKE = 4.0  # the customer's voice with this many cue points reads as a collector
TALK_WEIGHT = 4.0  # cue points for a voice that says all the words against one that says none


@dataclass(frozen=True)
class RoleCall:
    """Which voice is the agent (None: undecided), and the cue points that decided it."""

    agent: int | None
    margin: float


def cue_score(text: str) -> float:
    """The weighted cues in `text`: positive reads as the agent, negative as the customer."""
    return sum(w * len(p.findall(text)) for p, w in _COMPILED)


def assign_roles(texts: Sequence[str]) -> RoleCall:
    """Decide which of two voices (`texts[v]`: everything voice v said) is the agent."""
    scores = [cue_score(t) for t in texts]
    chars = [sum(ch.isalnum() for ch in t) for t in texts]
    talk = (chars[0] - chars[1]) / max(1, chars[0] + chars[1])
    margin = scores[0] - scores[1] + TALK_WEIGHT * talk
    if abs(margin) < MIN_MARGIN or scores[1 if margin > 0 else 0] >= AGENT_LIKE:
        return RoleCall(None, margin)
    return RoleCall(0 if margin > 0 else 1, abs(margin))
