"""The bundled model assembles and verifies; user-supplied directories are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from callqa.asr.model_files import (
    MODEL_BIN_SHA256,
    REQUIRED_FILES,
    ModelError,
    assemble_default_model,
    resolve_model_dir,
)
from callqa.digest import file_sha256


def test_default_model_is_assembled_and_verified(tmp_path: Path) -> None:
    model = assemble_default_model(tmp_path)
    assert all((model / name).is_file() for name in REQUIRED_FILES)
    assert file_sha256(model / "model.bin") == MODEL_BIN_SHA256
    assert assemble_default_model(tmp_path) == model  # idempotent


def test_user_directory_must_be_complete(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match=r"lacks config\.json, tokenizer\.json, vocabulary\.json"):
        resolve_model_dir(tmp_path)


def test_user_directory_is_used_as_is(tmp_path: Path) -> None:
    for name in REQUIRED_FILES:
        (tmp_path / name).write_text("{}")
    assert resolve_model_dir(tmp_path) == tmp_path
