"""The rule pack and text model a workspace runs with: one place, for the CLI, the workbench and workers.

The pack is the configured `rule_pack` (default: the shipped one). The model of its `learned` rules is
the workspace's current trained detector (`models/current` names a file in `models/`, written by
`callqa learn`), else the detector shipped with callqa.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from callqa.rules.conditions import AllOf, AnyOf, Condition, Leaf, NotOf
from callqa.rules.learned.detector import Detector, load_detector, shipped_model_path
from callqa.rules.learned.training import Labelled
from callqa.rules.loader import load_default_pack, load_pack
from callqa.rules.model import RulePack
from callqa.rules.operators import Learned
from callqa.workspace import Workspace, private_dir

CURRENT_NAME = "current"


def models_dir(ws: Workspace) -> Path:
    """Where trained detectors of this workspace are kept (0700)."""
    return private_dir(ws.root / "models")


def active_model_path(ws: Workspace) -> Path:
    """The detector file `learned` rules use in this workspace."""
    pointer = ws.root / "models" / CURRENT_NAME
    if pointer.is_file():
        name = pointer.read_text(encoding="utf-8").strip()
        if name and "/" not in name and (ws.root / "models" / name).is_file():
            return ws.root / "models" / name
    return shipped_model_path()


def active_detector(ws: Workspace) -> Detector:
    """The detector `learned` rules use in this workspace (see `active_model_path`)."""
    return load_detector(active_model_path(ws))


def workspace_pack(ws: Workspace, path: Path | None = None) -> RulePack:
    """The configured pack (or `path`), with the workspace's active detector attached.
    Raises RulePackError (pack) or DetectorError (model file)."""
    chosen = path or ws.rule_pack_path
    pack = load_pack(chosen) if chosen else load_default_pack()
    return replace(pack, detector=active_detector(ws))


def _learned_leaves(node: Condition) -> list[Learned]:
    """The `learned` operators anywhere in a condition tree."""
    if isinstance(node, Leaf):
        return [node.operator] if isinstance(node.operator, Learned) else []
    if isinstance(node, AllOf | AnyOf):
        return [op for c in node.children for op in _learned_leaves(c)]
    return _learned_leaves(node.child) if isinstance(node, NotOf) else []


def learned_rules(pack: RulePack) -> dict[str, str]:
    """{rule id: category} of the pack's rules that use the text model (a `learned` leaf anywhere)."""
    return {r.id: r.category for r in pack.rules if _learned_leaves(r.condition)}


def pack_examples(pack: RulePack) -> list[Labelled]:
    """The example sentences and counter-examples written in the pack's `learned` rules, labelled with
    their bank (what `callqa learn` adds to the banks and verdicts)."""
    out: dict[tuple[str, str], Labelled] = {}
    for rule in pack.rules:
        for op in _learned_leaves(rule.condition):
            for text in op.examples:
                out[(text, op.bank)] = Labelled(text, op.bank, True)
            for text in op.counter_examples:
                out.setdefault((text, op.bank), Labelled(text, op.bank, False))
    return list(out.values())
