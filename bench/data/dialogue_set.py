"""What the development sets' generators share: turn timing, call ids and metadata, writing labels.csv,
turns.jsonl and manifest.csv, and the checks every set must pass (bench/data/devset*/make_*.py)."""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEC_PER_CHAR = 0.25
GAP = 0.5
TZ = timezone(timedelta(hours=8))
IDENT_NAME = re.compile(r"工号|编号|我姓|我叫")
Call = tuple[str, str, str, bool, list]  # key, agent, team, missing identification, turns


def A(text: str) -> tuple[str, str, list[str]]:
    """An agent turn."""
    return ("agent", text, [])


def V(category: str, text: str) -> tuple[str, str, list[str]]:
    """An agent turn that violates `category`."""
    return ("agent", text, [category])


def C(text: str) -> tuple[str, str, list[str]]:
    """A customer turn."""
    return ("customer", text, [])


@dataclass(frozen=True)
class SetSpec:
    """How one set numbers and dates its calls."""

    prefix: str  # call ids are <prefix>01, <prefix>02, ...
    seed: int
    agent_base: int  # agent ids start at A<agent_base>
    first_day: datetime
    mono: Callable[[int], bool]  # which calls (by position in id order) are mono recordings
    companies: Sequence[str]
    max_turns: int


def timed(turns: list) -> tuple[list[dict], float]:
    out, t = [], 0.3
    for role, text, labels in turns:
        start = round(t, 2)
        end = round(start + SEC_PER_CHAR * len(text), 2)
        out.append({"role": role, "start": start, "end": end, "text": text, "labels": list(labels)})
        t = end + GAP
    return out, round(out[-1]["end"] + 0.8, 2)


def build(calls: list[Call], spec: SetSpec) -> list[dict]:
    rng = random.Random(spec.seed)
    order = [c[0] for c in calls]
    rng.shuffle(order)
    ids = {k: f"{spec.prefix}{i + 1:02d}" for i, k in enumerate(order)}
    agent_ids: dict[str, str] = {}
    phones: set[str] = set()
    rows = []
    for key, agent, team, missing_id, turns in calls:
        agent_ids.setdefault(agent, f"A{spec.agent_base + len(agent_ids)}")
        while True:
            phone = "1" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(9))
            if phone not in phones:
                phones.add(phone)
                break
        timed_turns, duration = timed(turns)
        cats = {lab for t in timed_turns for lab in t["labels"]} | (
            {"missing_identification"} if missing_id else set()
        )
        day = spec.first_day + timedelta(days=rng.randrange(0, 12))
        started = day + timedelta(minutes=rng.randrange(9 * 60, 19 * 60 + 50), seconds=rng.randrange(60))
        rows.append(
            {
                "key": key,
                "call_id": ids[key],
                "agent_id": agent_ids[agent],
                "phone": phone,
                "started_at": started.isoformat(timespec="seconds"),
                "team": team,
                "categories": sorted(cats),
                "turns": timed_turns,
                "duration_s": duration,
                "missing_id": missing_id,
            }
        )
    rows.sort(key=lambda r: r["call_id"])
    for i, r in enumerate(rows):
        r["channels"] = "mixed" if spec.mono(i) else "agent,customer"
    return rows


def write(rows: list[dict], here: Path) -> None:
    with (here / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["call_id", "categories"])
        for r in rows:
            w.writerow([r["call_id"], ";".join(r["categories"])])
    with (here / "turns.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(
                json.dumps(
                    {"call_id": r["call_id"], "duration_s": r["duration_s"], "turns": r["turns"]},
                    ensure_ascii=False,
                )
                + "\n"
            )
    with (here / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "call_id", "agent_id", "customer_phone", "started_at", "channels", "team"])
        for r in rows:
            w.writerow(
                ["", r["call_id"], r["agent_id"], r["phone"], r["started_at"], r["channels"], r["team"]]
            )


