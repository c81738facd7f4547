"""Normalisation keeps a faithful map back to the original characters."""

from hypothesis import given
from hypothesis import strategies as st

from callqa.text.normalize import normalize, normalize_char


def test_simplified_digits_punctuation() -> None:
    n = normalize("喂，還錢！工号 1023。ＡＢ")
    assert n.chars == "喂还钱工号一零二三ab"
    assert n.original_span(1, 3) == (2, 4)
    assert n.breaks == frozenset({1, 3, 5, 9})
    assert n.crosses_break(0, 2) and not n.crosses_break(1, 3)
    assert n.clause_start(2) == 1


@given(st.text(max_size=60))
def test_offsets_round_trip(text: str) -> None:
    n = normalize(text)
    assert len(n.chars) == len(n.offsets)
    assert list(n.offsets) == sorted(set(n.offsets))
    for ch, off in zip(n.chars, n.offsets, strict=True):
        assert normalize_char(text[off]) == ch
    for i in range(len(n.chars)):
        a, b = n.original_span(i, i + 1)
        assert normalize_char(text[a:b]) == n.chars[i]


@given(st.text(alphabet="你好，。 坐牢!?", max_size=40))
def test_every_dropped_char_is_a_break(text: str) -> None:
    n = normalize(text)
    for k in range(1, len(n.chars)):
        gap = n.offsets[k] - n.offsets[k - 1] > 1
        assert gap == (k in n.breaks)
