"""Whose words, on a mono recording: a classifier of sentences only a customer says.

A mono recording mixes both parties as 'unknown' speech, so the agent's rules also read the customer's
words: 「要不我直接微信转给你」 fires improper repayment, 「你出门小心点」 said to the agent fires a threat.
This model is trained on the banks' customers' words (sections marked as such) against every sentence
of the agent's (compliant talk, violations, counter-examples). Its threshold is set out of fold so that
no more than `AGENT_LOSS` of the agent's violating sentences would be taken for the customer's; an
'unknown' sentence above it is not held against the agent.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from callqa.rules.learned.features import EMBED_DIM, Embedder
from callqa.rules.learned.training import Config, Labelled, _fit, _fold_scales, design

AGENT_LOSS = 0.01  # share of the agent's violating sentences the threshold may give to the customer


def train_speaker(
    examples: Sequence[Labelled], embedder: Embedder, config: Config
) -> tuple[np.ndarray, np.ndarray, float, float, dict[str, float]] | None:
    """(embedding weights, n-gram weights with scales folded in, bias, threshold, a report of the
    out-of-fold figures: the share of customers' sentences caught, of agent sentences taken); None
    when the banks mark too few customers' words (or agent violations) to learn from."""
    texts = [x.text for x in examples]
    y = np.array([x.customer for x in examples], np.int64)
    agent_violations = np.array([x.violation and not x.customer for x in examples])
    if min(int(y.sum()), int(agent_violations.sum())) < 2 * config.folds:
        return None
    folds = np.arange(len(texts)) % config.folds
    random.Random(config.seed + 7).shuffle(folds)  # type: ignore[arg-type]
    weights = np.ones(len(texts), np.float32)
    x = design(texts, embedder, config)
    oof = np.zeros(len(texts))
    for f in range(config.folds):
        train, test = folds != f, folds == f
        coef, bias = _fit(x[train], y[train], weights[train], config.c)
        oof[test] = 1.0 / (1.0 + np.exp(-(np.asarray(x[test] @ coef) + bias)))
    threshold = float(np.quantile(oof[agent_violations], 1 - AGENT_LOSS))
    coef, bias = _fit(x, y, weights, config.c)
    report = {
        "threshold": round(threshold, 4),
        "customer_caught": round(float((oof[y == 1] >= threshold).mean()), 3),
        "agent_taken": round(float((oof[y == 0] >= threshold).mean()), 4),
        "agent_violations_taken": round(float((oof[agent_violations] >= threshold).mean()), 4),
    }
    emb = coef[:EMBED_DIM] * config.emb
    return emb, _fold_scales(coef[EMBED_DIM:], config), bias, threshold, report
