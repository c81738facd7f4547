"""The output contracts: calls, violations and transcripts as plain dicts, masked for the viewer.

One shape per noun, shared by `callqa calls --format json`, the REST API, the workbench pages and
the exports. `ref` is how a link or an API path names the call (see `callqa.masking.Masker.call_ref`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callqa.audio.acoustics import Acoustics
from callqa.masking import UNMASKED, Masker
from callqa.store.models import Call, PaymentPromise, TranscriptSegment, Violation

if TYPE_CHECKING:
    from callqa.store.queries import Dashboard, MissRate, PromiseRate


def violation_record(v: Violation, mask: Masker = UNMASKED, decision: str | None = None) -> dict[str, object]:
    return {
        "id": v.id,
        "category": v.category,
        "rule_id": v.rule_id,
        "rule_name": v.rule_name,
        "severity": v.severity,
        "speaker": v.speaker,
        "start_s": v.start_s,
        "end_s": v.end_s,
        "text": mask.text(v.text),
        "explanation": mask.text(v.explanation),
        "source": v.source,
        "confidence": None if v.confidence is None else round(v.confidence, 3),
        "decision": decision,
        "vanished": v.vanished_at is not None,  # decided, but the current rules no longer find it
    }


def _yuan(value: float | None) -> float | int | None:
    """A sum as JSON shows it: 3000, not 3000.0."""
    return None if value is None else int(value) if value == int(value) else round(value, 2)


def promise_record(p: PaymentPromise | None, mask: Masker = UNMASKED) -> dict[str, object] | None:
    """A call's promise to pay (`ptp`): the day, the sum (null: not said), the words and when they were
    said, and whether imported payments kept it (pending, kept, broken)."""
    if p is None:
        return None
    return {
        "date": p.due_on,
        "amount_yuan": _yuan(p.amount_yuan),
        "text": mask.text(p.text),
        "start_s": round(p.start_s, 2),
        "status": p.status,
        "paid_yuan": _yuan(p.paid_yuan),
    }


def call_record(call: Call, review_state: str | None = None, mask: Masker = UNMASKED) -> dict[str, object]:
    """`callqa calls --format json` element and the API's call."""
    return {
        "call_id": mask.text(call.call_id),
        "ref": mask.call_ref(call.call_id, call.id),
        "file": mask.text(call.file_name),
        "agent_id": call.agent_id,
        "team": call.team,
        "customer_phone": mask.text(call.customer_phone),
        "started_at": call.started_at,
        "duration_s": None if call.duration_s is None else round(call.duration_s, 1),
        "status": call.status,
        "score": call.score,
        "error": mask.text(call.error),
        "review_state": review_state,
        "violations": [violation_record(v, mask) for v in call.violations],
        "acoustics": acoustics_record(call),
        "ptp": promise_record(call.promise, mask),
    }


def acoustics_record(call: Call) -> dict[str, float | int | None] | None:
    """The call's acoustic figures (`Acoustics.summary`), or None when it has none."""
    return Acoustics.from_json(call.acoustics).summary() if call.acoustics else None


def segment_record(s: TranscriptSegment, mask: Masker = UNMASKED) -> dict[str, object]:
    return {"speaker": s.speaker, "start_s": s.start_s, "end_s": s.end_s, "text": mask.text(s.text)}


def transcript_record(call: Call, mask: Masker = UNMASKED) -> dict[str, object]:
    """`callqa transcript --format json` and the API's transcript."""
    return {
        "call_id": mask.text(call.call_id),
        "ref": mask.call_ref(call.call_id, call.id),
        "segments": [segment_record(s, mask) for s in call.segments],
    }


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def miss_rate_record(m: MissRate) -> dict[str, object]:
    """The 抽检 estimate, with the sentence that says it in plain Chinese."""
    record: dict[str, object] = {
        "reviewed": m.reviewed,
        "missed": m.missed,
        "clean_calls": m.clean_calls,
        "rate": None,
        "low": None,
        "high": None,
        "missed_calls": None,
        "missed_calls_low": None,
        "missed_calls_high": None,
    }
    if m.rate is None or m.interval is None or m.missed_calls is None:
        return record | {"summary": "样本不足：还没有复核完成的抽检通话，无法估计漏检率。"}
    low, high = m.interval
    calls, calls_low, calls_high = m.missed_calls
    summary = (
        f"抽检 {m.reviewed} 通，发现漏检 {m.missed} 通，估计漏检率 {_percent(m.rate)}"
        f"（95% 置信区间 {_percent(low)}–{_percent(high)}）；按 {m.clean_calls} 通合规通话推算，"
        f"约 {calls:.0f} 通有未被发现的违规（{calls_low:.0f}–{calls_high:.0f} 通）。"
    )
    return record | {
        "rate": round(m.rate, 4),
        "low": round(low, 4),
        "high": round(high, 4),
        "missed_calls": round(calls, 1),
        "missed_calls_low": round(calls_low, 1),
        "missed_calls_high": round(calls_high, 1),
        "summary": summary,
    }


def promise_rate_record(r: PromiseRate) -> dict[str, object]:
    """PTP rate and compliance score of a team, an agent or all calls (rates 0..1, None when no base)."""
    return {
        "group": r.group,
        "calls": r.calls,
        "score": r.score,
        "promises": r.promises,
        "rate": None if r.rate is None else round(r.rate, 4),
        "kept": r.kept,
        "broken": r.broken,
        "kept_rate": None if r.kept_rate is None else round(r.kept_rate, 4),
    }


def promise_row_record(p: PaymentPromise, call: Call, mask: Masker = UNMASKED) -> dict[str, object]:
    """One line of the promise list: the call it was made in and the promise."""
    return {
        "call_id": mask.text(call.call_id),
        "ref": mask.call_ref(call.call_id, call.id),
        "agent_id": call.agent_id,
        "team": call.team,
        "customer_phone": mask.text(call.customer_phone),
        "started_at": call.started_at,
        **(promise_record(p, mask) or {}),
    }


def promise_rates_record(d: Dashboard) -> dict[str, object]:
    """The 总览's 承诺还款 block: over all calls, per team and per agent."""
    return {
        "overall": promise_rate_record(d.promises.overall) if d.promises.overall else None,
        "by_team": [promise_rate_record(r) for r in d.promises.by_team],
        "by_agent": [promise_rate_record(r) for r in d.promises.by_agent],
    }


def dashboard_record(d: Dashboard) -> dict[str, object]:
    """The 总览 figures: the dashboard API's body and the dashboard page's data."""
    return {
        "processed": d.processed,
        "flagged": d.flagged,
        "flagged_rate": d.flagged_rate,
        "failed": d.failed,
        "pending": d.pending,
        "by_category": [{"category": c, "calls": n} for c, n in d.by_category],
        "by_team": [{"team": t, "calls": n} for t, n in d.by_team],
        "by_agent": [{"agent": a, "calls": n} for a, n in d.by_agent],
        "trend": [{"day": day, "processed": n, "flagged": f} for day, n, f in d.trend],
        "miss_rate": miss_rate_record(d.miss_rate),
        "ptp": promise_rates_record(d),
    }
