"""Train the example-based detector on the banks and write it to src/callqa/rules/packs/detector.npz.

Embeddings are cached in build/embeddings.npz, so a rebuild after a bank edit embeds only the new
sentences. Prints the out-of-fold calibration (recall and false flags at each threshold).
Run: PYTHONPATH=src python bench/build_detector.py [--benign-fpr 0.001] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from callqa.rules.learned.banks import load_banks
from callqa.rules.learned.detector import shipped_model_path
from callqa.rules.learned.embedcache import EmbeddingCache
from callqa.rules.learned.training import Config, train

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--benign-fpr", type=float, default=Config.benign_fpr)
    ap.add_argument("--out", type=Path, default=shipped_model_path())
    ap.add_argument("--version", default=None)
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "embeddings.npz")
    args = ap.parse_args()
    config = replace(Config(), benign_fpr=args.benign_fpr)
    detector, report = train(
        load_banks(), embedder=EmbeddingCache(args.cache), config=config, version=args.version
    )
    detector.save(args.out)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), version {detector.version}")


if __name__ == "__main__":
    main()
