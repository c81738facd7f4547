"""The settings object: documented in the README, typed, frozen, unknown keys refused with their line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from callqa.settings import Settings, SettingsError, parse_settings
from callqa.workspace import Workspace, WorkspaceError
from tests.conftest import ROOT


def _readme_settings() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", section, re.M)}


def test_every_setting_is_documented_in_the_readme_and_nothing_else() -> None:
    documented = _readme_settings()
    assert list(documented) == list(Settings.model_fields)
    for key, (default_text, _help) in Settings.documented().items():
        assert documented[key] == default_text, key


def test_unknown_key_is_refused_with_its_line() -> None:
    with pytest.raises(SettingsError, match=r"config.toml:3: unknown setting 'appeal_days'"):
        parse_settings("beam_size = 3\n\nappeal_days = 0\n")


def test_bad_values_name_key_and_line() -> None:
    with pytest.raises(SettingsError, match=r"config.toml:2: beam_size"):
        parse_settings('workers = 2\nbeam_size = "big"\n')
    with pytest.raises(SettingsError, match=r"config.toml:1: unmasked_roles.*unknown role"):
        parse_settings('unmasked_roles = ["boss"]\n')
    with pytest.raises(SettingsError, match=r"trusted_proxies"):
        parse_settings('trusted_proxies = ["not-an-address"]\n')
    with pytest.raises(SettingsError, match=r"config.toml"):
        parse_settings("beam_size = = 1\n")


def test_values_are_typed_and_frozen() -> None:
    settings = parse_settings('appeal_window_days = 0\nunmasked_roles = ["admin"]\nmax_call_minutes = 30\n')
    assert settings.appeal_window_days == 0
    assert settings.unmasked_roles == ("admin",)
    assert settings.max_call_minutes == 30.0
    assert Settings().max_call_minutes == 120 and Settings().beam_size == 1
    with pytest.raises(ValidationError):
        settings.beam_size = 5  # type: ignore[misc]


def test_workspace_reads_its_config_once(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    assert ws.settings == Settings()
    (tmp_path / "ws" / "config.toml").write_text("beam_size = 3\n", encoding="utf-8")
    assert ws.settings.beam_size == 1  # loaded when opened, not re-read per use
    assert Workspace.open(tmp_path / "ws").settings.beam_size == 3
    (tmp_path / "ws" / "config.toml").write_text("bogus = 1\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"config.toml:1: unknown setting 'bogus'"):
        Workspace.open(tmp_path / "ws")


def test_workspace_files_are_private(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    url = ws.database_url
    assert url.endswith("callqa.db")
    assert (ws.root / "callqa.db").stat().st_mode & 0o777 == 0o600
    assert ws.recordings_dir.stat().st_mode & 0o777 == 0o700
    assert (ws.root / "config.toml").stat().st_mode & 0o777 == 0o600
