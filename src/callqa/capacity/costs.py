"""Monthly cost, in CNY, of a private deployment and of each public-cloud speech-to-text offer.

Both run callqa's server (workbench, database, rules, review) and keep the recordings on premises for
playback; they differ in who transcribes. Private: the worker machines of the sizing. Cloud: the
provider, paid per audio hour. Hardware is written off linearly over its lifetime; money has no
interest here and no resale value.
"""

from __future__ import annotations

from dataclasses import dataclass

from callqa.capacity.prices import Prices
from callqa.capacity.sizing import Sizing

DAYS_PER_MONTH = 365 / 12
HOURS_PER_MONTH = 24 * DAYS_PER_MONTH


@dataclass(frozen=True)
class CostLine:
    label: str  # Chinese: it goes into the memo as is
    cny: float
    verified: bool  # every price behind it was read from its source


@dataclass(frozen=True)
class MonthlyCost:
    option: str
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return sum(line.cny for line in self.lines)

    @property
    def verified(self) -> bool:
        return all(line.verified for line in self.lines)


def _machines(prices: Prices, count: int, what: str) -> list[CostLine]:
    server, power = prices.server, prices.power
    price = prices.cny(server.price, server.currency)
    price_ok = server.verified and (server.currency == "CNY" or prices.exchange.verified)
    kwh = count * server.watts / 1000 * HOURS_PER_MONTH * power.pue
    return [
        CostLine(f"{what}：{count} 台，按 {server.lifetime_months} 个月折旧",
                 count * price / server.lifetime_months, price_ok),
        CostLine(f"{what}电费：{kwh:,.0f} 千瓦时", kwh * power.price_per_kwh,
                 power.verified and server.verified),
    ]  # fmt: skip


def _shared(sizing: Sizing, prices: Prices) -> list[CostLine]:
    """What both options pay: the callqa server, the storage, the people."""
    storage = prices.storage
    lines = _machines(prices, 1, "callqa 服务器（工作台、数据库、队列）")
    lines.append(
        CostLine(
            f"存储：{sizing.storage_tb:,.1f} TB，按 {storage.lifetime_months} 个月折旧",
            sizing.storage_tb * storage.price_per_tb / storage.lifetime_months,
            storage.verified,
        )
    )
    if prices.ops is not None:
        lines.append(CostLine("运维人力", prices.ops.per_month, prices.ops.verified))
    return lines


def private_cost(sizing: Sizing, prices: Prices) -> MonthlyCost:
    workers = _machines(prices, sizing.worker_machines, "识别工作节点")
    return MonthlyCost("私有部署（本地识别）", tuple(workers + _shared(sizing, prices)))


def cloud_costs(sizing: Sizing, prices: Prices) -> list[MonthlyCost]:
    hours = sizing.load.audio_hours_per_day * DAYS_PER_MONTH
    out = []
    for offer in prices.cloud:
        per_hour = prices.cny(offer.price_per_hour, offer.currency) * offer.billed_channels
        fx_ok = offer.currency == "CNY" or prices.exchange.verified
        asr = CostLine(
            f"云端识别：{hours:,.0f} 小时 × {per_hour:.2f} 元", hours * per_hour, offer.verified and fx_ok
        )
        out.append(MonthlyCost(offer.name, (asr, *_shared(sizing, prices))))
    return out
