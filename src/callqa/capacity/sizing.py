"""Sizing: the machines, cores, memory and storage a call volume needs, from a measured throughput.

Two margins, both stated in every output:
- the processing window: a day's recordings must be processed within `window_hours` (default 20 h,
  leaving 4 h a day for rechecks, backups and catching up after an outage);
- headroom on top (default 30%): calls longer or noisier than the bench sample, a busy day, a
  machine down. It applies to the processing rate, the memory per worker and the storage.

Throughput is scaled per core: a machine of N cores is taken to do N times the bench's per-core rate
(`callqa bench` on the machine to buy confirms it; bigger machines rarely scale better than linearly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from callqa.capacity.bench import BenchRecord

DEFAULT_HEADROOM = 0.30
DEFAULT_WINDOW_HOURS = 20.0
DEFAULT_RETENTION_DAYS = 365
SYSTEM_RESERVE_GIB = 2.0  # per machine: the OS, the worker's parent process, file cache for decoding
TB = 10**12  # storage is sold in decimal terabytes


class PlanError(ValueError):
    """Input a plan cannot be made from; str() is one line naming the value at fault."""


@dataclass(frozen=True)
class Load:
    """The call volume to plan for, and the margins."""

    calls_per_day: int
    avg_minutes: float
    retention_days: int = DEFAULT_RETENTION_DAYS
    headroom: float = DEFAULT_HEADROOM
    window_hours: float = DEFAULT_WINDOW_HOURS

    def __post_init__(self) -> None:
        checks = [
            (self.calls_per_day >= 1, f"--calls-per-day must be at least 1 (got {self.calls_per_day})"),
            (
                math.isfinite(self.avg_minutes) and 0 < self.avg_minutes <= 24 * 60,
                f"--avg-minutes must be above 0 and at most 1440 (got {self.avg_minutes:g})",
            ),
            (self.retention_days >= 1, f"--retention-days must be at least 1 (got {self.retention_days})"),
            (
                math.isfinite(self.headroom) and 0 <= self.headroom <= 10,
                f"--headroom must be between 0 and 10 (got {self.headroom:g})",
            ),
            (
                math.isfinite(self.window_hours) and 0 < self.window_hours <= 24,
                f"--window-hours must be above 0 and at most 24 (got {self.window_hours:g})",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise PlanError(message)

    @property
    def audio_hours_per_day(self) -> float:
        return self.calls_per_day * self.avg_minutes / 60


@dataclass(frozen=True)
class MachineSpec:
    """The worker machine planned for: the prices file's server, or one like the bench machine."""

    cores: int
    ram_gib: float
    label: str

    def __post_init__(self) -> None:
        if self.cores < 1 or not self.ram_gib > 0:
            raise PlanError(
                f"a machine needs at least 1 core and some memory (got {self.cores}, {self.ram_gib})"
            )


@dataclass(frozen=True)
class Sizing:
    """What `load` needs, on machines like `machine`, at the throughput of `bench`."""

    load: Load
    machine: MachineSpec
    bench: BenchRecord
    required_rate: float  # audio hours per wall hour, window and headroom included
    machine_rate: float  # what one worker machine does, audio hours per wall hour
    cores_needed: int  # the fewest cores that reach required_rate
    worker_machines: int
    workers_per_machine: int
    memory_per_machine_gib: float  # needed on each worker machine, headroom included
    recordings_tb: float  # kept for the retention period, headroom included
    database_tb: float

    @property
    def storage_tb(self) -> float:
        return self.recordings_tb + self.database_tb

    @property
    def cores_total(self) -> int:
        return self.worker_machines * self.machine.cores

    @property
    def busy_hours_per_day(self) -> float:
        """Hours a day the worker machines are busy with one day's calls (no headroom)."""
        return self.load.audio_hours_per_day / (self.worker_machines * self.machine_rate)

    @property
    def memory_fits(self) -> bool:
        return self.memory_per_machine_gib <= self.machine.ram_gib


def size(load: Load, bench: BenchRecord, machine: MachineSpec) -> Sizing:
    """The smallest number of worker machines that processes a day's calls within the window with the
    headroom to spare, and the memory and storage that go with it."""
    margin = 1 + load.headroom
    required = load.audio_hours_per_day / load.window_hours * margin
    machine_rate = bench.per_core * machine.cores
    workers = max(1, machine.cores // bench.threads_per_worker)
    per_audio_h = bench.recordings_bytes_per_audio_h, bench.database_bytes_per_audio_h
    kept_audio_h = load.audio_hours_per_day * load.retention_days * margin
    return Sizing(
        load=load,
        machine=machine,
        bench=bench,
        required_rate=required,
        machine_rate=machine_rate,
        cores_needed=max(1, math.ceil(required / bench.per_core)),
        worker_machines=max(1, math.ceil(required / machine_rate)),
        workers_per_machine=workers,
        memory_per_machine_gib=workers * bench.peak_worker_mib / 1024 * margin + SYSTEM_RESERVE_GIB,
        recordings_tb=kept_audio_h * per_audio_h[0] / TB,
        database_tb=kept_audio_h * per_audio_h[1] / TB,
    )
