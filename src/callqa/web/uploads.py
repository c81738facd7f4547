"""Uploads of recordings over HTTP: streamed to temp files in the workspace, size- and type-checked,
then ingested like `callqa ingest` (one call per audio file, optional manifest CSV for metadata).

Safety rules: the client's file name is never used as a path (files land in a fresh temp folder
under ``<workspace>/uploads`` with random names); it only provides a sanitised display name and
call id. The body is counted while it streams in, and the request is refused with 413 as soon as
it exceeds the limit (or up front, from Content-Length). Audio files must have an audio suffix,
start with a known audio container signature, and open in PyAV with an audio stream.

One bad file never fails the batch: a file that fails a check is refused on its own (its bytes are
dropped as they arrive) and reported with the reason, in Chinese, beside the files that were taken.
Only what spoils the whole request (not multipart, over the size limit, malformed, an unusable
manifest) refuses it all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from callqa.audio import probe
from callqa.pipeline.ingest import AUDIO_SUFFIXES, IngestOutcome
from callqa.pipeline.manifest import ManifestError, ManifestRow, read_manifest
from callqa.web.auth import require_csrf
from callqa.web.render import clock
from callqa.web.security import CSRF_HEADER
from callqa.workspace import private_dir

MAX_FILES = 100
MAX_PARTS = 10 * MAX_FILES  # files past MAX_FILES are refused one by one, past this the request is
MAX_FIELD_BYTES = 4096  # plain (non-file) form fields are ignored, but bounded
FILES_FIELD, MANIFEST_FIELD = "files", "manifest"
_HEAD = 16  # bytes needed to recognise a container

_UNSAFE = re.compile(r"[^\w.\-]+")


class UploadRejected(HTTPException):
    """A whole upload refused with an HTTP status (413 too large, 415 not multipart, 400/422 malformed)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)


async def require_csrf_header(request: Request) -> None:
    """CSRF for streamed uploads: an API token, or the session's token in the X-CSRF-Token header.

    `require_csrf` would fall back to reading the token from the multipart body, which means
    consuming the whole upload before any limit applies; uploads therefore need the header."""
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if not bearer and request.headers.get(CSRF_HEADER) is None:
        raise HTTPException(403, "CSRF token missing: send it in the X-CSRF-Token header")
    await require_csrf(request)


def max_upload_bytes(request: Request) -> int:
    """`app.state.max_upload_mb` (tests, embedding) or the workspace's `max_upload_mb` (default 200)."""
    value = getattr(request.app.state, "max_upload_mb", None)
    megabytes = float(value) if value is not None else request.app.state.ws.settings.max_upload_mb
    return max(1, int(megabytes * 1024 * 1024))


def safe_name(client_name: str) -> str:
    """A display name from what the client sent: last path component only, no odd characters.

    '../../etc/evil.wav' → 'evil.wav'; 'C:\\x\\录音 1.wav' → '录音_1.wav'; '' → 'upload'."""
    name = unicodedata.normalize("NFKC", client_name).replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip("._-")
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 8:
        return f"{(stem[:100].strip('._-') or 'upload')}.{suffix}"
    return name[:100] or "upload"


