"""Words cut into byte pieces by faster-whisper's word split are rebuilt from the segment text:
no transcript holds U+FFFD (issue 7: 「动�女名下」)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callqa.asr.cleanup import RawSegment, clean_segments
from callqa.asr.transcribe import _Word, repair_words


def words_of(pieces: list[str]) -> list[_Word]:
    return [_Word(0.2 * k, 0.2 * k + 0.2, p) for k, p in enumerate(pieces)]


def test_a_character_split_across_words_is_rebuilt_in_the_first_word() -> None:
    repaired = repair_words(words_of(["冻", "\ufffd", "\ufffd你", "名下"]), "冻结你名下")
    assert [w.word for w in repaired] == ["冻", "结", "你", "名下"]
    assert [(w.start, w.end) for w in repaired] == [(w.start, w.end) for w in words_of(["", "", "", ""])]


def test_words_without_broken_characters_are_left_alone() -> None:
    words = words_of(["你好", "，", "我是"])
    assert repair_words(words, "你好，我是") is words


def test_unrepairable_pieces_are_dropped() -> None:
    repaired = repair_words(words_of(["动", "\ufffd", "女"]), "动\ufffd女")
    assert "".join(w.word for w in repaired) == "动女"
    cleaned = clean_segments([RawSegment(0.0, 1.0, "冻结\ufffd你的卡")])
    assert [s.text for s in cleaned] == ["冻结你的卡"]


@given(st.text(alphabet="冻结你名下的银行卡逾期还款，。abc12", min_size=1, max_size=30), st.data())
def test_any_byte_split_is_repaired_to_the_segment_text(text: str, data: st.DataObject) -> None:
    raw = text.encode()
    cuts = sorted(set(data.draw(st.lists(st.integers(1, max(1, len(raw) - 1)), max_size=8))))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True) if a < b]
    words = words_of([p.decode("utf-8", "replace") for p in pieces])
    repaired = repair_words(words, text)
    assert "".join(w.word for w in repaired) == text
    assert len(repaired) == len(words)
