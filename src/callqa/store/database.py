"""Engine, sessions and migrations. SQLite in WAL mode by default; any SQLAlchemy URL works.

A workspace's database is opened with `open_database`, which hands its sessions the audit key
(``session.info["audit_key"]``) that ``callqa.review.audit`` signs and checks entries with.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from callqa.workspace import Workspace, secret_file

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# SQLite's "database or disk is full", and its "disk I/O error" when the WAL index (-shm) cannot grow,
# which its documentation says "may indicate that the underlying filesystem volume is out of space"
SQLITE_DISK_FULL = frozenset({13, 4874})  # SQLITE_FULL, SQLITE_IOERR_SHMSIZE
POSTGRES_DISK_FULL = "53100"


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or the error behind it, is a write refused for lack of space: ENOSPC or a quota
    (OSError), SQLite's SQLITE_FULL or SQLITE_IOERR_SHMSIZE, PostgreSQL's disk_full. Such a write
    changed nothing (its transaction rolled back), so the same command can run again once there is
    space."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            return True
        if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) in SQLITE_DISK_FULL:
            return True
        if getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite connections get WAL, foreign keys and a busy timeout. A server's
    pooled connections are tested before use, so a database restart costs no request an error.
    PostgreSQL (psycopg) connections prepare no statements: a statement run five times would be
    prepared and may then get a generic plan, one blind to its parameters. The search's queries
    differ only in their tsquery parameter, and a generic plan for them walks the table in id order
    (measured at 1M calls: every search after the first few hundred took about 400 ms, not 20-80)."""
    server = not url.startswith("sqlite")
    options = {"prepare_threshold": None} if url.startswith("postgresql+psycopg") else {}
    engine = create_engine(url, future=True, pool_pre_ping=server, connect_args=options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent).

    On SQLite the run has foreign keys off: a migration that changes a table rebuilds it (copy,
    drop, rename), and dropping a table with foreign keys on deletes every row that references it
    by cascade. The keys are checked before the run commits and switched on again after it. A run
    that changed the schema then hands the write-ahead log's pages to the file and truncates it
    (the log would otherwise keep a copy of every page the migrations wrote: a new workspace's
    database would take twice its size on disk)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolates %
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
            conn.commit()

        def revision() -> str | None:
            current = MigrationContext.configure(conn).get_current_revision()
            conn.rollback()  # end the read, so the next step may begin its own transaction
            return current

        before = revision()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all() if sqlite else []
                if broken:
                    raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
        if sqlite and revision() != before:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.commit()


class Database:
    """A migrated database and its session factory; `audit_key` (the workspace's secret) goes
    into every session's ``info``: without it audit entries can be read but not appended or verified."""

    def __init__(self, url: str, *, audit_key: bytes | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info={"audit_key": audit_key})

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_database(ws: Workspace) -> Database:
    """The workspace's database, its sessions keyed with the workspace's audit key (created on
    first use, 0600, at ``ws.audit_key_path``)."""
    key = secret_file(ws.audit_key_path).encode()
    return Database(ws.database_url, audit_key=key)
