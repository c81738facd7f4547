"""The workspace: one folder holding the database, the recordings, the keys and the settings.

The folder and everything callqa writes into it are private to the account running callqa
(folders 0700, files 0600): recordings and transcripts are customers' personal data.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from callqa.settings import BROKER_URL_ENV, DATABASE_URL_ENV, Settings, SettingsError, load_settings

DEFAULT_DIRNAME = "callqa-data"
CONFIG_NAME = "config.toml"
DATABASE_NAME = "callqa.db"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
DEFAULT_CONFIG = """\
# callqa workspace configuration. Every key is optional; the README lists them all.
# database_url = "postgresql+psycopg://user@host/callqa"   # default: SQLite file in this folder
# rule_pack = "/path/to/pack.yaml"                          # default: the shipped pack
# model = "/path/to/ctranslate2-whisper-dir"                # default: bundled Whisper base
# workers = 2                                               # default: CPU cores, at most 4
# beam_size = 1
# unmasked_roles = ["admin", "supervisor"]
# appeal_window_days = 3
# max_upload_mb = 200
# max_call_minutes = 120
"""


class WorkspaceError(Exception):
    """The workspace cannot be opened or its configuration is invalid."""


def private_dir(path: Path, *, ours: bool = True) -> Path:
    """Create `path` (and parents) if needed, readable by this account only. A folder that is not
    `ours` (the workspace root a user pointed at) keeps the mode it already has."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if ours:
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, readable and writable by this account only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)
    os.chmod(path, PRIVATE_FILE)
    return path


def secret_file(path: Path, nbytes: int = 32) -> str:
    """The secret kept in `path`: created once (`nbytes` random bytes, as hex) readable by this account
    only. It is written to a temporary file and linked into place, so a concurrent reader never sees
    a half-written key and of two concurrent creators exactly one wins."""
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(nbytes) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise WorkspaceError(f"secret file {path} is empty: remove it to have a new one made")
    return secret


@dataclass(frozen=True)
class Workspace:
    """Paths and the loaded, validated settings of one workspace directory."""

    root: Path
    settings: Settings

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Workspace:
        """--workspace, else $CALLQA_HOME, else ./callqa-data; created if missing."""
        chosen = path or os.environ.get("CALLQA_HOME") or DEFAULT_DIRNAME
        root = Path(chosen).expanduser().resolve()
        try:
            private_dir(root, ours=False)
            private_dir(root / "recordings")
            config = root / CONFIG_NAME
            if not config.exists():
                private_file(config).write_text(DEFAULT_CONFIG, encoding="utf-8")
            settings = load_settings(config)
        except SettingsError as exc:
            raise WorkspaceError(str(exc)) from None
        except OSError as exc:
            raise WorkspaceError(f"cannot use workspace {root}: {exc.strerror or exc}") from None
        return cls(root, settings)

    @property
    def recordings_dir(self) -> Path:
        return self.root / "recordings"

    def path(self, configured: str | None) -> Path | None:
        """A configured path, relative ones taken from the workspace folder."""
        return None if configured is None else (self.root / Path(configured).expanduser()).resolve()

    @property
    def database_url(self) -> str:
        """CALLQA_DATABASE_URL, else `database_url`, else the private SQLite file in the workspace."""
        chosen = os.environ.get(DATABASE_URL_ENV) or self.settings.database_url
        if chosen:
            return chosen
        database = self.root / DATABASE_NAME
        if not database.exists():
            private_file(database)  # SQLite then gives its -wal and -shm files the same mode
        return f"sqlite:///{database}"

    @property
    def broker_url(self) -> str | None:
        """CALLQA_BROKER_URL, else `broker_url`; None: calls are processed in-process."""
        return os.environ.get(BROKER_URL_ENV) or self.settings.broker_url

    @property
    def worker_token_path(self) -> Path:
        return self.path(self.settings.worker_token_file) or self.root / "worker.key"

    @property
    def audit_key_path(self) -> Path:
        return self.path(self.settings.audit_key_file) or self.root / "audit.key"

    @property
    def rule_pack_path(self) -> Path | None:
        return self.path(self.settings.rule_pack)

    @property
    def model_path(self) -> Path | None:
        return self.path(self.settings.model)
