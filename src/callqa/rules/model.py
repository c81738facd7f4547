"""The nouns of the rules stage: what goes in besides the transcript, and what comes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from callqa.audio.acoustics import Acoustics
    from callqa.rules.conditions import Condition

# The categories found in what is said; the others are found in call metadata.
TextCategory = Literal[
    "threat",
    "abuse",
    "third_party_disclosure",
    "impersonation",
    "false_legal_claim",
    "improper_repayment",
    "missing_identification",
]
TEXT_CATEGORIES: tuple[str, ...] = get_args(TextCategory)
# service_quality (服务规范): how the call sounds (dead air, interrupting, speed, shouting) — not a
# violation of the collection rules, so its rules deduct little
CATEGORIES: tuple[str, ...] = (*TEXT_CATEGORIES, "off_hours", "excessive_frequency", "service_quality")
Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
Role = Literal["agent", "customer", "any"]


class RulePackError(Exception):
    """A rule pack that cannot be used; `problems` are 'file:line: message' strings."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class CallContext:
    """Facts about the call that come from elsewhere (the store), passed in by the caller."""

    same_number_calls_that_day: int = 1  # calls to this customer number in its local day, this one included
    acoustics: Acoustics | None = None  # measured when the call was processed (None: before acoustics)
    # both parties on one track: `callqa.speakers` guessed who is the agent, and may have guessed wrong
    one_track: bool = False


@dataclass(frozen=True)
class Hit:
    """One place where a rule fired. `speaker` is 'call' for metadata rules."""

    rule_id: str
    rule_name: str
    category: str
    severity: str
    deduction: int
    speaker: str
    start_s: float
    end_s: float
    text: str
    explanation: str
    confidence: float | None = None  # the text model's probability that this is a violation, if scored
    model_version: str | None = None  # the detector that scored it


@dataclass(frozen=True, slots=True)
class Span:
    """Evidence for a condition: a piece of one segment, or a stretch of the call (`segment` None)."""

    segment: int | None
    start: int  # character offsets in the segment's original text
    end: int
    speaker: str
    start_s: float
    end_s: float
    text: str
    explanation: str
    confidence: float | None = None  # set by the text model's operator
    exact: bool = True  # False: words matched by sound (拼音匹配), not as written


@dataclass(frozen=True)
class Rule:
    """A validated rule: fires when `condition` holds (or, when `required`, when it does not)."""

    id: str
    name: str
    category: str
    severity: str
    deduction: int
    condition: Condition
    required: bool = False
    role: Role = "any"
    first_seconds: float | None = None
    description: str = ""
    auto_confirm: bool = False  # precise enough that its hits skip manual review (confirmed by the system)


@dataclass(frozen=True)
class RulePack:
    """Rules loaded from one YAML file."""

    path: Path
    rules: list[Rule] = field(default_factory=list)
    matcher: object = None  # callqa.text.matcher.PhraseMatcher holding every phrase of the pack
    version: str = ""  # digest of the pack's text: recorded on every hit it finds
    detector: object = None  # callqa.rules.learned.detector.Detector for `learned` rules (None: shipped)

    @property
    def auto_confirm(self) -> frozenset[str]:
        """Ids of the rules whose hits the system confirms without manual review."""
        return frozenset(r.id for r in self.rules if r.auto_confirm)
