"""How a worker reaches a call's recording: from a shared mount, or from `callqa serve` over HTTP.

Without `recordings_url` the worker reads `recordings/` of its own workspace folder, which must be
the server's (the same folder, or an NFS/SMB mount of it: stored paths are relative to the workspace).
With it, the worker downloads the recording from the server's worker endpoint
(`GET /api/worker/recordings/{pk}`, callqa.web.api.worker_files), showing the worker token, into a
private temporary file, and checks its sha256 against the one ingest stored: a wrong or altered file
is never transcribed as that call.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import httpx

from callqa.digest import file_sha256
from callqa.pipeline.lease import ClaimedCall
from callqa.workspace import Workspace, private_dir

TOKEN_HEADER = "X-Callqa-Worker-Token"
CHUNK = 1 << 16


class RecordingUnavailable(Exception):
    """The recording cannot be had now (server unreachable, file missing); the call is given back."""


@contextmanager
def recording(ws: Workspace, call: ClaimedCall, recordings_url: str | None, token: str) -> Iterator[Path]:
    """A local path of the call's recording for the duration of the block."""
    if not recordings_url:
        path = ws.root / call.stored_path
        if not path.is_file():
            raise RecordingUnavailable(f"{path} is missing (is the server's recordings folder mounted?)")
        yield path
        return
    folder = private_dir(ws.root / "fetched")
    suffix = PurePosixPath(call.stored_path).suffix
    fd, name = tempfile.mkstemp(dir=folder, suffix=suffix)  # mode 0600: personal data
    try:
        with os.fdopen(fd, "wb") as fh:
            _download(f"{recordings_url.rstrip('/')}/api/worker/recordings/{call.pk}", token, fh)
        digest = file_sha256(Path(name))
        if digest != call.sha256:
            raise RecordingUnavailable(
                f"recording of call {call.pk}: sha256 {digest[:12]}… is not the stored one"
            )
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _download(url: str, token: str, fh: BinaryIO) -> None:
    """Stream `url` into `fh`."""
    try:
        with httpx.stream("GET", url, headers={TOKEN_HEADER: token}, timeout=30) as response:
            if response.status_code != 200:
                raise RecordingUnavailable(f"GET {url}: HTTP {response.status_code}")
            for chunk in response.iter_bytes(CHUNK):
                fh.write(chunk)
    except httpx.HTTPError as exc:
        raise RecordingUnavailable(f"GET {url}: {exc}") from None
