"""Train the example-based detector on the banks and write it to src/callqa/rules/packs/detector.npz.

Embeddings are cached in build/embeddings.npz, so a rebuild after a bank edit embeds only the new
sentences. Prints the out-of-fold calibration (recall and false flags at each threshold).
Also writes src/callqa/rules/packs/bank_vectors.npz: the embeddings (float16) of exactly the texts
this training asked for (bank sentences, their garbled copies, the out-of-fold garbled texts), so
that `callqa learn` embeds only the verdict sentences. Rebuild it whenever the banks or the
training defaults change (`--vectors-only` skips writing the model).
Run: PYTHONPATH=src python bench/build_detector.py [--benign-fpr 0.0015] [--out PATH] [--vectors-only]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from callqa.rules.learned.banks import load_banks
from callqa.rules.learned.detector import shipped_model_path
from callqa.rules.learned.embedcache import EmbeddingCache, Recorder, bank_vectors_path, write_vectors
from callqa.rules.learned.training import Config, train

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--benign-fpr", type=float, default=Config.benign_fpr)
    ap.add_argument("--out", type=Path, default=shipped_model_path())
    ap.add_argument("--version", default=None)
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "embeddings.npz")
    ap.add_argument("--vectors", type=Path, default=bank_vectors_path())
    ap.add_argument("--vectors-only", action="store_true", help="write only the bank vectors")
    args = ap.parse_args()
    config = replace(Config(), benign_fpr=args.benign_fpr)
    cache = EmbeddingCache(args.cache)
    recorder = Recorder(cache)
    detector, report = train(load_banks(), embedder=recorder, config=config, version=args.version)
    used = {t: cache.vectors[t] for t in recorder.texts}
    write_vectors(args.vectors, used, dtype=np.float16, compress=True)
    args.vectors.chmod(0o644)  # package data
    print(f"wrote {args.vectors} ({len(used)} texts, {args.vectors.stat().st_size / 1e6:.1f} MB)")
    if args.vectors_only:
        return
    detector.save(args.out)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), version {detector.version}")


if __name__ == "__main__":
    main()
