"""Read a rule pack from YAML, validate it, and report every problem with its file and line."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callqa.rules import acoustic  # noqa: F401  (registers silence, overtalk, speech_rate, loudness)
from callqa.rules.conditions import AllOf, AnyOf, Condition, Leaf, NotOf
from callqa.rules.model import CATEGORIES, SEVERITIES, Rule, RulePack, RulePackError
from callqa.rules.operators import OPERATORS
from callqa.rules.scope import Scope
from callqa.rules.yamlmarks import Path_, YamlSyntaxError, line_of, load_with_lines
from callqa.text.matcher import PhraseMatcher

LOGIC = ("all", "any", "not")


class Modifiers(BaseModel):
    """Settings a rule or a condition passes down to the operators beneath it."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["agent", "customer", "any"] | None = None
    fuzzy: Literal["exact", "homophone", "pinyin", "loose"] | None = None
    allow_negated: bool | None = None
    first_seconds: float | None = Field(None, gt=0)
    first_sentences: int | None = Field(None, gt=0)
    after: str | None = None
    until: str | None = None
    before: str | None = None
    id: str | None = None
    label: str | None = None


INHERITED = ("role", "fuzzy", "allow_negated", "first_seconds", "first_sentences")


class RuleHeader(BaseModel):
    """The plain fields of a rule."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1)
    category: str
    severity: str
    deduction: int = Field(ge=0, le=100)
    description: str = ""
    auto_confirm: bool = Field(False, strict=True)  # hits skip manual review (recorded as confirmed)


@dataclass
class _Ctx:
    """Per-pack parsing state."""

    filename: str
    lines: dict[Path_, int]
    matcher: PhraseMatcher
    problems: list[str] = field(default_factory=list)
    rule_id: str = "?"
    named: dict[str, Condition] = field(default_factory=dict)
    refs: list[tuple[Leaf, str, str, Path_]] = field(default_factory=list)

    def error(self, path: Path_, message: str, in_rule: bool = True) -> None:
        where = f"rule '{self.rule_id}': " if in_rule else ""
        self.problems.append(f"{self.filename}:{line_of(self.lines, path)}: {where}{message}")

    def pydantic(self, path: Path_, exc: ValidationError) -> None:
        for err in exc.errors():
            loc = tuple(err["loc"])
            field_name = ".".join(str(p) for p in loc)
            msg = err["msg"].removeprefix("Value error, ")
            self.error((*path, *loc), f"{field_name}: {msg}" if field_name else msg)


def load_pack(path: str | Path) -> RulePack:
    """Load and validate a rule pack; raise RulePackError listing every problem as 'file:line: message'."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulePackError([f"{path.name}:0: cannot read: {exc}"]) from exc
    return parse_pack(text, path)


def load_default_pack() -> RulePack:
    """The pack shipped with callqa (rules/packs/default.yaml)."""
    ref = resources.files("callqa.rules") / "packs" / "default.yaml"
    with resources.as_file(ref) as p:
        return load_pack(p)


