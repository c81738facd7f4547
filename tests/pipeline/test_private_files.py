"""Recordings are customers' personal data: what ingest and uploads write is private to this account
(folders 0700, files 0600) whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callqa.review import accounts
from callqa.store.database import open_database
from callqa.web.app import create_app
from callqa.workspace import Workspace
from tests.conftest import EXAMPLES, run_cli


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask 022, under which a plain mkdir makes world-readable folders."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def stored_recordings(ws: Path) -> list[Path]:
    return sorted(p for p in (ws / "recordings").rglob("*") if p.is_file())


def test_ingest_stores_recordings_privately(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    code, _, stderr = run_cli("ingest", str(EXAMPLES / "calls" / "p04.mp3"), "--workspace", str(ws))
    assert code == 0, stderr
    [recording] = stored_recordings(ws)
    assert recording.parent.parent == ws / "recordings"  # recordings/<xx>/<sha>.mp3
    assert (mode(recording.parent), mode(recording)) == (0o700, 0o600)


def test_uploads_folder_and_uploaded_recordings_are_private(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    db = open_database(ws)
    try:
        with db.session() as session:
            accounts.create_user(session, "test", "insp", "inspector", password="insp-pw-123")
            token = accounts.create_api_token(session, "test", "insp", "tests")[1]
        client = TestClient(create_app(ws, db), headers={"Authorization": f"Bearer {token}"})
        audio = (EXAMPLES / "calls" / "p07.amr").read_bytes()
        r = client.post("/api/calls", files=[("files", ("p07.amr", audio, "audio/amr"))])
    finally:
        db.close()
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"][0]["status"] == "added"
    assert mode(ws.root / "uploads") == 0o700
    [recording] = stored_recordings(ws.root)
    assert (mode(recording.parent), mode(recording)) == (0o700, 0o600)
