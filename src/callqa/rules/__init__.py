"""callqa.rules: compliance rule packs (YAML) evaluated over call transcripts.

Role semantics: `role: agent` matches speakers 'agent' and 'unknown' (mono recordings mix both
parties, so unknown speech may be the agent's); `role: customer` matches 'customer' and 'unknown'.
"""

from callqa.rules.engine import evaluate, score
from callqa.rules.loader import load_default_pack, load_pack
from callqa.rules.model import CATEGORIES, SEVERITIES, CallContext, Hit, Rule, RulePack, RulePackError

__all__ = [
    "CATEGORIES",
    "SEVERITIES",
    "CallContext",
    "Hit",
    "Rule",
    "RulePack",
    "RulePackError",
    "evaluate",
    "load_default_pack",
    "load_pack",
    "score",
]
