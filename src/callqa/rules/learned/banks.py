"""Read the example banks (packs/examples/*.yaml) and report every problem as 'file:line: message'."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from callqa.rules.model import CATEGORIES, RulePackError
from callqa.rules.yamlmarks import Path_, YamlSyntaxError, line_of, load_with_lines

COMPLIANT = "compliant"
CUSTOMER = "customer"  # customer.yaml: what only the customer says, for the speaker model alone
HEARD = "heard.json"  # the banks read aloud and transcribed: bench/data/heard/transcribe.py writes it
# A '# ---' section comment holding CUSTOMER_MARK says its sentences are the customer's words; such
# sections also hold the agent's calm replies, told apart by the polite 您 that customers do not use.
CUSTOMER_MARK = "(customer words"


@dataclass(frozen=True)
class Bank:
    """One category's labelled sentences: `violations` are positives, `counter_examples` near misses."""

    category: str
    violations: tuple[str, ...]
    counter_examples: tuple[str, ...]


@dataclass(frozen=True)
class Banks:
    """Every category's bank plus the compliant talk of `compliant.yaml`."""

    banks: dict[str, Bank] = field(default_factory=dict)
    compliant: tuple[str, ...] = ()
    customer_speech: frozenset[str] = frozenset()  # sentences in sections marked CUSTOMER_MARK
    sections: dict[str, str] = field(default_factory=dict)  # sentence -> its '# ---' section comment
    heard: dict[str, str] = field(default_factory=dict)  # sentence -> the speech model's text of it
    # customer.yaml: more of the customer's words, which teach the speaker model alone (whose words on
    # a mono call); the category models never see them
    customer_only: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.banks)


def default_banks_dir() -> Path:
    """The banks shipped with callqa."""
    return Path(str(resources.files("callqa.rules") / "packs" / "examples"))


@cache
def bank_categories() -> tuple[str, ...]:
    """Categories with an example bank shipped with callqa (the `bank` a `learned` rule may name)."""
    return tuple(
        sorted(p.stem for p in default_banks_dir().glob("*.yaml") if p.stem not in (COMPLIANT, CUSTOMER))
    )


def load_banks(directory: str | Path | None = None) -> Banks:
    """Load `<category>.yaml` files, `compliant.yaml` and the optional `customer.yaml` from `directory`
    (default: the shipped banks)."""
    directory = Path(directory) if directory is not None else default_banks_dir()
    problems: list[str] = []
    banks: dict[str, Bank] = {}
    compliant: tuple[str, ...] = ()
    customer_only: tuple[str, ...] = ()
    sections: dict[str, str] = {}
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise RulePackError([f"{directory.name}:0: no example banks (*.yaml) in {directory}"])
    for path in paths:
        if path.stem == COMPLIANT:
            compliant = tuple(_strings(_lists(path, {COMPLIANT: True}, problems, sections).get(COMPLIANT)))
            continue
        if path.stem == CUSTOMER:
            customer_only = tuple(_strings(_lists(path, {CUSTOMER: True}, problems, {}).get(CUSTOMER)))
            continue
        if path.stem not in CATEGORIES:
            problems.append(f"{path.name}:1: '{path.stem}' is not a category ({', '.join(CATEGORIES)})")
        keys = {"category": False, "violations": True, "counter_examples": True}
        lists = _lists(path, keys, problems, sections)
        if lists.get("category") not in (None, path.stem):
            problems.append(f"{path.name}:1: category '{lists['category']}' does not match the file name")
        banks[path.stem] = Bank(
            path.stem, _strings(lists.get("violations")), _strings(lists.get("counter_examples"))
        )
    heard = _heard(directory / HEARD, problems)
    if problems:
        raise RulePackError(problems)
    customer = frozenset(t for t, head in sections.items() if CUSTOMER_MARK in head and "您" not in t)
    return Banks(banks, compliant, customer, sections, heard, customer_only=customer_only)


def _heard(path: Path, problems: list[str]) -> dict[str, str]:
    """{written sentence: what the speech model heard} from `path`; none when the file is absent."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(f"{path.name}:0: cannot read: {exc}")
        return {}
    heard = data.get("heard") if isinstance(data, dict) else None
    if not isinstance(heard, dict) or not all(isinstance(v, str) for v in heard.values()):
        problems.append(f"{path.name}:1: 'heard' must map each written sentence to its transcription")
        return {}
    return heard


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _lists(
    path: Path, keys: dict[str, bool], problems: list[str], sections: dict[str, str]
) -> dict[str, object]:
    """The keys of one bank file; `keys` maps each allowed key to whether it holds a sentence list.
    Each sentence's section comment is recorded in `sections`."""
    try:
        text = path.read_text(encoding="utf-8")
        data, lines = load_with_lines(text)
    except OSError as exc:
        problems.append(f"{path.name}:0: cannot read: {exc}")
        return {}
    except YamlSyntaxError as exc:
        problems.append(f"{path.name}:{exc.line}: {exc}")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path.name}:1: an example bank is a mapping with {', '.join(keys)}")
        return {}
    out: dict[str, object] = {}
    for key, value in data.items():
        if key not in keys:
            problems.append(f"{path.name}:{line_of(lines, (key,))}: unknown field '{key}'")
        elif not keys[key]:
            out[key] = value
        elif not isinstance(value, list) or not value:
            problems.append(f"{path.name}:{line_of(lines, (key,))}: '{key}' must be a non-empty list")
        else:
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item.strip():
                    problems.append(f"{path.name}:{line_of(lines, (key, i))}: not a sentence: {item!r}")
            out[key] = [s.strip() for s in value if isinstance(s, str) and s.strip()]
            sections.update(_sections(text, lines, key, value))
    for key, is_list in keys.items():
        if is_list and key not in data:
            problems.append(f"{path.name}:1: missing '{key}'")
    return out


def _sections(text: str, lines: dict[Path_, int], key: str, items: list[object]) -> dict[str, str]:
    """{sentence: the nearest '# ---' (or '# >>>') comment above it} for the items of list `key`."""
    source = text.splitlines()
    out, section, last = {}, "", 0
    for i, item in enumerate(items):
        line = lines.get((key, i), 0)
        for row in source[last : max(line - 1, last)]:
            if row.strip().startswith(("# ---", "# >>>")):
                section = row.strip()
        last = max(last, line - 1)
        if isinstance(item, str):
            out[item.strip()] = f"{key}: {section}"
    return out
