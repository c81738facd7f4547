"""A workspace's trained text models: `models/detector-<version>.npz`, and `models/current` naming the
one in use (absent: the shipped model). Old versions are kept, so a switch back is one pointer write.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from callqa.errors import NotFound
from callqa.names import MODEL_VERSION_NAMES, listed
from callqa.rules.active import CURRENT_NAME, active_model_path, models_dir
from callqa.rules.learned.detector import Detector, shipped_model_path
from callqa.workspace import Workspace

SHIPPED = "shipped"
_FILE = re.compile(r"^detector-(ws-[0-9]{14}(?:-[0-9]+)?)\.npz$")


@dataclass(frozen=True)
class ModelVersion:
    """One model a workspace can use, described from its file's metadata."""

    version: str  # `shipped` for the model that comes with callqa
    name: str  # the model's own version string
    path: Path
    current: bool
    trained_on: int | None
    extra: int | None
    calibration: dict[str, dict[str, float]]
    created: datetime

    @property
    def mean_recall(self) -> tuple[float, float] | None:
        """Mean out-of-fold recall over categories (clean, garbled)."""
        cal = list(self.calibration.values())
        if not cal:
            return None
        return (
            sum(c.get("recall_clean", 0.0) for c in cal) / len(cal),
            sum(c.get("recall_garbled", 0.0) for c in cal) / len(cal),
        )


def model_meta(path: Path) -> dict[str, object]:
    """The metadata of a model file alone (the weights are not read)."""
    with np.load(path, allow_pickle=False) as data:
        meta: dict[str, object] = json.loads(str(data["meta"]))
        return meta


def _describe(version: str, path: Path, current: Path) -> ModelVersion:
    meta = model_meta(path)
    cal = meta.get("calibration")
    return ModelVersion(
        version,
        str(meta.get("version", version)),
        path,
        path == current,
        meta.get("trained_on") if isinstance(meta.get("trained_on"), int) else None,  # type: ignore[arg-type]
        meta.get("extra") if isinstance(meta.get("extra"), int) else None,  # type: ignore[arg-type]
        cal if isinstance(cal, dict) else {},
        datetime.fromtimestamp(path.stat().st_mtime, UTC),
    )


def list_versions(ws: Workspace) -> list[ModelVersion]:
    """The shipped model, then the workspace's versions oldest first; unreadable files are left out."""
    current = active_model_path(ws)
    out = [_describe(SHIPPED, shipped_model_path(), current)]
    folder = ws.root / "models"
    paths = folder.glob("detector-ws-*.npz") if folder.is_dir() else ()
    named = [(m.group(1), path) for path in paths if (m := _FILE.match(path.name))]
    for version, path in sorted(named, key=lambda vp: _order(vp[0])):
        try:
            out.append(_describe(version, path, current))
        except (OSError, KeyError, ValueError):
            continue
    return out


def _order(version: str) -> tuple[str, int]:
    """Creation order of `ws-<stamp>[-n]`: `ws-X` before `ws-X-2` (a plain sort puts '-' before '.')."""
    stamp, _, n = version.removeprefix("ws-").partition("-")
    return stamp, int(n or 1)


def current_version(ws: Workspace) -> str:
    """`shipped` or the workspace version in use."""
    m = _FILE.match(active_model_path(ws).name)
    return m.group(1) if m and active_model_path(ws) != shipped_model_path() else SHIPPED


def new_version(ws: Workspace) -> str:
    """`ws-YYYYmmddHHMMSS` (UTC), with `-2`, `-3`… when that second is taken."""
    base = "ws-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    folder, name, n = ws.root / "models", base, 1
    while (folder / f"detector-{name}.npz").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _point_to(ws: Workspace, file_name: str | None) -> None:
    """Replace `models/current` atomically (None: remove it, so the shipped model is used)."""
    folder = models_dir(ws)
    pointer = folder / CURRENT_NAME
    if file_name is None:
        pointer.unlink(missing_ok=True)
        return
    tmp = folder / f".{CURRENT_NAME}.{os.getpid()}.tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        fh.write(file_name + "\n")
    os.replace(tmp, pointer)


def save_version(ws: Workspace, detector: Detector) -> Path:
    """Write `detector` (its version names the file) and make it current."""
    folder = models_dir(ws)
    path = folder / f"detector-{detector.version}.npz"
    tmp = folder / f".detector-{detector.version}.tmp.npz"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        detector.save(fh)  # type: ignore[arg-type]
    os.replace(tmp, path)
    _point_to(ws, path.name)
    return path


def use_version(ws: Workspace, version: str) -> ModelVersion:
    """Make `version` (or `shipped`) current; NotFound names the versions there are."""
    versions = {v.version: v for v in list_versions(ws)}
    if version not in versions:
        raise NotFound(f"没有文本模型版本“{version}”，现有版本：{listed(MODEL_VERSION_NAMES, versions)}")
    _point_to(ws, None if version == SHIPPED else versions[version].path.name)
    return versions[version]
