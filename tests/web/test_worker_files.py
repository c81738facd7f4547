"""`GET /api/worker/recordings/{pk}`: only with the worker token, only for a call being processed, only
on a server with a broker; the token opens nothing else, and a user's session does not open it."""

from __future__ import annotations

from pathlib import Path

from callqa.pipeline import lease
from callqa.pipeline.ingest import ingest_one
from callqa.pipeline.manifest import ManifestRow
from callqa.workers.recordings import TOKEN_HEADER
from callqa.workspace import secret_file
from tests.fakes import tone_wav

from .accounts_app import browser, make_env, signed_in

BROKER = 'broker_url = "redis://127.0.0.1:1/0"\n'  # never reached: the endpoint needs only the setting


def _with_call(tmp_path: Path, config: str):  # type: ignore[no-untyped-def]
    env = make_env(tmp_path / "ws", config)
    audio = tmp_path / "c1.wav"
    audio.write_bytes(tone_wav("c1"))
    assert ingest_one(env.ws, env.db, ManifestRow(line=0, path=audio, call_id="c1")).status == "added"
    return env, audio.read_bytes()


def test_the_worker_token_fetches_a_call_being_processed_and_nothing_else(tmp_path: Path) -> None:
    env, audio = _with_call(tmp_path, BROKER)
    token = secret_file(env.ws.worker_token_path)
    client = browser(env.app)
    url = "/api/worker/recordings/1"
    assert client.get(url, headers={TOKEN_HEADER: token}).status_code == 404  # pending: not in flight
    assert lease.claim(env.db, 1, "w", 60)
    answer = client.get(url, headers={TOKEN_HEADER: token})
    assert answer.status_code == 200 and answer.content == audio
    assert client.get(url).status_code == 403
    assert (
        client.get(url, headers={TOKEN_HEADER: token[:-1] + ("0" if token[-1] != "0" else "1")}).status_code
        == 403
    )
    assert client.get("/api/worker/recordings/99", headers={TOKEN_HEADER: token}).status_code == 404
    # the worker token is no user credential, and a user's session is no worker token
    assert client.get("/api/calls", headers={TOKEN_HEADER: token}).status_code == 401
    assert client.get("/api/calls", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    admin, _ = signed_in(env.app, "root")
    assert admin.get(url).status_code == 403


def test_without_a_broker_there_is_no_worker_endpoint(tmp_path: Path) -> None:
    env, _ = _with_call(tmp_path, "")
    assert lease.claim(env.db, 1, "w", 60)
    token = secret_file(env.ws.worker_token_path)
    assert browser(env.app).get("/api/worker/recordings/1", headers={TOKEN_HEADER: token}).status_code == 404
