"""Helpers for the learning tests: a tiny set of example banks, a small training config, the real
embedder memoised across tests, and a reviewed call with its transcript and hits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from callqa.review.learning import LearnOptions
from callqa.rules.learned.features import embed
from callqa.rules.learned.training import Config
from callqa.store.database import Database
from callqa.store.models import TranscriptSegment, Violation
from tests.conftest import new_call

BANKS = {
    "threat": (
        ["再不还钱就让你去坐牢。", "你不还钱我们就上门找你家人。", "明天不还款后果自负。", "小心你的家人出什么事。",
         "我们会派人到你单位去闹。", "不还钱就让你身败名裂。", "你等着，我们的人马上去你家。", "再拖下去你会后悔的。"],
        ["逾期可能影响您的征信记录。", "我们不会上门打扰您。", "请您按时还款避免产生滞纳金。", "如果有困难可以申请延期。"],
    ),
    "abuse": (
        ["你这个老赖真不要脸。", "你是猪脑子吗？", "滚，别跟我废话。", "你这种人活着有什么用。",
         "一个骗子还好意思说话。", "你脑子有病吧。", "真是个废物。", "闭嘴，听我说完，蠢货。"],
        ["请您不要着急，慢慢说。", "我理解您的心情。", "不好意思打扰您了。", "您先别生气。"],
    ),
}  # fmt: skip
COMPLIANT = [
    "您好，这里是某某金融客服中心。", "请问是张先生本人吗？", "您的账单已经逾期三天了。", "请问您什么时候方便还款？",
    "您可以通过手机银行还款。", "感谢您的配合，祝您生活愉快。", "我们会把还款链接发到您手机上。", "本次通话可能会被录音。",
    "请您核对一下您的身份信息。", "如果您有疑问可以拨打客服热线。", "好的，我记下来了。", "请问您还有其他问题吗？",
    "您这个月的最低还款额是五百元。", "我们可以帮您办理分期。", "祝您周末愉快，再见。",
]  # fmt: skip
SMALL = Config(folds=2, copies=0)


def write_banks(folder: Path) -> Path:
    """The tiny banks as YAML files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for cat, (bad, near) in BANKS.items():
        lines = [f"category: {cat}", "violations:", *[f"  - {t}" for t in bad], "counter_examples:"]
        (folder / f"{cat}.yaml").write_text("\n".join([*lines, *[f"  - {t}" for t in near]]) + "\n", "utf-8")
    (folder / "compliant.yaml").write_text("compliant:\n" + "".join(f"  - {t}\n" for t in COMPLIANT), "utf-8")
    return folder


_MEMO: dict[str, np.ndarray] = {}


def memo_embed(texts: Sequence[str]) -> np.ndarray:
    """The real embedder, each text embedded once per test session."""
    missing = [t for t in dict.fromkeys(texts) if t not in _MEMO]
    if missing:
        _MEMO.update(zip(missing, embed(missing), strict=True))
    return np.stack([_MEMO[t] for t in texts]) if texts else embed([])


def small_options(banks: Path, **changes: object) -> LearnOptions:
    """Train on the tiny banks with SMALL; forced, since so few sentences swing the calibration."""
    base = {"config": SMALL, "banks_dir": banks, "verdict_weight": 3.0, "force": True}
    return LearnOptions(**(base | changes))  # type: ignore[arg-type]


Hit = tuple[int, str, str, str, str, float | None]  # segment, rule id, category, words, source, confidence


def add_transcribed_call(
    db: Database, call_id: str, lines: Sequence[str], hits: Sequence[Hit], team: str = "A"
) -> list[int]:
    """A flagged call whose agent says `lines` (5 s each) with `hits`; its case is opened and assigned
    by the workflow, as after processing. Returns the violation ids in the order of `hits`."""
    from callqa.review import workflow

    with db.session() as s:
        call = new_call(call_id, status="flagged", team=team)
        call.segments = [
            TranscriptSegment(position=i, speaker="agent", start_s=5.0 * i, end_s=5.0 * i + 4, text=t)
            for i, t in enumerate(lines)
        ]
        call.violations = [
            Violation(rule_id=rule, rule_name=rule, category=cat, severity="major", deduction=10,
                      speaker="agent", start_s=5.0 * seg + 1, end_s=5.0 * seg + 2, text=words,
                      explanation="test", source=source, confidence=conf)
            for seg, rule, cat, words, source, conf in hits
        ]  # fmt: skip
        s.add(call)
        s.flush()
        workflow.on_call_processed(s, call)
        return [v.id for v in call.violations]
