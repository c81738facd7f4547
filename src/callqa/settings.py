"""The workspace's settings: one typed, frozen object, read from ``config.toml`` once.

Every setting is declared here once, with its type, default and help; ``config.toml`` may set any of
them and nothing else: an unknown key or a wrong value is an error naming its line. The README's
settings table documents the same fields (a test keeps the two in step).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ROLES = ("admin", "supervisor", "inspector", "team_lead")
DATABASE_URL_ENV = "CALLQA_DATABASE_URL"
BROKER_URL_ENV = "CALLQA_BROKER_URL"


class SettingsError(Exception):
    """config.toml cannot be used; str() names the file and line."""


def _doc(default_text: str, help_text: str) -> Any:
    return {"doc_default": default_text, "help": help_text}


class Settings(BaseModel):
    """What a workspace's config.toml may set. Paths are relative to the workspace folder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str | None = Field(
        None,
        json_schema_extra=_doc(
            "SQLite file `callqa.db` in the workspace",
            "SQLAlchemy URL of the database, e.g. `postgresql+psycopg://user@host/callqa`; "
            f"`{DATABASE_URL_ENV}` overrides it",
        ),
    )
    broker_url: str | None = Field(
        None,
        json_schema_extra=_doc(
            "none: calls are processed in-process",
            "Celery broker, e.g. `redis://host:6379/0`: `process` and `serve` enqueue calls for "
            f"`callqa worker`s; `{BROKER_URL_ENV}` overrides it",
        ),
    )
    rule_pack: str | None = Field(None, json_schema_extra=_doc("the shipped pack", "rule pack YAML file"))
    model: str | None = Field(
        None,
        json_schema_extra=_doc(
            "the bundled Whisper base",
            "CTranslate2 Whisper model directory (`--model` overrides it; `CALLQA_MODEL` applies when unset)",
        ),
    )
    workers: Annotated[int, Field(ge=1, le=64)] | None = Field(
        None,
        json_schema_extra=_doc(
            "CPU cores, at most 4", "parallel transcription processes of `callqa process`"
        ),
    )
    beam_size: Annotated[int, Field(ge=1, le=10)] = Field(
        1, json_schema_extra=_doc("1", "Whisper beam width; 3 is more accurate on real voices, slower")
    )
    unmasked_roles: tuple[str, ...] = Field(
        ("admin", "supervisor"),
        json_schema_extra=_doc(
            '["admin", "supervisor"]',
            "roles that see phone, ID-card and bank-card numbers unmasked",
        ),
    )
    appeal_window_days: Annotated[int, Field(ge=0, le=365)] = Field(
        3, json_schema_extra=_doc("3", "days a team lead has to appeal a verdict (0: no appeals)")
    )
    max_upload_mb: Annotated[float, Field(gt=0, le=10_000)] = Field(
        200, json_schema_extra=_doc("200", "largest upload through the workbench, in MB")
    )
    max_call_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = Field(
        120,
        json_schema_extra=_doc("120", "longer recordings are refused (at ingest, upload and processing)"),
    )
    session_hours: Annotated[float, Field(gt=0, le=24 * 30)] = Field(
        12, json_schema_extra=_doc("12", "how long a workbench sign-in lasts")
    )
    trusted_proxies: tuple[str, ...] = Field(
        (),
        json_schema_extra=_doc(
            "[] (none)",
            "addresses of reverse proxies whose `X-Forwarded-For` is believed; nobody else's is",
        ),
    )
    sample_rate: Annotated[float, Field(ge=0, le=1)] = Field(
        0.02,
        json_schema_extra=_doc(
            "0.02",
            "share of clean calls drawn for 抽检 (spot-check review); the draw is fixed per recording",
        ),
    )
    learn_verdict_weight: Annotated[float, Field(gt=0, le=100)] = Field(
        3.0,
        json_schema_extra=_doc(
            "3",
            "weight of a reviewer's verdict sentence against a bank sentence when `callqa learn` retrains",
        ),
    )
    ptp_grace_days: Annotated[int, Field(ge=0, le=60)] = Field(
        0,
        json_schema_extra=_doc(
            "0",
            "days after a promised day that a payment still keeps the promise (`callqa payments import`)",
        ),
    )
    audit_key_file: str | None = Field(
        None,
        json_schema_extra=_doc(
            "`audit.key` in the workspace",
            "secret key of the audit log's HMAC chain; keep it outside the database (and its backups)",
        ),
    )
    recordings_url: str | None = Field(
        None,
        json_schema_extra=_doc(
            "none: the workspace's `recordings/` (a shared mount)",
            "on a worker: `callqa serve`'s address, e.g. `http://10.0.0.1:8000`, to fetch recordings from",
        ),
    )
    worker_token_file: str | None = Field(
        None,
        json_schema_extra=_doc(
            "`worker.key` in the workspace",
            "secret that workers show to fetch recordings from `callqa serve`; the same file on each",
        ),
    )
    worker_lease_s: Annotated[float, Field(ge=5, le=3600)] = Field(
        60,
        json_schema_extra=_doc(
            "60", "seconds a worker's claim on a call lasts without a heartbeat before it is re-queued"
        ),
    )

    @field_validator("unmasked_roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
        return roles

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            ipaddress.ip_network(value, strict=False)  # ValueError names the bad address
        return values

    @classmethod
    def documented(cls) -> dict[str, tuple[str, str]]:
        """key → (default as documented, help), in declaration order."""
        out = {}
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            assert isinstance(extra, dict), name
            out[name] = (str(extra["doc_default"]), str(extra["help"]))
        return out


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*=", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def parse_settings(text: str, source: str = "config.toml") -> Settings:
    """Settings from TOML text; SettingsError names the line of an unknown key or a bad value."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{source}: {exc}") from None
    for key, value in raw.items():
        if isinstance(value, dict):
            raise SettingsError(f"{source}:{_line_of(text, key) or '?'}: unexpected table [{key}]")
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "?"
            line = _line_of(text, key)
            where = f"{source}:{line}" if line else source
            if error["type"] == "extra_forbidden":
                known = ", ".join(Settings.model_fields)
                problems.append(f"{where}: unknown setting {key!r} (known: {known})")
            else:
                problems.append(f"{where}: {key}: {error['msg']}")
        raise SettingsError("\n".join(problems)) from None


def load_settings(path: Path) -> Settings:
    """The settings in `path` (all defaults when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read ({exc})") from None
    return parse_settings(text, str(path))


def default_workers() -> int:
    """Measured: 2 workers x 1 thread beat 1 x 2 on 2 cores (bench_asr); more than 4 buys little."""
    return min(os.cpu_count() or 1, 4)
