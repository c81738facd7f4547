"""How well the default pack's phrases survive speech-to-text: found and false matches, per fuzzy mode.

For every phrase of the default rule pack, in its own fuzzy mode, over the example calls and the
measurement dialogues (reference text against what Whisper heard):
- recall: occurrences in the reference found in the heard text at the aligned place;
- false matches in the heard text: matches where the reference does not hold the phrase;
- false matches in the reference itself (text as said: any non-exact match there is a lookalike).
Run: `.venv/bin/python bench/bench_fuzzy.py` (a few seconds).
"""

from __future__ import annotations

from collections import Counter

from build_confusions import corpus_texts  # bench/ is on sys.path when this script runs
from callqa.rules import load_default_pack
from callqa.text.align import GAP, alignment
from callqa.text.normalize import normalize


def main() -> None:
    pack = load_default_pack()
    matcher = pack.matcher
    stats: Counter[str] = Counter()
    false_examples: Counter[tuple[str, str, str]] = Counter()
    for _, ref_text, heard_text in corpus_texts():
        ref, hyp = normalize(ref_text), normalize(heard_text)
        to_hyp = {i: j for i, j in alignment(ref.chars, hyp.chars) if i != GAP and j != GAP}
        said = [(f.pid, f.start, f.end) for f in matcher.scan(ref) if f.exact]
        heard = matcher.scan(hyp)
        for f in matcher.scan(ref):
            if not f.exact:
                stats["false in reference"] += 1
                ph = matcher.phrases[f.pid]
                false_examples[(ph.mode, ph.text, ref.chars[f.start : f.end])] += 1
        for pid, start, end in said:
            mode = matcher.phrases[pid].mode
            where = [to_hyp[i] for i in range(start, end) if i in to_hyp]
            stats[f"said {mode}"] += 1
            if where and any(h.pid == pid and h.start <= max(where) and h.end > min(where) for h in heard):
                stats[f"found {mode}"] += 1
        said_at = {(pid, to_hyp.get(start)) for pid, start, _ in said}
        for h in heard:
            if not any(p == h.pid and j is not None and abs(j - h.start) <= 2 for p, j in said_at):
                stats["false in heard"] += 1
                ph = matcher.phrases[h.pid]
                false_examples[(ph.mode, ph.text, hyp.chars[h.start : h.end])] += 1
    for mode in ("exact", "homophone", "pinyin", "loose"):
        if stats[f"said {mode}"]:
            print(f"{mode:9s} found {stats[f'found {mode}']}/{stats[f'said {mode}']}")
    print(
        "false matches: in the heard text",
        stats["false in heard"],
        "in the reference",
        stats["false in reference"],
    )
    for (mode, phrase, window), n in false_examples.most_common():
        print(f"  {mode}: {phrase} ~ {window} x{n}")


if __name__ == "__main__":
    main()