def safe_call_id(text: str) -> str:
    """A call id usable in URLs and paths: word characters, '.', '-' and '_' only."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFKC", text)).strip("._-")[:100]
    return cleaned or "upload"


def looks_like_audio(head: bytes) -> bool:
    """Whether the first bytes are those of an audio container this tool reads."""
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return True
    if head.startswith((b"fLaC", b"ID3", b"OggS", b"#!AMR", b"ADIF", b"\x1a\x45\xdf\xa3")):
        return True
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):  # ASF (wma)
        return True
    if head[4:8] == b"ftyp":  # MP4 / M4A
        return True
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0  # MPEG / ADTS frame sync


def decoder_refusal(part: Received) -> str | None:
    """Why PyAV (FFmpeg) cannot use the stored part as a recording, or None (its length is kept)."""
    assert part.path is not None
    try:
        part.duration_s = probe(part.path).duration_s
    except Exception:  # any decoder complaint means: not a recording we can use
        return "无法解码为音频：文件已损坏，或不是录音"
    return None


@dataclass
class Received:
    """One file part: where it is stored (random name; None once refused), what the client called it,
    how big it is, and why it is refused (None while it passes every check)."""

    field: str
    name: str  # sanitised display name
    path: Path | None
    size: int = 0
    head: bytearray = dataclasses.field(default_factory=bytearray)
    refused: str | None = None
    duration_s: float | None = None  # from the decoder probe


@dataclass
class UploadBody:
    audio: list[Received] = dataclasses.field(default_factory=list)
    manifest: Received | None = None


class _Receiver:
    """python-multipart callbacks writing file parts straight to temp files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.body = UploadBody()
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._current: Received | None = None
        self._handle: object = None
        self._field_bytes = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self._disposition, self._current, self._field_bytes = b"", None, 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        field_name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            return  # a plain field: ignored (bounded in on_part_data)
        client_name = options[b"filename"].decode("utf-8", "replace")
        name = safe_name(client_name)
        suffix = Path(name).suffix.lower()
        if field_name == FILES_FIELD:
            if len(self.body.audio) >= MAX_PARTS:  # each refused part is reported: bound the report
                raise UploadRejected(422, f"文件过多：每次最多上传 {MAX_FILES} 个文件")
            self._current = Received(field_name, name, None, refused=self._audio_refusal(suffix))
            self.body.audio.append(self._current)
            if self._current.refused:
                return  # its bytes are counted and dropped
        elif field_name == MANIFEST_FIELD:
            if self.body.manifest is not None:
                raise UploadRejected(422, "只能附带一个清单 CSV")
            self._current = self.body.manifest = Received(field_name, name, None)
            suffix = ".csv"
        else:
            raise UploadRejected(422, f"不认识的文件字段“{field_name}”：录音用 files，清单用 manifest")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix="part-", suffix=suffix)
        self._handle = os.fdopen(fd, "wb")
        self._current.path = Path(tmp)

    def _audio_refusal(self, suffix: str) -> str | None:
        if suffix not in AUDIO_SUFFIXES:
            kinds = "、".join(sorted(s.lstrip(".") for s in AUDIO_SUFFIXES))
            return f"不支持的文件类型（{suffix or '无扩展名'}）：只接受录音文件（{kinds}）"
        if len(self.body.audio) >= MAX_FILES:
            return f"超过每次最多 {MAX_FILES} 个文件的上限：请分批上传"
        return None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        part = self._current
        if part is None:
            self._field_bytes += len(chunk)
            if self._field_bytes > MAX_FIELD_BYTES:
                raise UploadRejected(413, "表单字段过大")
            return
        part.size += len(chunk)
        if part.refused:
            return
        if part.field == FILES_FIELD and len(part.head) < _HEAD:
            part.head += chunk[: _HEAD - len(part.head)]
            if len(part.head) >= _HEAD and not self._check_head(part):
                return
        self._handle.write(chunk)  # type: ignore[attr-defined]

    def on_part_end(self) -> None:
        part, self._current = self._current, None
        if part is None:
            return
        self._close_file()
        if part.field == FILES_FIELD and not part.refused and len(part.head) < _HEAD:
            self._check_head(part)

    def _check_head(self, part: Received) -> bool:
        """Whether the part starts like audio; if not it is refused and what was stored removed."""
        if looks_like_audio(bytes(part.head)):
            return True
        part.refused = "文件为空" if not part.head else "文件内容不是录音（无法识别的音频格式）"
        self._close_file()
        if part.path is not None:
            part.path.unlink(missing_ok=True)
            part.path = None
        return False

    def _close_file(self) -> None:
        if self._handle is not None:
            self._handle.close()  # type: ignore[attr-defined]
            self._handle = None

    def close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()  # type: ignore[attr-defined]


