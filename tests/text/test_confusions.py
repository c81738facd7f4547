"""The confusion table: alignment, learning, and the shipped file being what the build script makes."""

import importlib.util
import json
from pathlib import Path

from callqa.text.align import GAP, alignment
from callqa.text.confusions import ConfusionTable, learn, sound_pairs, table
from callqa.text.syllables import Sound, char_sounds, sound_of

ROOT = Path(__file__).resolve().parents[2]


def test_alignment_lines_up_substitutions_and_gaps() -> None:
    assert alignment("逾期十天", "一期天") == [(0, 0), (1, 1), (2, GAP), (3, 2)]
    assert alignment("", "啊") == [(GAP, 0)]
    assert alignment("坐牢", "坐牢") == [(0, 0), (1, 1)]


def test_sound_parsing_folds_and_keeps_tone() -> None:
    assert sound_of("ju1") == Sound("j", "v", 1, "ju")
    assert sound_of("zhuang4") == Sound("z", "uan", 4, "zuan")
    assert sound_of("le5") == Sound("l", "e", 5, "le")
    assert char_sounds("一") == (Sound("", "i", 1, "yi"),)  # no sandhi variants
    assert {s.syllable for s in char_sounds("还")} == {"hai", "huan"}


def test_sound_pairs_skip_digits_and_read_polyphones_kindly() -> None:
    pairs = sound_pairs("工号一零二三，请还款", "公号1023，请环款")
    assert [(a.syllable, b.syllable) for a, b in pairs] == [
        ("gong", "gong"), ("hao", "hao"), ("qin", "qin"), ("huan", "huan"), ("kuan", "kuan"),
    ]  # fmt: skip


def test_learning_makes_measured_confusions_cheap_and_symmetric() -> None:
    j, q, x = Sound("j", "v", 1, "ju"), Sound("q", "v", 1, "qu"), Sound("x", "v", 1, "xu")
    b, m = Sound("b", "a", 1, "ba"), Sound("m", "a", 1, "ma")
    right = [(j, j)] * 50 + [(q, q)] * 50 + [(b, b)] * 50 + [(m, m)] * 50 + [(x, x)] * 50
    tab = learn([*right, *[(j, q)] * 10, (b, m)])
    assert tab.cost(j, j) == 0
    assert tab.cost(j, q) == tab.cost(q, j) < tab.cost(j, x)  # measured beats the prior
    assert tab.cost(j, x) < tab.cost(b, x)  # a phonetic neighbour beats an unseen pair
    assert ConfusionTable.from_json(json.loads(json.dumps(tab.to_json()))) == tab


def test_shipped_table_is_learned_from_the_data() -> None:
    tab = table()
    assert tab.pairs > 3000 and 0 < tab.substitutions < tab.pairs
    i_v = tab.part("final", "i", "v")  # 逾 -> 一, the model's favourite mistake
    assert i_v < tab.unseen["final"] / 2
    assert len(tab.syllables) > 350 and tab.syllables["zuan"] == ("z", "uan")


def test_build_script_reproduces_the_shipped_table() -> None:
    """confusions.json is exactly what bench/build_confusions.py learns from the data in the repo."""
    spec = importlib.util.spec_from_file_location("build_confusions", ROOT / "bench" / "build_confusions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.loads((ROOT / "src" / "callqa" / "text" / "confusions.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(module.build().to_json())) == shipped
