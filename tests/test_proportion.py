"""The Wilson score interval: known values, and its properties over every count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callqa.proportion import wilson_interval

counts = st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


def test_known_values() -> None:
    # Wilson (1927) / Newcombe (1998), 95%: 0 of 10 → [0, 0.2775]; 1 of 10 → [0.0179, 0.4042]
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(1, 10) == pytest.approx((0.0179, 0.4042), abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


@given(counts)
def test_contains_the_point_estimate_within_0_and_1(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low < high


@given(counts, st.integers(2, 20))
def test_narrows_as_the_sample_grows(kn: tuple[int, int], factor: int) -> None:
    k, n = kn
    low, high = wilson_interval(k, n)
    wider_low, wider_high = wilson_interval(k * factor, n * factor)  # same share, more observations
    assert wider_high - wider_low < high - low


def test_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)
