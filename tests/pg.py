"""A throw-away PostgreSQL server for tests, and fresh databases on it.

Fixtures (registered in tests/conftest.py, usable from any test module):

* ``postgres_server`` (session): a running :class:`PostgresServer`. Unless ``CALLQA_TEST_POSTGRES_URL``
  names a server to use instead (a superuser URL such as ``postgresql://postgres@db:5432/postgres``; only
  databases this session created are dropped there), it starts one from Debian's binaries
  (``/usr/lib/postgresql/<newest>/bin``, else ``pg_ctl`` on PATH) in a temporary folder, on a free port of
  127.0.0.1, with durability off (fsync, synchronous_commit, full_page_writes: tests need speed, not
  crash safety), and stops and removes it at the end of the session. PostgreSQL refuses to run as root:
  as root the folder is handed to the ``postgres`` account and initdb/pg_ctl run through ``runuser``;
  as anyone else they run as that user.
* ``postgres_url`` (function): a ``postgresql+psycopg://`` URL to a fresh database of its own, already
  migrated to the newest Alembic revision (cloned from a template migrated once per session, so a test
  pays a ``CREATE DATABASE`` of a few tenths of a second, not the migrations), dropped after the test. Pass it to
  ``callqa.store.database.Database`` or set it as ``CALLQA_DATABASE_URL``.
* ``empty_postgres_url`` (function): the same, without any table (migration tests).

For longer-lived databases (a module- or session-scoped fixture), call
``postgres_server.create_database()`` yourself (``copy_of=url`` copies a database) and
``drop_database`` it when done; :func:`use_database` points a workspace folder at one.
``example_workspace_pg`` (tests/conftest.py) is the example corpus processed into PostgreSQL.

Without PostgreSQL binaries (and no ``CALLQA_TEST_POSTGRES_URL``) the tests that need it are skipped,
unless ``CALLQA_REQUIRE_POSTGRES=1`` (``make test`` sets it, after ``make services`` installed them),
which turns the skip into a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

URL_ENV = "CALLQA_TEST_POSTGRES_URL"
REQUIRE_ENV = "CALLQA_REQUIRE_POSTGRES"
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "64MB",
}


def postgres_bindir() -> Path | None:
    """The newest Debian PostgreSQL's bin folder, else the folder of ``pg_ctl`` on PATH."""

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """A PostgreSQL server the tests may create and drop databases on (`admin_url` is a superuser's)."""

    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        self._names = itertools.count(1)
        self._prefix = f"callqa_test_{os.getpid()}_"
        self._created: set[str] = set()
        self._template: str | None = None

    def url(self, database: str) -> str:
        """The SQLAlchemy (psycopg 3) URL of `database` on this server."""
        return self.admin_url.set(drivername="postgresql+psycopg", database=database).render_as_string(
            hide_password=False
        )

    def _execute(self, statement: str) -> None:
        conninfo = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, *, migrated: bool = True, copy_of: str | None = None) -> str:
        """A new database, migrated to the newest revision (or empty, or a copy of the database at URL
        `copy_of`, which nobody may be connected to); returns its URL."""
        name = f"{self._prefix}{next(self._names)}"
        if copy_of is not None:
            template = make_url(copy_of).database or ""
        else:
            template = self._migrated_template() if migrated else "template0"
        # A client that just closed its connection to the template may still have a backend for a
        # moment ("source database … is being accessed by other users"): wait for it to go, then end
        # what is left (an idle pooled connection of an earlier test).
        for attempt in itertools.count():
            try:
                self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
                break
            except psycopg.errors.ObjectInUse:
                if attempt >= 20:
                    raise
                if attempt >= 10:
                    self._execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        f" WHERE datname = '{template}' AND pid <> pg_backend_pid()"
                    )
                time.sleep(0.2)
        self._created.add(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database this server created (connections still open to it are ended)."""
        name = make_url(url).database or ""
        if name in self._created:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._created.discard(name)

    def _migrated_template(self) -> str:
        if self._template is None:
            from callqa.store.database import make_engine, migrate

            name = f"{self._prefix}template"
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            self._created.add(name)
            engine = make_engine(self.url(name))
            migrate(engine)
            engine.dispose()
            self._template = name
        return self._template

    def drop_all(self) -> None:
        for name in sorted(self._created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    """Run as the `postgres` account when we are root (postgres will not run as root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class LocalPostgres:
    """A PostgreSQL server of our own from Debian's binaries, in a temporary folder on a free port of
    127.0.0.1, that can be stopped (as a crash: ``mode="immediate"``) and started again on the same
    port and data (database restart tests)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="callqa-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        subprocess.run(
            _as_server_user([str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                             "--encoding=UTF8", "--locale=C", "--no-sync"]),
            check=True, capture_output=True,
        )  # fmt: skip
        self.server = PostgresServer(URL.create("postgresql", username="postgres", host="127.0.0.1",
                                                port=self.port, database="postgres"))  # fmt: skip

    def start(self) -> LocalPostgres:
        options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
        options += f" -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} -p {self.port}"
        log = self.root / "log"
        started = subprocess.run(
            _as_server_user([str(self.bindir / "pg_ctl"), "start", "-w", "-D", str(self.data), "-l", str(log),
                             "-o", options]),
            capture_output=True, text=True,
        )  # fmt: skip
        if started.returncode != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"PostgreSQL did not start: {started.stderr or started.stdout}\n{text[-2000:]}")
        return self

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_server_user([str(self.bindir / "pg_ctl"), "stop", "-w", "-D", str(self.data), "-m", mode]),
            capture_output=True,
        )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def local_postgres() -> LocalPostgres:
    """A started :class:`LocalPostgres`; skips (or fails under CALLQA_REQUIRE_POSTGRES=1) without binaries."""
    bindir = postgres_bindir()
    if bindir is None:
        message = f"PostgreSQL binaries not found (run `make services`, or set {URL_ENV})"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return LocalPostgres(bindir).start()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test session (see the module docstring)."""
    if os.environ.get(URL_ENV):
        server = PostgresServer(make_url(os.environ[URL_ENV]))
        yield server
        server.drop_all()
        return
    local = local_postgres()
    try:
        yield local.server
    finally:
        local.remove()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh PostgreSQL database at the newest revision, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def empty_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh PostgreSQL database without any table, dropped after the test."""
    url = postgres_server.create_database(migrated=False)
    yield url
    postgres_server.drop_database(url)


def use_database(workspace_root: Path, database_url: str) -> None:
    """Point a workspace folder (new or not) at `database_url` through its config.toml, as a user would."""
    workspace_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = workspace_root / "config.toml"
    config.write_text(f'database_url = "{database_url}"\n', encoding="utf-8")
    config.chmod(0o600)