def validate(
    rows: list[dict], here: Path, spec: SetSpec
) -> tuple[dict[str, int], dict[str, dict], dict[str, set]]:
    """The checks every set passes; returns (counts per category, turns by call id, labels by call id)."""

    def identifies(text: str) -> bool:
        return any(co in text for co in spec.companies) and bool(IDENT_NAME.search(text))

    labels = {
        r["call_id"]: set(filter(None, r["categories"].split(";")))
        for r in csv.DictReader((here / "labels.csv").open(encoding="utf-8"))
    }
    turns = {}
    for line in (here / "turns.jsonl").open(encoding="utf-8"):
        obj = json.loads(line)
        turns[obj["call_id"]] = obj
    manifest = list(csv.DictReader((here / "manifest.csv").open(encoding="utf-8")))
    ids = {r["call_id"] for r in manifest}
    assert ids == {f"{spec.prefix}{i:02d}" for i in range(1, len(rows) + 1)}, "call ids are not numbered 01.."
    assert len(manifest) == len(rows) and set(labels) == set(turns) == ids, "call_id sets differ"
    assert len({r["customer_phone"] for r in manifest}) == len(rows), "phones not distinct"
    by_key = {r["call_id"]: r for r in rows}
    for m in manifest:
        cid = m["call_id"]
        assert re.fullmatch(r"1\d{10}", m["customer_phone"]), m
        started = datetime.fromisoformat(m["started_at"])
        assert started.utcoffset() == timedelta(hours=8), m
        assert 9 <= started.hour < 20, m
        assert m["channels"] in ("agent,customer", "mixed") and m["file"] == "", m
        call_turns = turns[cid]["turns"]
        assert 8 <= len(call_turns) <= spec.max_turns, (cid, len(call_turns))
        prev_end = 0.0
        for t in call_turns:
            assert t["role"] in ("agent", "customer") and t["start"] >= prev_end and t["end"] > t["start"], (
                cid,
                t,
            )
            assert t["role"] == "agent" or not t["labels"], (cid, t)
            prev_end = t["end"]
        assert turns[cid]["duration_s"] >= prev_end
        turn_cats = {lab for t in call_turns for lab in t["labels"]}
        mi = by_key[cid]["missing_id"]
        assert labels[cid] == turn_cats | ({"missing_identification"} if mi else set()), cid
        early = [t for t in call_turns if t["role"] == "agent" and t["start"] < 30]
        if mi:
            assert not any(identifies(t["text"]) for t in early), (cid, "identifies early")
        else:
            first = next(t for t in call_turns if t["role"] == "agent")
            assert first["end"] <= 30 and identifies(first["text"]), (cid, "no early identification")
        n_viol = sum(1 for t in call_turns if t["labels"])
        assert (n_viol == 0) == (not turn_cats) and n_viol <= 2, cid
    counts: dict[str, int] = {}
    for cats in labels.values():
        for c in cats or {"(compliant)"}:
            counts[c] = counts.get(c, 0) + 1
    counts["mixed channels"] = sum(m["channels"] == "mixed" for m in manifest)
    return counts, turns, labels


def validate_planned(
    rows: list[dict], here: Path, spec: SetSpec, planned: dict[str, int], one_turn: bool = True
) -> dict[str, int]:
    """`validate`, then the planned set's checks: each violating call has one text category (and,
    with `one_turn`, one violating turn) in the middle of the call, never at its edge, and the count
    of calls per category is `planned` (every other call compliant)."""
    from callqa.rules.model import TEXT_CATEGORIES

    text_cats = TEXT_CATEGORIES[:6]  # the categories a sentence can violate (not missing identification)
    counts, turns, labels = validate(rows, here, spec)
    for cid, obj in turns.items():
        call_turns = obj["turns"]
        assert all(lab in text_cats for t in call_turns for lab in t["labels"]), cid
        assert len(labels[cid]) <= 1, (cid, "one category per violating call")
        idx = [i for i, t in enumerate(call_turns) if t["labels"]]
        assert not one_turn or len(idx) <= 1, (cid, "one violating turn per call")
        assert not idx or (idx[0] >= 2 and idx[-1] < len(call_turns) - 1), (cid, "violation at the edge")
    assert counts.get("(compliant)") == len(rows) - sum(planned.values()), counts
    for cat in TEXT_CATEGORIES:
        assert counts.get(cat, 0) == planned.get(cat, 0), (cat, counts)
    return counts


def generate(
    calls: list[Call], n_calls: int, spec: SetSpec, here: Path, check: Callable[[list[dict]], dict[str, int]]
) -> None:
    """A set generator's main: check the calls' number and keys, build and write the set beside its
    generator (`here`), validate it with `check` and print the counts it returns."""
    assert len(calls) == n_calls, len(calls)
    assert len({c[0] for c in calls}) == n_calls, "duplicate keys"
    rows = build(calls, spec)
    write(rows, here)
    for k, v in sorted(check(rows).items()):
        print(f"{k:26s} {v}")
