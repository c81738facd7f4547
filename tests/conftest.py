"""Shared fixtures: the example corpus processed once through the real model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callqa.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="session")
def labels() -> dict[str, set[str]]:
    with (DATA / "labels.csv").open() as fh:
        return {r["call_id"]: {c for c in r["categories"].split(";") if c} for r in csv.DictReader(fh)}


@pytest.fixture(scope="session")
def corpus_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with all 14 example calls ingested and processed by the real model."""
    ws = tmp_path_factory.mktemp("corpus") / "ws"
    code, _, stderr = run_cli(
        "ingest",
        str(EXAMPLES / "calls"),
        "--manifest",
        str(EXAMPLES / "manifest.csv"),
        "--workspace",
        str(ws),
    )
    assert code == 0, stderr
    code, _, stderr = run_cli("process", "--workspace", str(ws))
    assert code == 0, stderr
    return ws


@pytest.fixture(scope="session")
def corpus_calls(corpus_workspace: Path) -> dict[str, dict]:
    code, stdout, _ = run_cli("calls", "--workspace", str(corpus_workspace), "--format", "json")
    assert code == 0
    return {c["call_id"]: c for c in json.loads(stdout)}
