"""The systemd units in deploy/: they parse (systemd-analyze verify where it exists), are hardened, and
start commands and options the CLI has."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from callqa.cli.main import app
from callqa.settings import BROKER_URL_ENV, DATABASE_URL_ENV
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNITS = ["callqa-serve.service", "callqa-worker@.service"]
INSTALLED = "/opt/callqa/.venv/bin/callqa"
HARDENING = {
    "User": "callqa",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "RestrictSUIDSGID": "yes",
    "UMask": "0077",
    "StateDirectoryMode": "0700",
}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"), source=name)
    return parser


def _commands() -> dict[str, Any]:
    """The CLI's commands by name (Typer's own click: duck-typed, groups have `commands`)."""
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", UNITS)
def test_unit_is_hardened_and_reads_its_secrets_from_a_file(name: str) -> None:
    unit = _unit(name)
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, key
    assert service["EnvironmentFile"] == "/etc/callqa/callqa.env"
    assert "CHANGE-ME" not in (DEPLOY / name).read_text() and "postgresql" not in service.get(
        "Environment", ""
    )
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("name", UNITS)
def test_unit_starts_existing_commands_with_existing_options(name: str) -> None:
    commands = _commands()
    service = _unit(name)["Service"]
    for key in ("ExecStartPre", "ExecStart"):
        argv = shlex.split(service[key])
        assert argv[0] == INSTALLED
        command = commands.get(argv[1])
        assert command is not None, f"{name}: no command `callqa {argv[1]}`"
        used = 2
        if hasattr(command, "commands"):  # a group: `callqa model install`
            command, used = command.commands[argv[2]], 3
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        options = [a for a in argv[used:] if a.startswith("--")]
        assert set(options) <= known, f"{name}: unknown options {set(options) - known}"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_verifies_the_units(tmp_path: Path) -> None:
    """systemd's own check, with the CLI of this checkout standing in for the installed one."""
    callqa = Path(sys.executable).parent / "callqa"
    assert callqa.exists()
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8").replace(INSTALLED, str(callqa))
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "callqa-serve.service"),
         str(tmp_path / "callqa-worker@4.service")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for complaint in ("Unknown", "ignoring", "Failed", "Invalid"):
        assert complaint not in result.stderr, result.stderr


def test_env_example_names_the_settings() -> None:
    text = (DEPLOY / "callqa.env.example").read_text(encoding="utf-8")
    keys = {line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert keys == {DATABASE_URL_ENV, BROKER_URL_ENV}
