"""Retrain the text model from the example banks plus reviewers' verdicts (`callqa learn`, 规则 page).

One run: read the verdicts (`rules.learned.verdicts`), train on banks + verdicts with the verdicts
weighted `verdict_weight` times, compare with the model in use (out-of-fold calibration per category,
and how many verdicts each model gets right), then save the new version and make it current unless
it is a dry run or the calibration got much worse (a recall drop over `max_recall_drop` in some
category: refused unless forced). Embeddings come from the shipped bank vectors and a workspace
cache (models/verdict_vectors.npz, 0600), so only new verdict sentences are embedded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from callqa.names import CATEGORY_NAMES, listed
from callqa.review import audit
from callqa.rules.active import active_detector, models_dir, pack_examples, workspace_pack
from callqa.rules.learned.banks import load_banks
from callqa.rules.learned.detector import Detector
from callqa.rules.learned.embedcache import EmbeddingCache, bank_vectors_path
from callqa.rules.learned.features import Embedder, embed
from callqa.rules.learned.training import Config, Labelled, train
from callqa.rules.learned.verdicts import verdict_examples
from callqa.rules.learned.versions import current_version, new_version, save_version, use_version
from callqa.store.database import Database
from callqa.store.models import User
from callqa.workspace import Workspace

VERDICT_CACHE = "verdict_vectors.npz"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class LearnOptions:
    verdict_weight: float = 3.0  # weight of a verdict sentence relative to a bank sentence
    config: Config | None = None  # training settings (None: those the model in use was trained with)
    banks_dir: Path | None = None  # None: the shipped banks
    dry_run: bool = False
    force: bool = False  # save even when the calibration got much worse
    max_recall_drop: float = 0.10


@dataclass(frozen=True)
class Agreement:
    """How many verdicts a model gets right: confirmed sentences it flags, false positives it does not."""

    positives_flagged: int
    positives: int
    negatives_quiet: int
    negatives: int

    def to_json(self) -> dict[str, int]:
        return {"positives_flagged": self.positives_flagged, "positives": self.positives,
                "negatives_quiet": self.negatives_quiet, "negatives": self.negatives}  # fmt: skip


@dataclass(frozen=True)
class LearnResult:
    version: str
    previous: str  # the version in use before (`shipped` or ws-…)
    saved: bool
    refused: str | None  # why it was not saved (besides a dry run)
    verdicts: dict[str, int]
    calibration: dict[str, dict[str, float]]  # the new model's, per category
    previous_calibration: dict[str, dict[str, float]]
    before: Agreement
    after: Agreement
    embedded: int  # texts embedded in this run (not found in the caches)
    seconds: float
    path: Path | None = None
    worse: list[str] = field(default_factory=list)  # categories whose recall dropped too much


def agreement(detector: Detector, examples: Sequence[Labelled], embedder: Embedder) -> Agreement:
    """Score the verdict sentences with `detector` at its own thresholds."""
    pos = neg = pos_ok = neg_ok = 0
    if examples:
        _, probs = detector.score([x.text for x in examples], embedder=embedder)
        for x, p in zip(examples, probs, strict=True):
            j = detector.categories.index(x.category) if x.category in detector.categories else None
            fires = j is not None and bool(p[j] >= detector.thresholds[j])
            pos, neg = pos + x.violation, neg + (not x.violation)
            pos_ok, neg_ok = pos_ok + (x.violation and fires), neg_ok + (not x.violation and not fires)
    return Agreement(pos_ok, pos, neg_ok, neg)


def recall_drops(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]], limit: float
) -> list[str]:
    """Categories whose out-of-fold recall (clean or garbled) fell by more than `limit`."""
    out = []
    for cat, new in after.items():
        old = before.get(cat)
        if old and any(old.get(k, 0.0) - new.get(k, 0.0) > limit for k in ("recall_clean", "recall_garbled")):
            out.append(cat)
    return out


def config_of(detector: Detector) -> Config:
    """The training settings `detector` was built with (defaults for what its metadata lacks), so that
    a retraining differs from the model in use by the verdicts only."""
    stored = detector.meta.get("config")
    if not isinstance(stored, dict):
        return Config()
    known = {f.name for f in fields(Config)}
    values = {k: v for k, v in stored.items() if k in known}
    if "categories" in values:
        values["categories"] = tuple(values["categories"])
    return Config(**values)


class _Counting:
    """Passes to the cache and reports progress: `train` asks the embedder once per fit and per test set."""

    def __init__(self, inner: Embedder, total: int, progress: Progress | None) -> None:
        self.inner, self.total, self.progress, self.done = inner, total, progress, 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        out = self.inner(texts)
        self.done += 1
        if self.progress:
            self.progress("训练中", min(self.done, self.total), self.total)
        return out


def learn(
    ws: Workspace,
    db: Database,
    actor: User | str,
    options: LearnOptions = LearnOptions(),
    *,
    embedder: Embedder = embed,
    progress: Progress | None = None,
) -> LearnResult:
    """Train a new version from banks + verdicts; save it and make it current unless a dry run or
    refused; audited when saved."""
    started = time.perf_counter()
    banks = load_banks(options.banks_dir)
    current = active_detector(ws)
    config = replace(options.config or config_of(current), extra_weight=options.verdict_weight)
    cats = list(config.categories or banks.categories)
    if progress:
        progress("读取复核结论", 0, 1)
    with db.session() as session:
        verdicts = verdict_examples(session, cats)
    written = [x for x in pack_examples(workspace_pack(ws)) if x.category in cats]
    cache = EmbeddingCache(models_dir(ws) / VERDICT_CACHE, embedder, seed=[bank_vectors_path()])
    total = config.folds * 3 + 1 + len(cats)
    counting = _Counting(cache, total, progress)
    previous = current_version(ws)
    version = new_version(ws)
    extra = [*verdicts.examples, *written]  # the pack's own example sentences weigh like verdicts
    detector, report = train(banks, extra, embedder=counting, config=config, version=version)
    before_cal = current.meta.get("calibration")
    before = agreement(current, verdicts.examples, cache)
    after = agreement(detector, verdicts.examples, cache)
    new_cal: dict[str, dict[str, float]] = report  # type: ignore[assignment]
    old_cal: dict[str, dict[str, float]] = before_cal if isinstance(before_cal, dict) else {}
    worse = recall_drops(old_cal, new_cal, options.max_recall_drop)
    refused = None
    if worse and not options.force:
        refused = (
            f"{listed(CATEGORY_NAMES, worse)}的交叉验证召回率下降超过 {options.max_recall_drop:.0%}，"
            "新模型未保存：请检查复核结论，或强制保存（callqa learn --force）"
        )
    path = None
    if not options.dry_run and refused is None:
        path = save_version(ws, detector)
        with db.session() as session:
            who = session.get(User, actor.id) if isinstance(actor, User) else actor
            audit.append(session, who or _name(actor), "model.learn", "model", version, {"version": previous},
                         {"version": version, "trained_on": detector.meta["trained_on"],
                          "verdict_weight": options.verdict_weight, **verdicts.to_json(),
                          "verdicts_right": after.to_json()})  # fmt: skip
    return LearnResult(
        version,
        previous,
        path is not None,
        refused,
        verdicts.to_json(),
        new_cal,
        old_cal,
        before,
        after,
        cache.embedded,
        time.perf_counter() - started,
        path,
        worse,
    )


def switch(ws: Workspace, db: Database, actor: User | str, version: str) -> str:
    """Make `version` (`shipped` or ws-…) the model in use (a rollback); audited. Returns the previous."""
    previous = current_version(ws)
    use_version(ws, version)
    with db.session() as session:
        who = session.get(User, actor.id) if isinstance(actor, User) else actor
        audit.append(session, who or _name(actor), "model.use", "model", version, {"version": previous},
                     {"version": version})  # fmt: skip
    return previous


def _name(actor: User | str) -> str:
    return actor.username if isinstance(actor, User) else actor
