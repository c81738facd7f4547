"""Everything computed once per call and shared by all rules: normalised text and phrase hits."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from callqa.rules.model import CallContext, Span
from callqa.text.matcher import Found, PhraseMatcher
from callqa.text.normalize import NormalizedText, normalize
from callqa.transcript import CallInfo, Segment

if TYPE_CHECKING:
    import numpy as np

    from callqa.rules.learned.detector import Detector
    from callqa.rules.learned.scoring import CallScorer


class CallView:
    """A call's segments with lazily computed, cached normalised text and phrase occurrences."""

    def __init__(
        self,
        call: CallInfo,
        segments: list[Segment],
        context: CallContext,
        matcher: PhraseMatcher,
        detector: Detector | None = None,
        vectors: dict[str, np.ndarray] | None = None,
    ):
        self.call = call
        self.segments = segments
        self.context = context
        self.matcher = matcher
        ends = [s.end_s for s in segments]
        self.duration_s = call.duration_s or (max(ends) if ends else 0.0)
        self._texts: dict[int, NormalizedText] = {}
        self._found: dict[int, dict[int, list[Found]]] = {}
        self._marked: dict[int, tuple[str, list[int]]] = {}
        self.memo: dict[object, object] = {}  # per-call results: conditions by id(), scopes' segments
        self.detector = detector  # the text model of `learned` rules (None: the shipped one, if needed)
        self.vectors: dict[str, np.ndarray] = {} if vectors is None else vectors  # unit text -> embedding
        self._scorer: CallScorer | None = None

    @property
    def scorer(self) -> CallScorer:
        """The text model's scores of this call's sentences (created, and the model loaded, on first use)."""
        if self._scorer is None:
            from callqa.rules.learned.detector import default_detector
            from callqa.rules.learned.scoring import CallScorer

            self.detector = self.detector or default_detector()
            self._scorer = CallScorer(self.detector, self.segments, self.vectors, self.context.one_track)
        return self._scorer

    @property
    def scored(self) -> bool:
        """Whether the text model has looked at this call."""
        return self._scorer is not None

    def text(self, i: int) -> NormalizedText:
        """Normalised text of segment i."""
        if i not in self._texts:
            self._texts[i] = normalize(self.segments[i].text)
        return self._texts[i]

    def found(self, i: int) -> dict[int, list[Found]]:
        """Occurrences of every pack phrase in segment i, by phrase id."""
        if i not in self._found:
            table: dict[int, list[Found]] = defaultdict(list)
            for f in self.matcher.scan(self.text(i)):
                table[f.pid].append(f)
            self._found[i] = table
        return self._found[i]

    def marked(self, i: int) -> tuple[str, list[int]]:
        """Segment i's normalised text with '，' at each clause break, and each char's normalised index."""
        if i not in self._marked:
            text, out, index = self.text(i), [], []
            for k, ch in enumerate(text.chars):
                if k in text.breaks:
                    out.append("，")
                    index.append(k)
                out.append(ch)
                index.append(k)
            index.append(len(text.chars))
            self._marked[i] = ("".join(out), index)
        return self._marked[i]

    def time_at(self, i: int, char: int) -> float:
        """Estimated time of original character `char` of segment i (linear within the segment)."""
        seg = self.segments[i]
        n = max(len(seg.text), 1)
        return round(seg.start_s + (seg.end_s - seg.start_s) * min(char, n) / n, 2)

    def span(self, i: int, start: int, end: int, explanation: str, exact: bool = True) -> Span:
        """Evidence for normalised [start, end) of segment i (`exact` False: matched by sound)."""
        seg = self.segments[i]
        a, b = self.text(i).original_span(start, end)
        t0, t1 = self.time_at(i, a), self.time_at(i, b)
        return Span(i, a, b, seg.speaker, t0, t1, seg.text[a:b], explanation, exact=exact)

    def window(self, speaker: str, start_s: float, end_s: float | None, explanation: str) -> Span:
        """Evidence that covers a stretch of the call rather than words."""
        end = self.duration_s if end_s is None else min(end_s, self.duration_s or end_s)
        return Span(None, 0, 0, speaker, start_s, end, "", explanation)
