"""`callqa plan`: the printed resources, the memo's sections and costs, and its refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callqa.capacity.bench import BenchRecord
from callqa.capacity.costs import DAYS_PER_MONTH, cloud_costs, private_cost
from callqa.capacity.memo import SECTIONS, UNVERIFIED, render_memo
from callqa.capacity.prices import load_prices
from callqa.capacity.sizing import Load, MachineSpec, size
from tests.capacity.test_prices import EXAMPLE
from tests.capacity.test_sizing import BENCH
from tests.conftest import run_cli


def _plan(root: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("plan", "--calls-per-day", "18000", "--avg-minutes", "5", "-w", str(root), *args)


def test_plan_prints_resources_and_writes_the_memo(tmp_path: Path, benched: tuple[Path, BenchRecord]) -> None:
    root, record = benched
    memo = tmp_path / "memo.md"
    code, stdout, stderr = _plan(root, "--prices", str(EXAMPLE), "--out", str(memo))
    assert code == 0, stderr
    expected = size(Load(18_000, 5.0), record, MachineSpec(32, 128.0, "server"))
    assert f"{expected.worker_machines} x 32 cores" in stdout
    assert "20 h window + 30% headroom" in stdout and "monthly cost (CNY)" in stdout
    text = memo.read_text(encoding="utf-8")
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions), "every section, in order"
    assert f"**{expected.worker_machines} 台识别工作节点**" in text
    assert "每天 1,500 小时录音" in text and "阿里云 录音文件识别" in text
    assert "第二十一条" in text and "第五十五条" in text  # entrusted processing, impact assessment
    assert UNVERIFIED in text, "the example's estimates are marked"
    assert "https://help.aliyun.com/document_detail/207373.htm" in text


def test_plan_without_prices_still_sizes(tmp_path: Path, benched: tuple[Path, BenchRecord]) -> None:
    root, record = benched
    memo = tmp_path / "memo.md"
    code, stdout, stderr = _plan(root, "--out", str(memo), "--retention-days", "30", "--headroom", "0")
    assert code == 0, stderr
    expected = size(
        Load(18_000, 5.0, 30, 0.0), record, MachineSpec(record.machine.cores, record.machine.ram_gib, "")
    )
    assert f"{expected.worker_machines} x {record.machine.cores} cores" in stdout
    assert "monthly cost" not in stdout
    text = memo.read_text(encoding="utf-8")
    assert all(heading in text for heading in SECTIONS)
    assert "无法计算成本" in text and "保留 30 天" in text and "0% 余量" in text


def test_costs_add_up() -> None:
    prices = load_prices(EXAMPLE)
    plan = size(Load(18_000, 5.0), BENCH, MachineSpec(prices.server.cores, prices.server.ram_gib, "s"))
    private = private_cost(plan, prices)
    machines = plan.worker_machines + 1
    hardware = machines * prices.server.price / prices.server.lifetime_months
    power = (
        machines
        * prices.server.watts
        / 1000
        * 24
        * DAYS_PER_MONTH
        * prices.power.pue
        * prices.power.price_per_kwh
    )
    storage = plan.storage_tb * prices.storage.price_per_tb / prices.storage.lifetime_months
    assert private.total == pytest.approx(hardware + power + storage)
    shared = private.total - (plan.worker_machines / machines) * (hardware + power)
    hours = 1500 * DAYS_PER_MONTH
    for offer, cost in zip(prices.cloud, cloud_costs(plan, prices), strict=True):
        asr = hours * prices.cny(offer.price_per_hour, offer.currency) * offer.billed_channels
        assert cost.total == pytest.approx(asr + shared)
        assert cost.verified == (offer.verified and prices.server.verified and prices.power.verified
                                 and prices.storage.verified)  # fmt: skip


def test_verified_prices_carry_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace('"to verify"', '"read"'), encoding="utf-8")
    prices = load_prices(path)
    plan = size(Load(1000, 3.0), BENCH, MachineSpec(prices.server.cores, prices.server.ram_gib, "s"))
    text = render_memo(plan, prices, date(2026, 11, 26))
    assert UNVERIFIED not in text and "2026-11-26" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--calls-per-day", "0", "--avg-minutes", "5"), "--calls-per-day must be at least 1 (got 0)"),
        (("--calls-per-day", "-3", "--avg-minutes", "5"), "--calls-per-day must be at least 1 (got -3)"),
        (("--calls-per-day", "100", "--avg-minutes", "0"), "--avg-minutes must be above 0"),
        (("--calls-per-day", "100", "--avg-minutes", "-2"), "--avg-minutes must be above 0"),
        (
            ("--calls-per-day", "100", "--avg-minutes", "3", "--retention-days", "0"),
            "--retention-days must be",
        ),
        (("--calls-per-day", "100", "--avg-minutes", "3", "--window-hours", "30"), "--window-hours must be"),
    ],
)
def test_bad_numbers_are_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, _, stderr = run_cli("plan", *args, "-w", str(tmp_path / "ws"), "--out", str(tmp_path / "m.md"))
    assert code == 2 and message in stderr
    assert not (tmp_path / "m.md").exists()


def test_no_bench_yet(tmp_path: Path) -> None:
    code, _, stderr = _plan(tmp_path / "ws", "--out", str(tmp_path / "m.md"))
    assert code == 1 and "run `callqa bench` first" in stderr
    assert len(stderr.strip().splitlines()) == 1 and not (tmp_path / "m.md").exists()


def test_bad_prices_file(tmp_path: Path, benched: tuple[Path, BenchRecord]) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("[server]\nprice = 'cheap'\n", encoding="utf-8")
    code, _, stderr = _plan(benched[0], "--prices", str(bad), "--out", str(tmp_path / "m.md"))
    assert code == 1 and "p.toml: exchange: Field required" in stderr


def test_people_cost_is_counted_when_given_and_named_when_not(tmp_path: Path) -> None:
    prices = load_prices(EXAMPLE)
    plan = size(Load(18_000, 5.0), BENCH, MachineSpec(prices.server.cores, prices.server.ram_gib, "s"))
    without = render_memo(plan, prices, date(2026, 11, 26))
    assert "以上未含运维人力" in without and "未计入：运维人力" in without
    path = tmp_path / "prices.toml"
    ops = '\n[ops]\nper_month = 12000\nsource = "https://example.com/hr"\nread_on = 2026-11-26\nstatus = "read"\n'
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("\n[[cloud]]", ops + "\n[[cloud]]", 1), encoding="utf-8"
    )
    with_ops = load_prices(path)
    text = render_memo(plan, with_ops, date(2026, 11, 26))
    assert "以上未含运维人力" not in text and "| 运维人力 | 12,000 元 |" in text
    assert private_cost(plan, with_ops).total == pytest.approx(private_cost(plan, prices).total + 12_000)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 100_000), st.integers(1, 100_000), st.floats(0.5, 30.0))
def test_more_calls_never_cost_less(a: int, b: int, avg: float) -> None:
    prices = load_prices(EXAMPLE)
    machine = MachineSpec(prices.server.cores, prices.server.ram_gib, "s")
    small, big = (size(Load(n, avg), BENCH, machine) for n in sorted((a, b)))
    assert private_cost(big, prices).total >= private_cost(small, prices).total
    for cheap, dear in zip(cloud_costs(small, prices), cloud_costs(big, prices), strict=True):
        assert dear.total >= cheap.total
