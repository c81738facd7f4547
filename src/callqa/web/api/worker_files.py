"""Recordings for `callqa worker`s on other machines: `GET /api/worker/recordings/{call_pk}`.

Mounted only when the server has a broker. The one credential it takes is the worker token (header
`X-Callqa-Worker-Token`, the secret in `worker_token_file`, compared in constant time), and no
other route takes that token. It serves only a call being processed (claimed by a worker), so a
leaked token reads the recordings in flight, not the archive. Not audited per fetch: a worker reads
each call it processes, and the processing itself is what the call's record shows.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import FileResponse

from callqa.errors import NotFound, PermissionDenied
from callqa.store.models import Call
from callqa.workers.recordings import TOKEN_HEADER

router = APIRouter(prefix="/api/worker", tags=["worker"], include_in_schema=False)


@router.get("/recordings/{call_pk}")
def recording(
    request: Request,
    call_pk: int,
    token: Annotated[str, Header(alias=TOKEN_HEADER)] = "",
) -> FileResponse:
    expected: str = request.app.state.worker_token
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise PermissionDenied("工作进程令牌不正确")
    ws = request.app.state.ws
    with request.app.state.db.session() as session:
        call = session.get(Call, call_pk)
        if call is None or call.status != "processing":
            raise NotFound("没有正在处理的这通通话")
        path = (ws.root / call.stored_path).resolve()
    if not path.is_relative_to(ws.recordings_dir.resolve()) or not path.is_file():
        raise NotFound("这通通话的录音文件不在存储中")
    return FileResponse(path, media_type="application/octet-stream")
