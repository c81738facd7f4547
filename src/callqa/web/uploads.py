"""Uploads of recordings over HTTP: streamed to temp files in the workspace, size- and type-checked,
then ingested like `callqa ingest` (one call per audio file, optional manifest CSV for metadata).

Safety rules: the client's file name is never used as a path (files land in a fresh temp folder
under ``<workspace>/uploads`` with random names); it only provides a sanitised display name and
call id. The body is counted while it streams in, and the request is refused with 413 as soon as
it exceeds the limit (or up front, from Content-Length). Audio files must have an audio suffix,
start with a known audio container signature, and open in PyAV with an audio stream (else 415).
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
from callqa.pipeline.ingest import AUDIO_SUFFIXES
from callqa.pipeline.manifest import ManifestError, ManifestRow, read_manifest
from callqa.web.auth import require_csrf
from callqa.web.security import CSRF_HEADER
from callqa.workspace import private_dir

MAX_FILES = 100
MAX_FIELD_BYTES = 4096  # plain (non-file) form fields are ignored, but bounded
FILES_FIELD, MANIFEST_FIELD = "files", "manifest"
_HEAD = 16  # bytes needed to recognise a container

_UNSAFE = re.compile(r"[^\w.\-]+")


class UploadRejected(HTTPException):
    """An upload refused with an HTTP status (413 too large, 415 not audio, 400/422 malformed)."""

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


def probe_audio(path: Path) -> bool:
    """PyAV (FFmpeg) opens the file and finds an audio stream in it."""
    try:
        probe(path)
    except Exception:  # any decoder complaint means: not a recording we can use
        return False
    return True


@dataclass
class Received:
    """One file part as stored: where (random name), what the client called it, how big."""

    field: str
    name: str  # sanitised display name
    path: Path
    size: int = 0
    head: bytearray = dataclasses.field(default_factory=bytearray)


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
        if field_name == MANIFEST_FIELD:
            if self.body.manifest is not None:
                raise UploadRejected(422, "at most one manifest")
            suffix = ".csv"
        elif field_name == FILES_FIELD:
            if suffix not in AUDIO_SUFFIXES:
                raise UploadRejected(
                    415, f"{name}: not an audio file type ({', '.join(sorted(AUDIO_SUFFIXES))})"
                )
            if len(self.body.audio) >= MAX_FILES:
                raise UploadRejected(422, f"at most {MAX_FILES} files per upload")
        else:
            raise UploadRejected(422, f"unexpected file field {field_name!r}; use 'files' or 'manifest'")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix="part-", suffix=suffix)
        self._handle = os.fdopen(fd, "wb")
        self._current = Received(field_name, name, Path(tmp))
        if field_name == MANIFEST_FIELD:
            self.body.manifest = self._current
        else:
            self.body.audio.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        part = self._current
        if part is None:
            self._field_bytes += len(chunk)
            if self._field_bytes > MAX_FIELD_BYTES:
                raise UploadRejected(413, "form field too large")
            return
        if part.field == FILES_FIELD and len(part.head) < _HEAD:
            part.head += chunk[: _HEAD - len(part.head)]
            if len(part.head) >= _HEAD:
                self._check_head(part)
        part.size += len(chunk)
        self._handle.write(chunk)  # type: ignore[attr-defined]

    def on_part_end(self) -> None:
        part, self._current = self._current, None
        if part is None:
            return
        self._handle.close()  # type: ignore[attr-defined]
        self._handle = None
        if part.field == FILES_FIELD and len(part.head) < _HEAD:
            self._check_head(part)

    @staticmethod
    def _check_head(part: Received) -> None:
        if not looks_like_audio(bytes(part.head)):
            raise UploadRejected(415, f"{part.name}: the content is not audio")

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
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadRejected(415, "send multipart/form-data with 'files' (and optionally 'manifest')")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UploadRejected(413, f"upload larger than the limit of {limit / 1048576:g} MB")
    receiver = _Receiver(folder)
    parser = MultipartParser(params[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise UploadRejected(413, f"upload larger than the limit of {limit / 1048576:g} MB")
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise UploadRejected(400, f"malformed multipart body: {exc}") from None
    finally:
        receiver.close()
    if receiver._current is not None:
        raise UploadRejected(400, "malformed multipart body: truncated")
    if not receiver.body.audio:
        raise UploadRejected(422, "no audio files: send them in the 'files' field")
    return receiver.body


def manifest_rows(body: UploadBody) -> dict[str, ManifestRow]:
    """Manifest rows keyed by the (sanitised and raw) base name of their `file` column."""
    if body.manifest is None:
        return {}
    try:
        rows = read_manifest(body.manifest.path)
    except ManifestError as exc:
        raise UploadRejected(422, str(exc).replace(body.manifest.path.name, body.manifest.name)) from None
    keyed: dict[str, ManifestRow] = {}
    for row in rows:
        raw = row.path.name
        keyed.setdefault(raw, row)
        keyed.setdefault(safe_name(raw), row)
    return keyed


def rows_for_upload(body: UploadBody) -> list[tuple[Received, ManifestRow]]:
    """Each audio part with the ManifestRow to ingest it by: the manifest's metadata when it names
    the file, the sanitised stem as call id otherwise; the path is always our temp file."""
    described = manifest_rows(body)
    out = []
    for part in body.audio:
        row = described.get(part.name)
        if row is None:
            row = ManifestRow(line=0, path=part.path, call_id=safe_call_id(Path(part.name).stem))
        else:
            row = dataclasses.replace(row, path=part.path, call_id=safe_call_id(row.call_id))
        out.append((part, row))
    return out


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
