"""The acoustic operators (silence, overtalk, speech_rate, loudness): thresholds from the pack, the
measures from the call's stored acoustics, hits that explain themselves with their time."""

from __future__ import annotations

import pytest

from callqa.audio.acoustics import Acoustics
from callqa.rules import CallContext, Hit, RulePackError, evaluate, load_default_pack
from callqa.transcript import CallInfo
from conftest import rule_yaml

STEREO = Acoustics(
    silence_s=50.0,
    longest_silence_s=42.0,
    overtalk_s=12.5,
    agent_interruptions=3,
    agent_chars_per_min=452.0,
    customer_chars_per_min=210.0,
    agent_loud_s=7.2,
    longest_silence_at=(723.0, 765.0),
    interruptions_at=(10.0, 20.5, 33.0),
    overtalk_at=((10.0, 12.0), (40.0, 50.5)),
    loud_at=((30.0, 33.5), (50.0, 53.7)),
)
MONO = Acoustics(50.0, 42.0, None, None, None, None, None, (723.0, 765.0))


def call() -> CallInfo:
    return CallInfo("t1", "A1", "13800000000", None, 900.0)


def fired(pack, acoustics: Acoustics | None) -> list[Hit]:  # type: ignore[no-untyped-def]
    return evaluate(pack, call(), [], CallContext(acoustics=acoustics))


def test_silence_fires_over_the_longest_limit_and_says_where(make_pack) -> None:  # type: ignore[no-untyped-def]
    hits = fired(make_pack(rule_yaml("silence: {longest_s: 30}", category="service_quality")), STEREO)
    assert [(h.speaker, h.start_s, h.end_s) for h in hits] == [("call", 723.0, 765.0)]
    assert hits[0].explanation == "最长静音 42 秒（12:03–12:45，上限 30 秒）"
    assert fired(make_pack(rule_yaml("silence: {longest_s: 30}", category="service_quality")), MONO)
    assert not fired(make_pack(rule_yaml("silence: {longest_s: 42}", category="service_quality")), STEREO)
    assert fired(make_pack(rule_yaml("silence: {total_s: 45}", category="service_quality")), STEREO)
    assert not fired(make_pack(rule_yaml("silence: {total_s: 50}", category="service_quality")), STEREO)


def test_overtalk_counts_interruptions_and_seconds_on_stereo_calls_only(make_pack) -> None:  # type: ignore[no-untyped-def]
    three = make_pack(rule_yaml("overtalk: {interruptions: 3}", category="service_quality"))
    hits = fired(three, STEREO)
    assert [(h.speaker, h.start_s) for h in hits] == [("agent", 10.0), ("agent", 20.5), ("agent", 33.0)]
    assert hits[0].explanation == "坐席打断客户共 3 次（3 次起提示）：00:10 客户话未说完坐席开口"
    assert not fired(make_pack(rule_yaml("overtalk: {interruptions: 4}", category="service_quality")), STEREO)
    assert not fired(three, MONO)  # mono: nobody knows who talked over whom
    seconds = fired(make_pack(rule_yaml("overtalk: {seconds: 10}", category="service_quality")), STEREO)
    assert [(h.start_s, h.end_s) for h in seconds] == [(10.0, 12.0), (40.0, 50.5)]
    assert "双方同时说话共 12 秒" in seconds[1].explanation and "00:40–00:50" in seconds[1].explanation


def test_speech_rate_above_or_below_per_role(make_pack) -> None:  # type: ignore[no-untyped-def]
    fast = fired(
        make_pack(rule_yaml("speech_rate: {role: agent, above: 400}", category="service_quality")), STEREO
    )
    assert len(fast) == 1 and fast[0].speaker == "agent" and (fast[0].start_s, fast[0].end_s) == (0.0, 900.0)
    assert fast[0].explanation == "坐席语速 452 字/分钟（上限 400），按整通电话计"
    slow = make_pack(rule_yaml("speech_rate: {role: customer, below: 250}", category="service_quality"))
    assert fired(slow, STEREO)[0].explanation.startswith("客户语速 210 字/分钟（下限 250）")
    assert not fired(make_pack(rule_yaml("speech_rate: {above: 460}", category="service_quality")), STEREO)
    assert not fired(slow, MONO) and not fired(slow, None)


def test_loudness_marks_the_agents_loudest_stretches(make_pack) -> None:  # type: ignore[no-untyped-def]
    hits = fired(make_pack(rule_yaml("loudness: {seconds: 5}", category="service_quality")), STEREO)
    assert [(h.speaker, h.start_s, h.end_s) for h in hits] == [("agent", 30.0, 33.5), ("agent", 50.0, 53.7)]
    assert hits[0].explanation == "坐席音量高于自身常态 10 dB 以上共 7.2 秒（5 秒起提示）：00:30–00:33"
    assert not fired(make_pack(rule_yaml("loudness: {seconds: 8}", category="service_quality")), STEREO)
    assert not fired(make_pack(rule_yaml("loudness: {seconds: 5}", category="service_quality")), MONO)


def test_calls_without_acoustics_never_fire(make_pack) -> None:  # type: ignore[no-untyped-def]
    for when in ("silence: {longest_s: 1}", "overtalk: {seconds: 1}", "loudness: {seconds: 1}"):
        assert not fired(make_pack(rule_yaml(when, category="service_quality")), None)


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("silence: {}", "give longest_s or total_s"),
        ("overtalk: {}", "give seconds or interruptions"),
        ("speech_rate: {role: agent}", "exactly one of above / below"),
        ("speech_rate: {role: boss, above: 1}", "role"),
        ("loudness: {seconds: -1}", "greater than 0"),
    ],
)
def test_bad_thresholds_are_pack_errors_with_a_line(make_pack, when: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RulePackError) as err:
        make_pack(rule_yaml(when, category="service_quality"))
    assert problem in str(err.value) and "pack.yaml:" in str(err.value)


def test_the_default_pack_flags_how_the_call_sounds_as_service_quality() -> None:
    hits = evaluate(load_default_pack(), call(), [], CallContext(acoustics=STEREO))
    sounded = {h.rule_name: h for h in hits if h.category == "service_quality"}
    assert set(sounded) == {"长时间静音", "抢话", "语速过快", "音量过高"}
    assert all(h.deduction <= 3 for h in sounded.values())
    quiet = Acoustics(10.0, 8.0, 1.0, 1, 260.0, 230.0, 0.4, (5.0, 13.0), (4.0,), ((4.0, 5.0),), ((6.0, 6.4),))
    assert not [h for h in evaluate(load_default_pack(), call(), [], CallContext(acoustics=quiet))
                if h.category == "service_quality"]  # fmt: skip
