"""What the call page shows beyond the records: the transcript as a conversation with each hit's words
marked where they were said, each hit's neighbouring lines, the timeline's lanes, and the outcome.

Pure functions over masked records (dicts of `callqa.store.records`), so what is marked is exactly
what the viewer may read, and tested without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callqa.audio.waveform import Waveform
from callqa.rules.model import SEVERITIES

Record = dict[str, Any]
Part = tuple[str, tuple[int, ...]]  # a stretch of a line's text and the ids of the hits covering it
LANE_ORDER = ("agent", "customer", "unknown")


def overlaps(hit: Record, line: Record) -> bool:
    """Whether a hit was said in a transcript line: same speaker and overlapping times (a hit of no
    duration counts when it lies within the line)."""
    if hit["speaker"] != line["speaker"]:
        return False
    if hit["end_s"] <= hit["start_s"]:
        return bool(line["start_s"] <= hit["start_s"] <= line["end_s"])
    return bool(hit["start_s"] < line["end_s"] and line["start_s"] < hit["end_s"])


def locate(text: str, words: str, line: Record, hit: Record) -> int | None:
    """Where in a line's `text` the hit's `words` are: of several occurrences the one nearest to where
    the hit's start time falls in the line (times are interpolated over characters); None if absent."""
    if not words:
        return None
    found = []
    at = text.find(words)
    while at >= 0:
        found.append(at)
        at = text.find(words, at + 1)
    if not found:
        return None
    length = max(line["end_s"] - line["start_s"], 1e-6)
    expected = (hit["start_s"] - line["start_s"]) / length * len(text)
    return min(found, key=lambda i: abs(i - expected))


def marked_parts(text: str, spans: Sequence[tuple[int, int, int]]) -> list[Part]:
    """`text` cut into parts, each with the ids of the (start, end, hit id) spans covering it."""
    cover: list[set[int]] = [set() for _ in text]
    for start, end, hit_id in spans:
        for i in range(max(0, start), min(len(text), end)):
            cover[i].add(hit_id)
    parts: list[Part] = []
    for ch, ids in zip(text, cover, strict=True):
        key = tuple(sorted(ids))
        if parts and parts[-1][1] == key:
            parts[-1] = (parts[-1][0] + ch, key)
        else:
            parts.append((ch, key))
    return parts


def conversation(lines: list[Record], hits: list[Record]) -> list[Record]:
    """Each transcript line with `parts` (its text, hit words marked) and `hits` (ids of the hits said
    in it, whether or not their words could be placed)."""
    out = []
    for line in lines:
        said = [h for h in hits if overlaps(h, line)]
        spans = []
        for h in said:
            at = locate(line["text"], h["text"], line, h)
            if at is not None:
                spans.append((at, at + len(h["text"]), h["id"]))
        out.append(line | {"parts": marked_parts(line["text"], spans), "hits": [h["id"] for h in said]})
    return out


def neighbours(lines: list[Record], hit: Record, around: int = 1) -> list[int]:
    """Indexes of the lines a hit was said in and `around` lines either side: its context, never lines
    from elsewhere in the call. Empty for a hit on no line (metadata rules)."""
    inside = [i for i, line in enumerate(lines) if overlaps(hit, line)]
    if not inside:
        return []
    return list(range(max(0, inside[0] - around), min(len(lines), inside[-1] + around + 1)))


def worst(severities: Sequence[str]) -> str:
    """The most severe of `severities` (SEVERITIES runs from low to critical)."""
    return max(severities, key=lambda s: SEVERITIES.index(s) if s in SEVERITIES else -1)


def lanes(waveform: Waveform | None, lines: list[Record], hits: list[Record]) -> list[Record]:
    """The timeline's lanes, one per speaker of the waveform or the transcript, agent first, each with
    its levels and the ids of the hits said by its speaker. A hit whose speaker has no lane (a whole-call
    rule, or an agent rule's window on a mono call) goes on a last lane of its own, 'call' (通话)."""
    levels = waveform.as_dict()["lanes"] if waveform else {}
    assert isinstance(levels, dict)
    speakers = (set(levels) | {line["speaker"] for line in lines}) - {"call"}
    ordered = [s for s in LANE_ORDER if s in speakers] + sorted(speakers - set(LANE_ORDER))
    out: list[Record] = [{"speaker": s, "levels": levels.get(s, []), "hits": []} for s in ordered]
    index = {lane["speaker"]: lane for lane in out}
    whole: Record = {"speaker": "call", "levels": [], "hits": []}
    for hit in hits:
        index.get(hit["speaker"], whole)["hits"].append(hit["id"])
    return out + ([whole] if whole["hits"] else [])


def mark_class(ids: Sequence[int], hits: dict[int, Record]) -> str:
    """CSS classes of marked words: the severity of the worst hit covering them, `many` when several
    hits cover them (a keyword inside a sentence the model flagged), and `dismissed` when every one of
    those hits was judged a false positive (call.js recomputes that after each decision)."""
    covering = [hits[i] for i in ids if i in hits]
    dismissed = bool(covering) and all(h["decision"] == "false_positive" for h in covering)
    classes = [f"sev-{worst([h['severity'] for h in covering])}"]
    return " ".join(classes + ["many"] * (len(covering) > 1) + ["dismissed"] * dismissed)
