"""Rule-pack validation reports every problem as file:line: message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from callqa.rules import CATEGORIES, RulePackError, load_default_pack, load_pack

GOOD_HEAD = """\
rules:
  - id: threat-01
    name: 威胁
    category: threat
    severity: critical
    deduction: 40
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_pack(path)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def test_unknown_operator_has_its_line(tmp_path: Path) -> None:
    got = problems(tmp_path, GOOD_HEAD + "    when:\n      keywrd: [坐牢]\n")
    assert got == ["broken.yaml:8: rule 'threat-01': unknown operator 'keywrd'"]


def test_bad_category_and_severity(tmp_path: Path) -> None:
    text = GOOD_HEAD.replace("category: threat", "category: thret").replace("critical", "fatal")
    got = problems(tmp_path, text + "    when:\n      keyword: [坐牢]\n")
    assert got[0].startswith("broken.yaml:4: rule 'threat-01': unknown category 'thret'")
    assert got[1].startswith("broken.yaml:5: rule 'threat-01': unknown severity 'fatal'")


def test_yaml_syntax_error_line(tmp_path: Path) -> None:
    got = problems(tmp_path, GOOD_HEAD + "    when:\n      keyword: [坐牢, 拘留\n  - id: x\n")
    assert len(got) == 1 and got[0].startswith("broken.yaml:9: YAML syntax error")


def test_missing_field_and_wrong_type(tmp_path: Path) -> None:
    text = GOOD_HEAD.replace("    name: 威胁\n", "").replace("deduction: 40", "deduction: lots")
    got = problems(tmp_path, text + "    when:\n      near: {a: [上门], b: [你家], within: far}\n")
    assert any(p.startswith("broken.yaml:2: rule 'threat-01': name: Field required") for p in got)
    assert any(
        p.startswith("broken.yaml:5: rule 'threat-01': deduction: Input should be a valid integer")
        for p in got
    )
    assert any(
        p.startswith("broken.yaml:7: rule 'threat-01': within: Input should be a valid integer") for p in got
    )


def test_several_rules_all_reported(tmp_path: Path) -> None:
    text = (
        GOOD_HEAD
        + """\
    when:
      regex: {pattern: "(坐牢"}
  - id: threat-01
    name: dup
    category: threat
    severity: low
    deduction: 5
    when:
      keyword: {any: [a], all: [b]}
  - id: r3
    name: no body
    category: abuse
    severity: low
    deduction: 5
    fuzzy: phonetic
"""
    )
    got = problems(tmp_path, text)
    assert got[0].startswith("broken.yaml:8: rule 'threat-01': pattern: bad regular expression")
    assert got[1] == "broken.yaml:15: rule 'threat-01': give exactly one of any / all / none"
    assert got[2].startswith("broken.yaml:16: rule 'r3': give exactly one of 'when'")
    assert got[3].startswith("broken.yaml:21: rule 'r3': fuzzy: Input should be")
    assert len(got) == 4


def test_unknown_reference_and_logic_shape(tmp_path: Path) -> None:
    got = problems(
        tmp_path,
        GOOD_HEAD + "    when:\n      all:\n        - keyword: [a]\n          after: nowhere\n"
        "        - not: [x]\n",
    )
    assert "broken.yaml:10: rule 'threat-01': after: no condition with id 'nowhere' in this rule" in got
    assert any(p.startswith("broken.yaml:11: rule 'threat-01': a condition must be a mapping") for p in got)


def test_duplicate_rule_id(tmp_path: Path) -> None:
    rule = GOOD_HEAD.removeprefix("rules:\n") + "    when:\n      keyword: [a]\n"
    got = problems(tmp_path, "rules:\n" + rule + rule)
    assert got == ["broken.yaml:9: rule 'threat-01': duplicate rule id"]


def test_not_a_pack(tmp_path: Path) -> None:
    assert problems(tmp_path, "- just a list\n") == [
        "broken.yaml:1: a rule pack is a mapping with a 'rules' list"
    ]


def test_default_pack_covers_every_category() -> None:
    pack = load_default_pack()
    assert pack.path.name == "default.yaml"
    assert {r.category for r in pack.rules} == set(CATEGORIES)
    for r in pack.rules:
        assert r.severity in ("low", "medium", "high", "critical") and 0 < r.deduction <= 40
        assert r.category in ("off_hours", "excessive_frequency", "service_quality") or r.role == "agent"


def test_auto_confirm_is_a_true_boolean_per_rule(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    second = GOOD_HEAD.replace("threat-01", "threat-02").removeprefix("rules:\n")
    path.write_text(
        GOOD_HEAD + "    auto_confirm: true\n    when:\n      keyword: [坐牢]\n"
        + second + "    when:\n      keyword: [拘留]\n",
        encoding="utf-8",
    )  # fmt: skip
    pack = load_pack(path)
    assert [r.auto_confirm for r in pack.rules] == [True, False]
    assert pack.auto_confirm == frozenset({"threat-01"})
    assert load_default_pack().auto_confirm == frozenset()  # the shipped pack: every hit is reviewed
    got = problems(tmp_path, GOOD_HEAD + '    auto_confirm: "yes"\n    when:\n      keyword: [坐牢]\n')
    assert got == ["broken.yaml:7: rule 'threat-01': auto_confirm: Input should be a valid boolean"]
