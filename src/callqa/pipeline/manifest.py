"""Read the CSV a call system exports beside its recordings."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REQUIRED_COLUMNS = ("file", "call_id")
KNOWN_COLUMNS = ("file", "call_id", "agent_id", "customer_phone", "started_at", "channels", "team")
CHANNEL_SPECS = ("agent,customer", "customer,agent", "mixed")


class ManifestError(Exception):
    """The manifest as a whole cannot be used (unreadable, missing columns)."""


@dataclass(frozen=True)
class ManifestRow:
    """One recording described by the manifest; `error` is set when the row is unusable."""

    line: int
    path: Path
    call_id: str
    agent_id: str | None = None
    customer_phone: str | None = None
    started_at: datetime | None = None
    started_at_text: str | None = None
    channels: str = ""
    team: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def call_id_problem(call_id: str) -> str | None:
    """Why `call_id` cannot be used, or None. '~<n>' names calls by number in the workbench's links."""
    if not call_id.strip():
        return "call_id 为空"
    if len(call_id) > 200:
        return "call_id 超过 200 个字符"
    if call_id.startswith("~"):
        return f"call_id “{call_id}”不能以 ~ 开头"
    return None


def parse_started_at(text: str) -> datetime:
    """ISO 8601 timestamp; raises ValueError with a readable message."""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        example = "2026-11-20T10:00:00+08:00"
        raise ValueError(f"started_at “{text}”不是有效的时间，应为 ISO 8601 格式，如 {example}") from None


def read_manifest(path: Path) -> list[ManifestRow]:
    """Parse the manifest; bad rows come back with `error` set, bad files raise ManifestError."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ManifestError(f"{path.name}：缺少列 {'、'.join(missing)}")
            rows = [_row(path.parent, reader.line_num, raw) for raw in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path.name}：无法读取清单（{exc}）") from None
    return rows


def _row(base: Path, line: int, raw: dict[str | None, str | list[str] | None]) -> ManifestRow:
    values = {str(k).strip(): (v.strip() if isinstance(v, str) else "") for k, v in raw.items() if k}
    file_value = values.get("file", "")
    call_id = values.get("call_id", "") or Path(file_value).stem
    errors: list[str] = []
    if not file_value:
        errors.append("file 列为空")
    if problem := call_id_problem(call_id):
        errors.append(problem)
    started: datetime | None = None
    if values.get("started_at"):
        try:
            started = parse_started_at(values["started_at"])
        except ValueError as exc:
            errors.append(str(exc))
    channels = values.get("channels", "").replace(" ", "").lower()
    if channels and channels not in CHANNEL_SPECS:
        errors.append(f"channels “{values['channels']}”无效，可选：{' / '.join(CHANNEL_SPECS)}")
    extra = {k: v for k, v in values.items() if k not in KNOWN_COLUMNS}
    return ManifestRow(
        line=line,
        path=(base / file_value) if file_value else base,
        call_id=call_id,
        agent_id=values.get("agent_id") or None,
        customer_phone=values.get("customer_phone") or None,
        started_at=started,
        started_at_text=values.get("started_at") or None,
        channels=channels,
        team=values.get("team") or None,
        extra=extra,
        error=f"清单第 {line} 行：{'；'.join(errors)}" if errors else None,
    )
