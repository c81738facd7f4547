"""Shared fixtures: the example corpus processed once through the real model."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callqa.cli.main import app
from callqa.store.models import Call
from tests.pg import PostgresServer, empty_postgres_url, postgres_server, postgres_url, use_database

__all__ = ["empty_postgres_url", "postgres_server", "postgres_url"]  # fixtures for every test module

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"
TEST_AUDIT_KEY = b"test audit key, not a secret"  # for databases built directly, not via open_database


REAL_MODEL_FIXTURES = {"corpus_workspace", "corpus_calls"}


DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=(*DATABASES, "both"),
        default="sqlite",
        help="database behind the `db_url` fixture (modules marked both_databases always get both)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_databases: run the module's `db_url` tests on SQLite and PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`db_url` is SQLite unless `--db` says otherwise; marked modules run on both databases."""
    if "db_url" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("db")
    both = chosen == "both" or metafunc.definition.get_closest_marker("both_databases") is not None
    metafunc.parametrize("db_url", DATABASES if both else (chosen,), indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the corpus processed by the real speech model are `slow` (they still run in
    `make test`; `-m "not slow"` gives the quick loop)."""
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def new_call(call_id: str, **overrides: object) -> Call:
    """A Call row with placeholder file fields, for tests that build the database directly."""
    fields: dict[str, object] = {
        "call_id": call_id,
        "file_name": f"{call_id}.wav",
        "source_path": f"/in/{call_id}.wav",
        "content_sha256": call_id.ljust(64, "0"),
        "stored_path": f"calls/{call_id}.wav",
        "size_bytes": 1,
        "channels": "stereo",
        "extra": {},
        "status": "clean",
        "attempts": 1,
        "ingested_at": datetime.now(UTC).replace(tzinfo=None),
    }
    return Call(**(fields | overrides))


def outcome(calls: dict[str, dict]) -> dict[str, dict]:
    """`callqa calls -f json` records keyed by call id, without what depends on the database (row ids),
    so the results of two workspaces compare."""
    return {
        cid: c | {"violations": [{k: v for k, v in hit.items() if k != "id"} for hit in c["violations"]]}
        for cid, c in calls.items()
    }


def migrate_to(conn, revision: str, down: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Upgrade (or downgrade) the database behind `conn` to Alembic `revision`: old schemas for
    migration tests."""
    from alembic import command
    from alembic.config import Config

    from callqa.store.database import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(cfg, revision)


def insert_old_call(conn, *lines: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Call 1 with segments `lines` (speaker, text), written in SQL that every revision's schema
    accepts: data a database held before a migration under test."""
    from sqlalchemy import text

    conn.execute(text(
        "INSERT INTO calls (id, call_id, file_name, source_path, content_sha256, stored_path, size_bytes,"
        " channels, extra, status, attempts, ingested_at) VALUES (1, 'old', 'f', 's', 'h', 'p', 1, 'mono',"
        " '{}', 'clean', 0, '2026-01-01 00:00:00')"
    ))  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO segments (call_pk, position, speaker, start_s, end_s, text)"
            " VALUES (1, :position, :speaker, :position, :position + 1, :text)"
        ),
        [{"position": k, "speaker": speaker, "text": line} for k, (speaker, line) in enumerate(lines)],
    )


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty-of-rows database: a SQLite file in tmp_path, or a migrated PostgreSQL
    database (tests/pg.py) when parametrized so (see `--db` and the both_databases marker)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'db.sqlite'}"


@pytest.fixture(scope="session")
def labels() -> dict[str, set[str]]:
    with (DATA / "labels.csv").open() as fh:
        return {r["call_id"]: {c for c in r["categories"].split(";") if c} for r in csv.DictReader(fh)}


def build_examples(ws_dir: Path) -> Path:
    """The 14 example calls ingested for real into the workspace at `ws_dir` (its database as its
    config.toml says) and "transcribed" by the fake speech engine (their reference transcripts)."""
    from callqa.pipeline.process import process_pending
    from callqa.rules import load_default_pack
    from callqa.store.database import open_database
    from callqa.workspace import Workspace
    from tests.fakes import ScriptedSpeech

    code, _, stderr = run_cli("ingest", str(EXAMPLES / "calls"), "--manifest", str(EXAMPLES / "manifest.csv"),
                              "--workspace", str(ws_dir))  # fmt: skip
    assert code == 0, stderr
    ws = Workspace.open(ws_dir)
    db = open_database(ws)
    summary = process_pending(ws, db, load_default_pack(), "", transcriber=ScriptedSpeech.for_examples())
    db.close()
    assert summary.done == 14 and not summary.failed, summary
    return ws_dir


@pytest.fixture(scope="session")
def example_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example calls processed by the fake speech engine into SQLite: rules, storage and review
    cases as in production, in a second."""
    return build_examples(tmp_path_factory.mktemp("examples") / "ws")


@pytest.fixture(scope="session")
def example_workspace_pg(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Path:
    """The same on PostgreSQL (a database of its own, which nobody stays connected to: copy it with
    ``postgres_server.create_database(copy_of=...)``)."""
    ws_dir = tmp_path_factory.mktemp("examples-pg") / "ws"
    use_database(ws_dir, postgres_server.create_database())
    return build_examples(ws_dir)


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
