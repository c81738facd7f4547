"""The workspace: one folder holding the database, the recordings and the config."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIRNAME = "callqa-data"
CONFIG_NAME = "config.toml"
DEFAULT_CONFIG = """\
# callqa workspace configuration. Every key is optional.
# database_url = "postgresql+psycopg://user@host/callqa"   # default: SQLite file in this folder
# rule_pack = "/path/to/pack.yaml"                          # default: the shipped pack
# model = "/path/to/ctranslate2-whisper-dir"                # default: bundled Whisper base
# workers = 2                                             # default: CPU cores, at most 4
# beam_size = 1
"""


@dataclass(frozen=True)
class Workspace:
    """Paths and settings of one workspace directory (created on first use)."""

    root: Path

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Workspace:
        """--workspace, else $CALLQA_HOME, else ./callqa-data; created if missing."""
        chosen = path or os.environ.get("CALLQA_HOME") or DEFAULT_DIRNAME
        root = Path(chosen).expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True)
        (root / "recordings").mkdir(exist_ok=True)
        config = root / CONFIG_NAME
        if not config.exists():
            config.write_text(DEFAULT_CONFIG, encoding="utf-8")
        return cls(root)

    @property
    def recordings_dir(self) -> Path:
        return self.root / "recordings"

    @property
    def config(self) -> dict[str, object]:
        try:
            return tomllib.loads((self.root / CONFIG_NAME).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise WorkspaceError(f"{self.root / CONFIG_NAME}: {exc}") from None

    @property
    def database_url(self) -> str:
        env = os.environ.get("CALLQA_DATABASE_URL")
        configured = self.config.get("database_url")
        return env or str(configured or f"sqlite:///{self.root / 'callqa.db'}")

    def setting(self, key: str, default: object = None) -> object:
        return self.config.get(key, default)


class WorkspaceError(Exception):
    """The workspace's configuration cannot be read."""
