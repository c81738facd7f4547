"""Compare example-based detectors by cross-validation on the banks (and on the example corpus).

Every bank list is cut into 5 folds; a model is trained on 4 folds (each sentence also garbled
twice by the ASR noise model, rate 0.15) and scores the 5th, clean and garbled (another seed).
For each category the threshold is set where 0.5% of the out-of-fold compliant sentences and
counter-examples score above it; the table gives recall there (clean / garbled) and the
threshold where recall is 0.9 with the false-flag rate it costs.

Run: PYTHONPATH=src python bench/compare_detectors.py   (embeddings cached in build/embeddings.npz)
Nothing here reads tests/data/heldout/.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from callqa.rules.learned.banks import load_banks
from callqa.rules.learned.embedcache import EmbeddingCache
from callqa.rules.learned.features import ngram_matrix
from callqa.rules.learned.training import Labelled, augment, labelled, noise_for

FOLDS = 5
FPR_AT = 0.005


def folds_of(examples: list[Labelled], seed: int = 0, sections: dict[str, str] | None = None) -> np.ndarray:
    """Fold number of each example, balanced within each (category, label) list; with `sections`,
    whole sections (sub-types such as 'stalking') go to one fold, so a fold tests unseen frames."""
    out = np.zeros(len(examples), int)
    groups: dict[tuple[str | None, bool], list[int]] = {}
    for i, x in enumerate(examples):
        groups.setdefault((x.category, x.violation), []).append(i)
    rng = random.Random(seed)
    for idx in groups.values():
        if sections is None:
            rng.shuffle(idx)
            for k, i in enumerate(idx):
                out[i] = k % FOLDS
            continue
        by_section: dict[str, list[int]] = {}
        for i in idx:
            by_section.setdefault(sections.get(examples[i].text, ""), []).append(i)
        load = [0] * FOLDS
        for members in sorted(by_section.values(), key=len, reverse=True):
            f = load.index(min(load))
            load[f] += len(members)
            out[members] = f
    return out


Scorer = Callable[[dict, np.ndarray, dict, list[str]], np.ndarray]


def linear(
    kind: str,
    pinyin: float,
    emb: float = 1.0,
    c: float = 1.0,
    chars: float = 0.0,
    chn: int = 2,
    raw: float = 0.0,
) -> Scorer:
    hasher = HashingVectorizer(
        analyzer="char", ngram_range=(1, chn), n_features=1 << 14, norm="l2", alternate_sign=False
    )

    def design(d: dict) -> csr_matrix:
        parts = []
        if emb:
            parts.append(csr_matrix(d["emb"] * emb))
        if raw:
            parts.append(ngram_matrix(d["texts"], pinyin, 0.0))
            parts.append(hasher.transform(d["texts"]) * chars)
        else:
            parts.append(ngram_matrix(d["texts"], pinyin, chars))
        return hstack(parts).tocsr()

    def run(train: dict, y: np.ndarray, test: dict, cats: list[str]) -> np.ndarray:
        xtr, xte = design(train), design(test)
        out = np.zeros((xte.shape[0], len(cats)))
        for j, _ in enumerate(cats):
            if kind == "lr":
                m = LogisticRegression(C=c, max_iter=500, class_weight="balanced", solver="liblinear")
                m.fit(xtr, y[:, j])
                out[:, j] = m.decision_function(xte)
            else:
                m = LinearSVC(C=c, class_weight="balanced")
                m.fit(xtr, y[:, j])
                out[:, j] = m.decision_function(xte)
        return out

    return run


def knn(k: int = 5) -> Scorer:
    def run(train: dict, y: np.ndarray, test: dict, cats: list[str]) -> np.ndarray:
        sims = test["emb"] @ train["emb"].T
        out = np.zeros((len(sims), len(cats)))
        for j, _ in enumerate(cats):
            pos, neg = sims[:, y[:, j] == 1], sims[:, y[:, j] == 0]
            top_pos = -np.sort(-pos, axis=1)[:, :k].mean(axis=1)
            top_neg = -np.sort(-neg, axis=1)[:, :k].mean(axis=1)
            out[:, j] = top_pos - top_neg
        return out

    return run


def matrices(texts: list[str], cache: EmbeddingCache) -> dict:
    return {"emb": cache(texts), "texts": texts}


def evaluate(name: str, scorer: Scorer, data: dict) -> dict:
    ex, cats, folds = data["examples"], data["cats"], data["folds"]
    n = len(ex)
    clean, noisy = np.zeros((n, len(cats))), np.zeros((n, len(cats)))
    t0 = time.time()
    for f in range(FOLDS):
        tr, te = np.where(folds != f)[0], np.where(folds == f)[0]
        if data.get("drop_customer"):
            tr = np.array([i for i in tr if not ex[i].customer])
        tr_texts = [ex[i].text for i in tr] + [c for i in tr for c in data["copies"][i]]
        ncopy = len(data["copies"][0])
        y_tr = data["y"][list(tr) + [i for i in tr for _ in range(ncopy)]]
        train = matrices(tr_texts, data["cache"])
        for texts, out in (([ex[i].text for i in te], clean), ([data["garbled"][i] for i in te], noisy)):
            out[te] = scorer(train, y_tr, matrices(texts, data["cache"]), cats)
    return report(name, clean, noisy, data, time.time() - t0)


def report(name: str, clean: np.ndarray, noisy: np.ndarray, data: dict, seconds: float) -> dict:
    ex, cats, y = data["examples"], data["cats"], data["y"]
    benign = np.array([not x.violation and not x.customer for x in ex])
    said = np.array([x.customer for x in ex])
    rows = {}
    for j, cat in enumerate(cats):
        neg = np.concatenate([clean[benign, j], noisy[benign, j]])
        thr = np.quantile(neg, 1 - FPR_AT)
        pos = y[:, j] == 1
        r_clean, r_noisy = (clean[pos, j] > thr).mean(), (noisy[pos, j] > thr).mean()
        cust = (np.concatenate([clean[said, j], noisy[said, j]]) > thr).mean()
        thr90 = np.quantile(np.concatenate([clean[pos, j], noisy[pos, j]]), 0.1)
        fpr90 = (neg >= thr90).mean()
        rows[cat] = (r_clean, r_noisy, fpr90, cust)
    mean = np.mean([list(v) for v in rows.values()], axis=0)
    print(flush=True)
    print(
        f"{name:28} recall@{FPR_AT:.1%}FPR clean {mean[0]:.3f} garbled {mean[1]:.3f} "
        f"| FPR@recall0.9 {mean[2]:.4f} | customer lines flagged {mean[3]:.3f} | {seconds:.0f}s"
    )
    for cat, (a, b, c, d) in rows.items():
        print(f"    {cat:24} {a:.3f} {b:.3f} {c:.4f} {d:.3f}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--drop-customer", action="store_true")
    ap.add_argument("--by-section", action="store_true", help="hold out whole bank sections per fold")
    ap.add_argument("--spec", nargs="*", default=[], help="lr:emb=1,pinyin=.5,chars=.5,c=1,chn=2")
    args = ap.parse_args()
    banks = load_banks()
    ex = labelled(banks)
    cats = list(banks.categories)
    noise = noise_for(banks)
    texts = [x.text for x in ex]
    data = {
        "examples": ex,
        "cats": cats,
        "folds": folds_of(ex, sections=banks.sections if args.by_section else None),
        "y": np.array([[int(x.violation and x.category == c) for c in cats] for x in ex]),
        "copies": augment(texts, noise, 2, 0.15, seed=1),
        "garbled": [v[0] for v in augment(texts, noise, 1, 0.15, seed=999)],
        "cache": EmbeddingCache("build/embeddings.npz"),
        "drop_customer": args.drop_customer,
    }
    models = {
        "knn5-emb": knn(5),
        "lr-emb": linear("lr", 0.0),
        "lr-pinyin": linear("lr", 1.0, emb=0),
        "lr-emb+pinyin": linear("lr", 0.5),
        "svm-emb+pinyin": linear("svm", 0.5, c=0.1),
        "lr-emb20-c1": linear("lr", 0.0, emb=20),
        "lr-emb20-c10": linear("lr", 0.0, emb=20, c=10),
        "lr-emb20+py1-c1": linear("lr", 1.0, emb=20),
        "lr-emb20+py3-c1": linear("lr", 3.0, emb=20),
        "lr-emb20+py3-c10": linear("lr", 3.0, emb=20, c=10),
        "lr-emb+py.5+ch.5": linear("lr", 0.5, chars=0.5),
        "lr-emb+ch.5": linear("lr", 0.0, chars=0.5),
        "lr-emb+py1": linear("lr", 1.0),
        "lr-emb+py.5-c3": linear("lr", 0.5, c=3),
    }
    for spec in args.spec:
        kind, _, rest = spec.partition(":")
        kw = {k: float(v) for k, v in (p.split("=") for p in rest.split(",") if p)}
        kw.setdefault("pinyin", 0.0)
        if "chn" in kw:
            kw["chn"] = int(kw["chn"])
        evaluate(spec, linear(kind, **kw), data)  # type: ignore[arg-type]
    for name, scorer in models.items():
        if not args.only or name in args.only:
            evaluate(name, scorer, data)


if __name__ == "__main__":
    main()


def inspect(scorer: Scorer, data: dict, cat: str, n: int = 25) -> None:
    """Print the out-of-fold benign sentences scoring highest for `cat`, and the lowest violations."""
    ex, cats, folds = data["examples"], data["cats"], data["folds"]
    j = cats.index(cat)
    scores = np.zeros(len(ex))
    for f in range(FOLDS):
        tr, te = np.where(folds != f)[0], np.where(folds == f)[0]
        ncopy = len(data["copies"][0])
        tr_texts = [ex[i].text for i in tr] + [c for i in tr for c in data["copies"][i]]
        y_tr = data["y"][list(tr) + [i for i in tr for _ in range(ncopy)]]
        train = matrices(tr_texts, data["cache"])
        scores[te] = scorer(train, y_tr, matrices([ex[i].text for i in te], data["cache"]), cats)[:, j]
    benign = [i for i, x in enumerate(ex) if not x.violation]
    pos = [i for i, x in enumerate(ex) if x.violation and x.category == cat]
    print("top benign:")
    for i in sorted(benign, key=lambda i: -scores[i])[:n]:
        print(f"  {scores[i]:6.2f} {ex[i].category or 'compliant':24} {ex[i].text}")
    print("lowest violations:")
    for i in sorted(pos, key=lambda i: scores[i])[:n]:
        print(f"  {scores[i]:6.2f} {ex[i].text}")
