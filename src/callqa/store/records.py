"""The output contracts: calls, violations and transcripts as plain dicts, masked for the viewer.

One shape per noun, shared by `callqa calls --format json`, the REST API, the workbench pages and
the exports. `ref` is how a link or an API path names the call (see `callqa.masking.Masker.call_ref`).
"""

from __future__ import annotations

from callqa.masking import UNMASKED, Masker
from callqa.store.models import Call, TranscriptSegment, Violation


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
        "decision": decision,
        "vanished": v.vanished_at is not None,  # decided, but the current rules no longer find it
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
    }


def segment_record(s: TranscriptSegment, mask: Masker = UNMASKED) -> dict[str, object]:
    return {"speaker": s.speaker, "start_s": s.start_s, "end_s": s.end_s, "text": mask.text(s.text)}


def transcript_record(call: Call, mask: Masker = UNMASKED) -> dict[str, object]:
    """`callqa transcript --format json` and the API's transcript."""
    return {
        "call_id": mask.text(call.call_id),
        "ref": mask.call_ref(call.call_id, call.id),
        "segments": [segment_record(s, mask) for s in call.segments],
    }
