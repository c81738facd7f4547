"""Write the example banks as dialogues for /work/shared/tools/render_calls.py, to hear them.

Every violation and counter-example of every bank, and a fixed sample of the compliant talk, is read
out by the voice (the customer's words by the customer's voice), 40 sentences to a recording, in the
formats call systems export. `transcribe.py` then runs the recordings through the speech model and
writes what it heard beside each written sentence (src/callqa/rules/packs/examples/heard.json), the
real speech-to-text errors the detector is trained on besides its synthetic noise.

    PYTHONPATH=src python bench/data/heard/make_dialogues.py > /tmp/heard.json
    TTS_PYTHON /work/shared/tools/render_calls.py /tmp/heard.json /tmp/heard

With --missing only the violations and counter-examples heard.json lacks are written (sentences added
to the banks since it was made); `transcribe.py --add` then merges their transcription into it.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from callqa.rules.learned.banks import load_banks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "devset"))
from render_audio import REPAY

PER_CALL = 40
COMPLIANT_SAMPLE = 500
FORMATS = ("wav_pcm", "opus", "wav_mulaw", "flac", "mp3", "m4a")


def sentences(missing: bool = False) -> list[tuple[str, bool]]:
    """(text, said by the customer) for every sentence to hear, in a fixed order (`missing`: only the
    violations and counter-examples not heard yet)."""
    banks = load_banks()
    said = banks.customer_speech
    texts = [t for bank in banks.banks.values() for t in (*bank.violations, *bank.counter_examples)]
    if missing:
        return [(t, t in said) for t in dict.fromkeys(texts) if t not in banks.heard]
    texts += random.Random(7).sample(sorted(banks.compliant), COMPLIANT_SAMPLE)
    return [(t, t in said) for t in dict.fromkeys(texts)]


def main() -> None:
    items = sentences(missing="--missing" in sys.argv[1:])
    calls = []
    for n, i in enumerate(range(0, len(items), PER_CALL)):
        chunk = items[i : i + PER_CALL]
        calls.append({
            "id": f"b{n:03d}", "started_at": "2026-11-20T10:00:00+08:00", "agent": "A1",
            "phone": "13800000000", "layout": "stereo", "fmt": FORMATS[n % len(FORMATS)], "labels": [],
            "turns": [["C" if customer else "A", text] for text, customer in chunk],
        })  # fmt: skip
    say = {w: w.replace("还", "环") for w in REPAY}
    json.dump({"say": say, "calls": calls}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
