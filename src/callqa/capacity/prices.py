"""The prices a cost comparison uses, read from a TOML file (`deploy/prices.example.toml` is one).

Every price names its source page and the day it was read, and says whether it was copied from that
page (`status = "read"`) or is an estimate still to be checked (`"to verify"`): the memo marks the
second kind, so that nobody mistakes a placeholder for a quote.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Positive = Annotated[float, Field(gt=0)]
Currency = Literal["CNY", "USD"]


class PricesError(Exception):
    """The prices file cannot be used; str() names the file and the entry at fault."""


class Sourced(BaseModel):
    """Where a figure comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Annotated[str, Field(pattern=r"^https?://\S+$")]
    read_on: date
    status: Literal["read", "to verify"]
    note: str = ""

    @property
    def verified(self) -> bool:
        return self.status == "read"


class Exchange(Sourced):
    usd_cny: Positive  # CNY per USD


class Server(Sourced):
    """One machine as bought: its price, size, power draw and how long it is written off over."""

    price: Positive
    currency: Currency = "CNY"
    cores: Annotated[int, Field(ge=1)]
    ram_gib: Positive
    watts: Positive  # average draw under load
    lifetime_months: Annotated[int, Field(ge=1)] = 36


class Power(Sourced):
    price_per_kwh: Positive  # CNY
    pue: Annotated[float, Field(ge=1, le=3)] = 1.0  # cooling and distribution overhead of the room


class Storage(Sourced):
    price_per_tb: Positive  # CNY per usable TB (after redundancy), bought once
    lifetime_months: Annotated[int, Field(ge=1)] = 36


class Ops(Sourced):
    per_month: Annotated[float, Field(ge=0)]  # CNY: the people who run the machines


class CloudAsr(Sourced):
    """A public-cloud speech-to-text offer for recorded files."""

    name: Annotated[str, Field(min_length=1)]
    price_per_hour: Positive  # per audio hour
    currency: Currency = "CNY"
    billed_channels: Annotated[int, Field(ge=1, le=2)] = 1  # 2: each channel of a stereo call is billed
    region: str = ""


class Prices(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    exchange: Exchange
    server: Server
    power: Power
    storage: Storage
    ops: Ops | None = None
    cloud: Annotated[list[CloudAsr], Field(min_length=1)]

    def cny(self, amount: float, currency: str) -> float:
        return amount * self.exchange.usd_cny if currency == "USD" else amount

    def entries(self) -> list[tuple[str, Sourced]]:
        """Every sourced figure with a label, for the memo's list of sources."""
        fixed: list[tuple[str, Sourced | None]] = [
            ("汇率", self.exchange),
            ("服务器", self.server),
            ("电费", self.power),
            ("存储", self.storage),
            ("运维人力", self.ops),
        ]
        return [(k, v) for k, v in fixed if v is not None] + [(c.name, c) for c in self.cloud]


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def load_prices(path: Path) -> Prices:
    """Read and validate a prices file; PricesError (one line) names what is wrong and where."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PricesError(f"cannot read prices file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PricesError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Prices.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise PricesError(f"{path}: {_where(first['loc'])}: {first['msg']}{more}") from None
