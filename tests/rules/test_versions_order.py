"""Model versions are listed in the order they were made, also when two share a second."""

from __future__ import annotations

from callqa.rules.learned.versions import _order


def test_a_second_version_in_the_same_second_sorts_after_the_first() -> None:
    made = ["ws-20261127005434", "ws-20261127005434-2", "ws-20261127005434-10", "ws-20261127005435"]
    assert sorted(reversed(made), key=_order) == made
    assert sorted(made) != made  # a plain sort of the file names would not