def upload_folder(request: Request) -> Path:
    """A fresh private folder under <workspace>/uploads for this request's parts."""
    base = private_dir(request.app.state.ws.root / "uploads")
    return Path(tempfile.mkdtemp(dir=base, prefix="req-"))


async def receive(request: Request, folder: Path) -> UploadBody:
    """Stream the multipart body into `folder`, enforcing size and type limits as it arrives."""
    limit = max_upload_bytes(request)
    too_large = f"上传内容超过 {round(limit / 1048576, 2):g} MB 的上限（max_upload_mb）：请分批上传"
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadRejected(
            415, "请以 multipart/form-data 上传：录音放在 files 字段，清单 CSV（可选）放在 manifest 字段"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UploadRejected(413, too_large)
    receiver = _Receiver(folder)
    parser = MultipartParser(params[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise UploadRejected(413, too_large)
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise UploadRejected(400, "上传内容格式有误，无法解析") from None
    finally:
        receiver.close()
    if receiver._current is not None:
        raise UploadRejected(400, "上传内容不完整（传输中断）")
    if not receiver.body.audio:
        raise UploadRejected(422, "没有收到录音文件：请在 files 字段选择录音")
    return receiver.body


def manifest_rows(body: UploadBody) -> dict[str, ManifestRow]:
    """Manifest rows keyed by the (sanitised and raw) base name of their `file` column."""
    if body.manifest is None or body.manifest.path is None:
        return {}
    try:
        rows = read_manifest(body.manifest.path)
    except ManifestError as exc:
        detail = str(exc).replace(body.manifest.path.name, body.manifest.name)
        raise UploadRejected(
            422, f"清单 CSV 无法使用（{detail}）：需要 UTF-8 编码，含 file 和 call_id 两列"
        ) from None
    keyed: dict[str, ManifestRow] = {}
    for row in rows:
        raw = row.path.name
        keyed.setdefault(raw, row)
        keyed.setdefault(safe_name(raw), row)
    return keyed


def rows_for_upload(body: UploadBody) -> list[tuple[Received, ManifestRow | None]]:
    """Each audio part with the ManifestRow to ingest it by (None for a refused part): the manifest's
    metadata when it names the file, the sanitised stem as call id otherwise; the path is always our
    temp file."""
    described = manifest_rows(body)
    out: list[tuple[Received, ManifestRow | None]] = []
    for part in body.audio:
        if part.path is None:
            out.append((part, None))
            continue
        row = described.get(part.name)
        if row is None:
            row = ManifestRow(line=0, path=part.path, call_id=safe_call_id(Path(part.name).stem))
        else:
            row = dataclasses.replace(row, path=part.path, call_id=safe_call_id(row.call_id))
        out.append((part, row))
    return out


STATUS_NAMES = {"added": "已接收", "exists": "重复", "failed": "已拒绝"}


def outcome_message(outcome: IngestOutcome, part: Received, max_minutes: float) -> str:
    """What happened to one uploaded file, in a sentence a user can act on."""
    if outcome.status == "added":
        return "等待转写和质检"
    if outcome.status == "exists":
        return f"这段录音已作为通话 {outcome.call_id} 上传过"
    if outcome.kind == "too_long" and part.duration_s is not None:
        return f"录音过长（{clock(part.duration_s)}）：超过 {max_minutes:g} 分钟的上限（max_call_minutes）"
    reasons = {
        "manifest": f"清单中描述这个文件的一行有误：{outcome.message}",
        "call_id_taken": f"通话编号 {outcome.call_id} 已被另一段录音使用：请在清单中为它另取 call_id",
        "disk_full": "磁盘已满，录音未保存：请联系管理员释放空间后重新上传",
        "empty": "文件为空",
        "too_long": f"录音超过 {max_minutes:g} 分钟的上限（max_call_minutes）",
    }
    return reasons.get(outcome.kind, "无法读取或保存这个文件，请重新上传")


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
