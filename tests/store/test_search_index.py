"""The PostgreSQL index's query text: day ranges as the fewest facet terms, and tsquery literals."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from callqa.store.search_index import Prefix, day_range, tsquery_literal

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


def _covers(terms: tuple[str, ...], day: date) -> bool:
    lexeme = f"~d:{day.isoformat()}"
    return any(lexeme.startswith(t) if isinstance(t, Prefix) else lexeme == t for t in terms)


@given(since=st.none() | DAYS, until=st.none() | DAYS, probes=st.lists(DAYS, min_size=1, max_size=30))
def test_a_day_range_covers_exactly_its_days(
    since: date | None, until: date | None, probes: list[date]
) -> None:
    terms = day_range(since, until)
    edges = [
        d + timedelta(days=k) for d in (since, until) if d for k in (-1, 0, 1) if date.min < d < date.max
    ]
    for day in [*probes, *edges]:
        assert _covers(terms, day) == ((since is None or day >= since) and (until is None or day <= until))


def test_a_day_range_is_few_terms() -> None:
    assert day_range(date(2026, 3, 5), date(2026, 3, 9)) == tuple(f"~d:2026-03-0{d}" for d in range(5, 10))
    assert len(day_range(date(2026, 7, 22), None)) <= 40  # any open range: days, months, years, decades
    assert day_range(None, None) == (Prefix("~d:"),) and day_range(date(2026, 3, 9), date(2026, 3, 5)) == ()


def test_tsquery_literal_ands_facets_and_marks_prefixes() -> None:
    phrase = tsquery_literal([("逾", "期")], [("~s:agent",), ("~d:2026-03-01", Prefix("~d:2026-04"))])
    assert phrase == "(('逾' <-> '期')) & ('~s:agent') & ('~d:2026-03-01' | '~d:2026-04':*)"
    assert tsquery_literal([], [("~t:it's",)]) == "('~t:it''s')"
