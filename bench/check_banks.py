"""Check the example banks under src/callqa/rules/packs/examples: shape, minimum counts, duplicates.

The banks train the example-based detectors, so a duplicate (exact, or equal once punctuation is
dropped) inflates one phrasing and a sentence in two files teaches contradictory labels.
Run: python bench/check_banks.py  (exit 1 on any error; near-miss pairs are listed as warnings).
"""

from __future__ import annotations

import re
import sys
from itertools import combinations
from pathlib import Path

import yaml

from callqa.rules.learned.banks import bank_categories

BANKS = Path(__file__).resolve().parents[1] / "src/callqa/rules/packs/examples"
CATEGORIES = bank_categories()  # the text categories with an example bank
MIN_VIOLATIONS, MIN_COUNTER, MIN_COMPLIANT, MIN_GARBLED = 250, 120, 2000, 150
GARBLED_START, GARBLED_END = "# >>> asr-garbled", "# <<< asr-garbled"
NOT_CJK_TEXT = re.compile(r"[^\u4e00-\u9fff]")
FORBIDDEN = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")


def plain(s: str) -> str:
    """The sentence without punctuation or spaces: two sentences equal here are near-duplicates."""
    return NOT_CJK_TEXT.sub("", s)


def load() -> tuple[dict[str, list[str]], list[str]]:
    """All lists as {'<file>:<key>': sentences}, plus shape errors."""
    lists: dict[str, list[str]] = {}
    errors: list[str] = []
    for cat in CATEGORIES:
        data = yaml.safe_load((BANKS / f"{cat}.yaml").read_text(encoding="utf-8"))
        if data.get("category") != cat:
            errors.append(f"{cat}.yaml: category is {data.get('category')!r}")
        if set(data) != {"category", "violations", "counter_examples"}:
            errors.append(f"{cat}.yaml: keys {sorted(data)}")
        lists[f"{cat}:violations"] = data.get("violations") or []
        lists[f"{cat}:counter_examples"] = data.get("counter_examples") or []
    data = yaml.safe_load((BANKS / "compliant.yaml").read_text(encoding="utf-8"))
    if set(data) != {"compliant"}:
        errors.append(f"compliant.yaml: keys {sorted(data)}")
    lists["compliant:compliant"] = data.get("compliant") or []
    data = yaml.safe_load((BANKS / "customer.yaml").read_text(encoding="utf-8"))
    if set(data) != {"customer"}:
        errors.append(f"customer.yaml: keys {sorted(data)}")
    lists["customer:customer"] = data.get("customer") or []
    return lists, errors


def garbled_count() -> int:
    """List items between the asr-garbled markers of compliant.yaml."""
    inside, n = False, 0
    for line in (BANKS / "compliant.yaml").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(GARBLED_START):
            inside = True
        elif line.strip().startswith(GARBLED_END):
            inside = False
        elif inside and line.lstrip().startswith("- "):
            n += 1
    return n


def close(a: str, b: str) -> bool:
    """Same length and one character apart: a swapped word, a likely template twin."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def main() -> int:
    lists, errors = load()
    seen: dict[str, str] = {}
    for where, items in lists.items():
        for s in items:
            if not isinstance(s, str):
                errors.append(f"{where}: not a string: {s!r}")
                continue
            if not 6 <= len(s) <= 40:
                errors.append(f"{where}: length {len(s)}: {s}")
            if FORBIDDEN.search(s):
                errors.append(f"{where}: Latin letter or digit: {s}")
            key = plain(s)
            if key in seen:
                errors.append(f"duplicate: {where} / {seen[key]}: {s}")
            else:
                seen[key] = where
    for cat in CATEGORIES:
        for key, least in (("violations", MIN_VIOLATIONS), ("counter_examples", MIN_COUNTER)):
            n = len(lists[f"{cat}:{key}"])
            print(f"{cat:24} {key:17} {n:5}")
            if n < least:
                errors.append(f"{cat}.{key}: {n} < {least}")
    n, g = len(lists["compliant:compliant"]), garbled_count()
    print(f"{'compliant':24} {'compliant':17} {n:5}  (asr-garbled {g})")
    if n < MIN_COMPLIANT:
        errors.append(f"compliant: {n} < {MIN_COMPLIANT}")
    if g < MIN_GARBLED:
        errors.append(f"compliant asr-garbled: {g} < {MIN_GARBLED}")
    by_len: dict[int, list[tuple[str, str]]] = {}
    for key, where in seen.items():
        by_len.setdefault(len(key), []).append((key, where))
    for group in by_len.values():
        for (a, wa), (b, wb) in combinations(group, 2):
            if close(a, b):
                print(f"warning: one character apart: {wa} {a} / {wb} {b}")
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
