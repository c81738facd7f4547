"""The arithmetic of a plan: enough capacity, never more machines than needed, monotone in the load."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callqa.capacity.bench import BenchRecord
from callqa.capacity.machine import Machine
from callqa.capacity.sizing import SYSTEM_RESERVE_GIB, TB, Load, MachineSpec, PlanError, size

# 2 cores measured at 18 audio hours an hour (9 per core), 600 MiB per worker, 30 MB + 1 MB per hour
BENCH = BenchRecord(
    measured_at="2026-11-26T00:00:00+00:00", machine=Machine(2, "test CPU", 8.0), workers=2,
    threads_per_worker=1, model="m", beam_size=1, callqa_version="0", files=10, failed=0, audio_s=3600.0,
    wall_s=200.0, peak_worker_mib=600.0, recordings_bytes=30_000_000, database_bytes=1_000_000,
)  # fmt: skip
SERVER = MachineSpec(32, 128.0, "server")

calls = st.integers(1, 200_000)
minutes = st.floats(0.1, 60.0)
headrooms = st.floats(0.0, 2.0)
windows = st.floats(1.0, 24.0)
machines = st.builds(MachineSpec, st.integers(1, 256), st.floats(1.0, 2048.0), st.just("m"))


def test_worked_example_200_agents() -> None:
    """1,500 hours a day (18,000 calls of 5 minutes) in 20 hours with 30% headroom: 97.5 audio hours an
    hour, 11 cores at 9 per core, 1 machine of 32 cores."""
    plan = size(Load(18_000, 5.0), BENCH, SERVER)
    assert plan.load.audio_hours_per_day == 1500
    assert plan.required_rate == pytest.approx(1500 / 20 * 1.3)
    assert plan.cores_needed == 11 and plan.worker_machines == 1 and plan.workers_per_machine == 32
    assert plan.memory_per_machine_gib == pytest.approx(32 * 600 / 1024 * 1.3 + SYSTEM_RESERVE_GIB)
    kept_hours = 1500 * 365 * 1.3
    assert plan.recordings_tb == pytest.approx(kept_hours * 30e6 / TB)
    assert plan.database_tb == pytest.approx(kept_hours * 1e6 / TB)
    assert plan.busy_hours_per_day == pytest.approx(1500 / (32 * 9))
    on_bench_machines = size(Load(18_000, 5.0), BENCH, MachineSpec(2, 8.0, "bench"))
    assert on_bench_machines.worker_machines == math.ceil(97.5 / 18) == 6


@settings(max_examples=200, deadline=None)
@given(calls, calls, minutes, headrooms, windows, machines)
def test_more_calls_never_need_less(a: int, b: int, avg: float, headroom: float, window: float,
                                    machine: MachineSpec) -> None:  # fmt: skip
    small, big = (size(Load(n, avg, 90, headroom, window), BENCH, machine) for n in sorted((a, b)))
    assert big.worker_machines >= small.worker_machines
    assert big.cores_needed >= small.cores_needed
    assert big.storage_tb >= small.storage_tb


@settings(max_examples=200, deadline=None)
@given(calls, minutes, minutes, headrooms, headrooms, windows, windows, machines)
def test_longer_calls_more_headroom_shorter_windows_never_need_less(
    n: int, m1: float, m2: float, h1: float, h2: float, w1: float, w2: float, machine: MachineSpec
) -> None:
    base = size(Load(n, min(m1, m2), 30, min(h1, h2), max(w1, w2)), BENCH, machine)
    more = size(Load(n, max(m1, m2), 30, max(h1, h2), min(w1, w2)), BENCH, machine)
    assert more.worker_machines >= base.worker_machines and more.cores_needed >= base.cores_needed
    assert more.storage_tb >= base.storage_tb and more.memory_per_machine_gib >= base.memory_per_machine_gib


@settings(max_examples=300, deadline=None)
@given(calls, minutes, headrooms, windows, machines)
def test_enough_capacity_and_no_machine_too_many(n: int, avg: float, headroom: float, window: float,
                                                 machine: MachineSpec) -> None:  # fmt: skip
    plan = size(Load(n, avg, 30, headroom, window), BENCH, machine)
    capacity = plan.worker_machines * plan.machine_rate
    assert capacity >= plan.required_rate * (1 - 1e-9)
    assert (plan.worker_machines - 1) * plan.machine_rate < plan.required_rate
    assert plan.cores_needed * BENCH.per_core >= plan.required_rate * (1 - 1e-9)
    # a day's calls finish inside the window, headroom to spare
    assert plan.busy_hours_per_day * (1 + headroom) <= window * (1 + 1e-9)


@given(st.integers(1, 3650), st.integers(1, 3650))
def test_longer_retention_keeps_more(d1: int, d2: int) -> None:
    short, long = (size(Load(1000, 4.0, d, 0.3, 20), BENCH, SERVER) for d in sorted((d1, d2)))
    assert long.storage_tb >= short.storage_tb and long.worker_machines == short.worker_machines


def test_slower_machine_needs_more() -> None:
    slow = replace(BENCH, wall_s=BENCH.wall_s * 3)
    assert (
        size(Load(18_000, 5.0), slow, SERVER).cores_needed
        > size(Load(18_000, 5.0), BENCH, SERVER).cores_needed
    )


def test_memory_that_does_not_fit_is_flagged() -> None:
    assert not size(Load(100, 5.0), BENCH, MachineSpec(64, 16.0, "m")).memory_fits
    assert size(Load(100, 5.0), BENCH, SERVER).memory_fits


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calls_per_day": 0}, "--calls-per-day must be at least 1 (got 0)"),
        ({"calls_per_day": -5}, "--calls-per-day must be at least 1 (got -5)"),
        ({"avg_minutes": 0}, "--avg-minutes must be above 0"),
        ({"avg_minutes": -1.5}, "--avg-minutes must be above 0"),
        ({"avg_minutes": float("nan")}, "--avg-minutes must be above 0"),
        ({"retention_days": 0}, "--retention-days must be at least 1"),
        ({"headroom": -0.1}, "--headroom must be between 0 and 10"),
        ({"window_hours": 0}, "--window-hours must be above 0 and at most 24"),
        ({"window_hours": 25}, "--window-hours must be above 0 and at most 24"),
    ],
)
def test_bad_input_is_refused_in_one_line(kwargs: dict, message: str) -> None:
    args = {"calls_per_day": 100, "avg_minutes": 3.0} | kwargs
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Load(**args)
