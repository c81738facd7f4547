"""The PostgreSQL index's query text: day ranges as the fewest facet terms, and tsquery literals."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from callqa.store.search import _parse
from callqa.store.search_index import Pattern, Prefix, _Counted, cover, day_range, tsquery_literal, walkable

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


def _plan(phrases: list[tuple[str, ...]], facets: list[tuple[str, ...]], shares: list[float]):  # type: ignore[no-untyped-def]
    counted = _Counted.of(phrases, facets)
    assert len(counted.queries) == len(shares)  # the phrase, each facet, each token
    return counted.plan(shares, joined=False)


def test_the_plan_reads_more_of_the_newest_segments_while_matches_are_dense() -> None:
    plan = _plan([("钱",)], [("~t:T05",)], [0.5, 0.05, 0.5])
    assert plan.next_step(rate=0.02, wanted=100, older=5_000_000) == int(100 / 0.02 * 1.3) + 1


def test_the_plan_asks_the_index_for_facets_that_together_hold_almost_nothing() -> None:
    # a team lead filtering on another team's agent: the facets' lists intersect to nothing
    plan = _plan([("还",)], [("~t:T05",), ("~a:A077",)], [0.0, 0.0, 0.0, 0.3])
    assert plan.next_step(rate=0.0, wanted=300, older=5_000_000) == ([], [("~t:T05",), ("~a:A077",)])


def test_the_plan_asks_the_index_for_the_rarest_token_of_a_long_phrase() -> None:
    phrase = ("不", "还", "钱", "就", "让", "你", "坐", "牢")
    token_shares = [0.2, 0.3, 0.3, 0.2, 0.1, 0.4, 0.01, 0.005]  # in sorted token order below
    tokens = sorted(set(phrase))
    shares = dict(zip(phrase, token_shares, strict=True))
    plan = _plan([phrase], [], [0.001, *(shares[t] for t in tokens)])
    assert plan.next_step(rate=0.0005, wanted=250, older=5_000_000) == ([("牢",)], [])


def _matches(pattern: Pattern, phrase: tuple[str, ...]) -> bool:
    return len(pattern) == len(phrase) and all(
        p is None or p == t for p, t in zip(pattern, phrase, strict=True)
    )


PHRASES = st.lists(st.lists(st.sampled_from("甲乙丙丁戊"), min_size=1, max_size=4).map(tuple), max_size=40)


@given(phrases=PHRASES)
def test_a_cover_matches_every_phrase_with_fewer_patterns(phrases: list[tuple[str, ...]]) -> None:
    patterns = cover(phrases)
    assert all(any(_matches(p, phrase) for p in patterns) for phrase in phrases)
    assert patterns == phrases or len(patterns) * 2 <= len(phrases)


def test_a_misheard_tier_is_covered_by_one_pattern_per_syllable() -> None:
    quality, stream, phrases = _parse("后果自负").tiers(fuzzy=True)[-1]
    assert (quality, stream) == (0, "syllables") and len(phrases) > 50
    assert sorted(tsquery_literal([p]) for p in cover(phrases)) == [
        "('guo' <-> 'zi' <-> 'hu')",
        "('hou' <-> 'guo' <-> 'zi')",
        "('hou' <-> 'guo' <2> 'hu')",
        "('hou' <2> 'zi' <-> 'hu')",
    ]
    assert cover(phrases[:5]) == phrases[:5]  # a few phrases are matched as they are


@given(since=st.none() | DAYS, until=st.none() | DAYS, first=DAYS, last=DAYS)
def test_the_walked_days_are_the_ranges_days_that_exist(
    since: date | None, until: date | None, first: date, last: date
) -> None:
    """A day facet is walked day by day (ix_segment_tsv_day) over the days it names between the first
    and last day any segment has, when they are few; impossible dates such as 02-30 may come too."""
    days = walkable([("~s:agent",), day_range(since, until)], first.isoformat(), last.isoformat())
    lo, hi = max(filter(None, [since, first])), min(filter(None, [until, last]))
    wanted = [(lo + timedelta(days=k)).isoformat() for k in range((hi - lo).days + 1)]
    if days:
        assert {d for d in days if _real(d)} == set(wanted)
    else:
        assert not wanted or len(wanted) > 40  # none, or refused because the range holds many days


def _real(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True