def parse_pack(text: str, path: Path) -> RulePack:
    """Validate YAML text as a rule pack (`path` is used for messages and `RulePack.path`)."""
    ctx = _Ctx(path.name, {}, PhraseMatcher())
    try:
        data, ctx.lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise RulePackError([f"{path.name}:{exc.line}: {exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RulePackError([f"{path.name}:1: a rule pack is a mapping with a 'rules' list"])
    for key in data:
        if key not in ("rules", "name", "version", "description"):
            ctx.error((key,), f"unknown top-level field '{key}'", in_rule=False)
    rules, seen = [], set()
    for i, raw in enumerate(data["rules"]):
        rule = _parse_rule(raw, ("rules", i), ctx)
        if rule is not None and rule.id in seen:
            ctx.error(("rules", i, "id"), "duplicate rule id")
        elif rule is not None:
            seen.add(rule.id)
            rules.append(rule)
    if ctx.problems:
        raise RulePackError(ctx.problems)
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return RulePack(path=path, rules=rules, matcher=ctx.matcher, version=version)


def _parse_rule(raw: Any, path: Path_, ctx: _Ctx) -> Rule | None:
    ctx.rule_id, ctx.named, ctx.refs = f"#{int(path[-1]) + 1}", {}, []
    if not isinstance(raw, dict):
        ctx.error(path, "a rule must be a mapping")
        return None
    if isinstance(raw.get("id"), str):
        ctx.rule_id = raw["id"]
    before = len(ctx.problems)
    bodies = [k for k in ("when", "required") if k in raw]
    if len(bodies) != 1:
        ctx.error(path, "give exactly one of 'when' (fires when it holds) or 'required' (fires when absent)")
    header_keys = set(RuleHeader.model_fields)
    mods = {k: v for k, v in raw.items() if k not in header_keys and k not in ("when", "required")}
    try:
        header = RuleHeader.model_validate({k: v for k, v in raw.items() if k in header_keys})
    except ValidationError as exc:
        ctx.pydantic(path, exc)
        header = None
    if header is not None and header.category not in CATEGORIES:
        ctx.error(
            (*path, "category"),
            f"unknown category '{header.category}' (expected one of {', '.join(CATEGORIES)})",
        )
    if header is not None and header.severity not in SEVERITIES:
        ctx.error(
            (*path, "severity"),
            f"unknown severity '{header.severity}' (expected one of {', '.join(SEVERITIES)})",
        )
    defaults = _modifiers(mods, path, ctx, for_rule=True)
    condition = _parse_condition(raw[bodies[0]], (*path, bodies[0]), defaults, ctx) if bodies else None
    if bodies == ["required"] and condition is not None:
        _first_only(condition)
    for leaf, attr, ref, ref_path in ctx.refs:
        if ref not in ctx.named:
            ctx.error(ref_path, f"{attr}: no condition with id '{ref}' in this rule")
        else:
            setattr(leaf, attr, ctx.named[ref])
    if len(ctx.problems) > before or header is None or condition is None:
        return None
    return Rule(
        header.id,
        header.name,
        header.category,
        header.severity,
        header.deduction,
        condition,
        required=bodies[0] == "required",
        role=defaults.get("role") or "any",
        first_seconds=defaults.get("first_seconds"),
        description=header.description,
        auto_confirm=header.auto_confirm,
    )


def _first_only(node: Condition) -> None:
    """Under `required` only truth matters: let any-of nodes stop at the first child that holds."""
    if isinstance(node, AnyOf):
        node.first_only = True
    for child in getattr(node, "children", []):
        _first_only(child)
    if isinstance(node, NotOf):
        _first_only(node.child)


def _modifiers(raw: dict[str, Any], path: Path_, ctx: _Ctx, for_rule: bool = False) -> dict[str, Any]:
    allowed = INHERITED if for_rule else tuple(Modifiers.model_fields)
    unknown = [k for k in raw if k not in allowed]
    for k in unknown:
        ctx.error((*path, k), f"unknown field '{k}'" if for_rule else f"unknown operator '{k}'")
    try:
        return Modifiers.model_validate({k: v for k, v in raw.items() if k in allowed}).model_dump(
            exclude_none=True
        )
    except ValidationError as exc:
        ctx.pydantic(path, exc)
        return {}


def _parse_condition(raw: Any, path: Path_, inherited: dict[str, Any], ctx: _Ctx) -> Condition | None:
    if not isinstance(raw, dict) or not raw:
        ctx.error(path, "a condition must be a mapping with one operator or all/any/not")
        return None
    logic = [k for k in raw if k in LOGIC]
    ops = [k for k in raw if k in OPERATORS]
    if len(logic) + len(ops) > 1:
        ctx.error(path, f"one operator or all/any/not per condition, got {', '.join(logic + ops)}")
        return None
    rest = {k: v for k, v in raw.items() if k not in logic and k not in ops}
    if not logic and not ops and not [k for k in rest if k not in Modifiers.model_fields]:
        ctx.error(path, f"no operator (expected one of {', '.join((*OPERATORS, *LOGIC))})")
        return None
    mods = _modifiers(rest, path, ctx)
    scope_mods = {**inherited, **{k: v for k, v in mods.items() if k in INHERITED}}
    node = (
        _parse_logic(logic[0], raw[logic[0]], (*path, logic[0]), scope_mods, ctx)
        if logic
        else _parse_leaf(ops[0], raw.get(ops[0]), (*path, ops[0]), scope_mods, ctx)
        if ops
        else None
    )
    if node is None:
        return None
    node.label = mods.get("label")
    if "id" in mods:
        if mods["id"] in ctx.named:
            ctx.error((*path, "id"), f"duplicate condition id '{mods['id']}'")
        ctx.named[mods["id"]] = node
    if "until" in mods and "after" not in mods:
        ctx.error((*path, "until"), "'until' ends an 'after' span; give 'after' too")
    for attr in ("after", "until", "before"):
        if attr in mods:
            if isinstance(node, Leaf):
                ctx.refs.append((node, attr, mods[attr], (*path, attr)))
            else:
                ctx.error((*path, attr), f"'{attr}' applies to an operator, not to all/any/not")
    return node


def _parse_logic(kind: str, raw: Any, path: Path_, inherited: dict[str, Any], ctx: _Ctx) -> Condition | None:
    if kind == "not":
        child = _parse_condition(raw, path, inherited, ctx)
        return NotOf(child) if child is not None else None
    if not isinstance(raw, list) or not raw:
        ctx.error(path, f"'{kind}' takes a non-empty list of conditions")
        return None
    children = [_parse_condition(c, (*path, i), inherited, ctx) for i, c in enumerate(raw)]
    if any(c is None for c in children):
        return None
    return (AllOf if kind == "all" else AnyOf)(children)  # type: ignore[arg-type]


def _parse_leaf(name: str, raw: Any, path: Path_, mods: dict[str, Any], ctx: _Ctx) -> Leaf | None:
    op_cls = OPERATORS[name]
    try:
        params = op_cls.Params.model_validate(op_cls.coerce(raw))
    except ValidationError as exc:
        ctx.pydantic(path, exc)
        return None
    try:
        operator = op_cls.build(params, mods.get("fuzzy", "exact"), ctx.matcher)
    except ValueError as exc:
        ctx.error(path, str(exc))
        return None
    scope = Scope(
        mods.get("role", "any"),
        mods.get("first_seconds"),
        mods.get("first_sentences"),
        mods.get("allow_negated", False),
    )
    return Leaf(operator, scope)
