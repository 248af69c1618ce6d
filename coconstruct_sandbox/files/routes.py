"""HTTP for file bytes: the contract's attachment routes (behind auth, rate limit and the API
fault profiles) and the signed byte URLs `/files/{id}` and `/uploads/{id}`, which stream
outside the API's fault middleware (it buffers answers) with their own file faults."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from coconstruct_sandbox.app import ApiError, _json
from coconstruct_sandbox.faults import DroppedConnection
from coconstruct_sandbox.files.faults import FileFaultConfig
from coconstruct_sandbox.files.records import version_fields
from coconstruct_sandbox.files.service import (
    MAX_UPLOAD_BYTES,
    PARENT_ENTITIES,
    FileService,
    UrlRefused,
    iso_seconds,
)

if TYPE_CHECKING:
    from coconstruct_sandbox.app import SandboxApp

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UPLOAD_FIELDS = {"project_id", "parent_type", "parent_id", "file_name", "content_type",
                  "size_bytes", "checksum_sha256", "client_visible"}


class AttachmentRoutes:
    """`GET /attachments/{id}` (a fresh URL), the staged-upload calls, and the admin routes."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.files: FileService = app.state.files
        self.store = app.state.store

    async def get_attachment(self, request: Request) -> Response:
        session = self.app._begin(request)
        assert session is not None
        row_filter = self.app._filter(session, "attachments")
        aid = request.path_params["id"]
        meta = self.store.meta("attachments", aid)
        if meta is None or meta.deleted:
            raise ApiError(404, "not_found", f"attachments {aid} does not exist.")
        if row_filter is not None and not row_filter(meta):
            raise ApiError(403, "forbidden", f"attachments {aid} is not visible to this account.")
        record = self.files.with_fresh_url(self.store.get("attachments", aid))
        return self.app._ok(request, orjson.dumps(record))

    async def start_upload(self, request: Request) -> Response:
        session = self.app._begin(request)
        assert session is not None
        if not session.account.can_write:
            raise ApiError(403, "forbidden", f"The {session.account.role} role may not write.")
        body = await self.app._json_body(request)
        fields = self._upload_fields(body)
        self.app._project(session, fields["project_id"])
        self._check_parent(fields)
        fields["uploaded_by"] = session.account.user_id
        upload, path = self.files.start_upload(session.account.username, fields)
        answer = {"upload_id": upload.id, "upload_url": path,
                  "upload_url_expires_at": iso_seconds(upload.expires), "max_bytes": fields["size_bytes"]}
        return self.app._ok(request, orjson.dumps(answer), 201)

    async def complete_upload(self, request: Request) -> Response:
        session = self.app._begin(request)
        assert session is not None
        upload = self.files.uploads.get(request.path_params["upload_id"])
        if upload is None or upload.username != session.account.username:
            raise ApiError(404, "not_found", "No such upload.")
        body = await self.app._json_body(request)
        if not isinstance(body, dict) or set(body) != {"checksum_sha256"} or not isinstance(
                body["checksum_sha256"], str) or not _SHA256.match(body["checksum_sha256"]):
            raise ApiError(422, "validation_error", "The body must be {\"checksum_sha256\": 64 hex digits}.",
                           details=[{"field": "checksum_sha256"}])
        try:
            record, created = self.files.complete_upload(upload, body["checksum_sha256"])
        except UrlRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        if not created:
            record = self.files.with_fresh_url(self.store.get("attachments", record["id"]) or record)
        return self.app._ok(request, orjson.dumps(record), 201 if created else 200)

    @staticmethod
    def _upload_fields(body: Any) -> dict:
        if not isinstance(body, dict):
            raise ApiError(422, "validation_error", "The body must be a JSON object.")
        details = [{"field": k, "issue": "is not an allowed field"} for k in body if k not in _UPLOAD_FIELDS]
        checks = {
            "project_id": lambda v: _is_int(v) and v >= 1,
            "parent_id": lambda v: _is_int(v) and v >= 1,
            "parent_type": lambda v: isinstance(v, str) and (v == "project" or v in PARENT_ENTITIES),
            "file_name": lambda v: isinstance(v, str) and 1 <= len(v) <= 255 and "/" not in v,
            "content_type": lambda v: isinstance(v, str) and 1 <= len(v) <= 100,
            "size_bytes": lambda v: _is_int(v) and 0 <= v <= MAX_UPLOAD_BYTES,
            "checksum_sha256": lambda v: isinstance(v, str) and bool(_SHA256.match(v)),
        }
        details += [{"field": k, "issue": "is required" if k not in body else "is invalid"}
                    for k, ok in checks.items() if k not in body or not ok(body[k])]
        if "client_visible" in body and not isinstance(body["client_visible"], bool):
            details.append({"field": "client_visible", "issue": "must be true or false"})
        if details:
            raise ApiError(422, "validation_error", "Invalid upload request.", details=details)
        ints = ("project_id", "parent_id", "size_bytes")
        return {k: int(v) if k in ints else v for k, v in body.items()}

    def _check_parent(self, fields: dict) -> None:
        kind, pid, project = fields["parent_type"], fields["parent_id"], fields["project_id"]
        if kind == "project":
            ok = pid == project
        else:
            meta = self.store.meta(PARENT_ENTITIES[kind], pid)
            ok = meta is not None and not meta.deleted and meta.project_id == project
        if not ok:
            raise ApiError(404, "not_found", f"{kind} {pid} not found in project {project}.")

    # ---- /_sandbox ----
    async def admin_file_faults(self, request: Request) -> Response:
        if request.method == "POST":
            body = orjson.loads(await request.body() or b"{}")
            try:
                self.files.faults.configure(FileFaultConfig(**body))
            except (TypeError, ValueError) as exc:
                return _json({"error": str(exc)}, 422)
        return _json(self.files.faults.describe() | {"stats": dict(self.files.stats)})

    async def admin_create_files(self, request: Request) -> Response:
        """{"sizes": [bytes, ...], "project_id": n?}: new attachments of those sizes (generated
        bytes), for benchmarks and drills; returns their id, size and checksum."""
        body = orjson.loads(await request.body() or b"{}")
        sizes = body.get("sizes")
        if not isinstance(sizes, list) or not all(_is_int(s) and 0 <= s <= 1 << 34 for s in sizes):
            return _json({"error": "sizes must be a list of byte counts"}, 422)
        project_id = body.get("project_id") or next(iter(self.store.records("projects")))["id"]
        created = []
        for n, size in enumerate(sizes):
            stamp = self.store.now()
            aid = self.store.new_id("attachments")
            name = f"bench_{aid}_{n}.bin"
            record = {"id": aid, "project_id": project_id, "parent_type": "project",
                      "parent_id": project_id, "file_name": name,
                      "content_type": "application/octet-stream",
                      **version_fields(self.store.seed, aid, name, size, stamp),
                      "client_visible": False, "uploaded_by": None, "uploaded_at": stamp,
                      "created_at": stamp, "updated_at": stamp, "deleted": False}
            self.store.put("attachments", record)
            created.append({k: record[k] for k in ("id", "size_bytes", "checksum_sha256")})
        return _json(created)

    def api_routes(self) -> list[Route]:
        return [
            Route("/attachments/{id:int}", self.get_attachment, methods=["GET"]),
            Route("/attachments/uploads", self.start_upload, methods=["POST"]),
            Route("/attachments/uploads/{upload_id}/complete", self.complete_upload, methods=["POST"]),
        ]

    def admin_routes(self) -> list[Route]:
        return [
            Route("/_sandbox/file-faults", self.admin_file_faults, methods=["GET", "POST"]),
            Route("/_sandbox/files", self.admin_create_files, methods=["POST"]),
        ]


class FileBytes:
    """ASGI: `/files/{id}` and `/uploads/{id}` here, everything else to the API app."""

    def __init__(self, files: FileService, api: ASGIApp) -> None:
        self.files, self.api = files, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/files/"):
            await self._guarded(self._download, "GET", scope, receive, send)
        elif path.startswith("/uploads/"):
            await self._guarded(self._upload, "PUT", scope, receive, send)
        else:
            await self.api(scope, receive, send)

    async def _guarded(self, handler: Any, method: str, scope: Scope, receive: Receive,
                       send: Send) -> None:
        if scope["method"] != method:
            await _error(send, 405, "validation_error", f"Use {method}.", {"allow": method})
            return
        name = scope["path"].split("/", 2)[2]
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            await handler(name, params, scope, receive, send)
        except UrlRefused as exc:
            self.files.stats[f"refused_{exc.code}"] += 1
            await _error(send, exc.status, exc.code, exc.message, exc.headers)

    async def _download(self, name: str, params: dict[str, str], scope: Scope, receive: Receive,
                        send: Send) -> None:
        if not name.isdigit() or len(name) > 18:
            raise UrlRefused(404, "not_found", "No such file.")
        aid = int(name)
        record = self.files.check_download(aid, params)
        size = record["size_bytes"]
        start, end, partial = _byte_range(_header(scope, b"range"), size)
        faults = self.files.faults
        fault = faults.pick(aid)
        length = end - start
        sent_end = start + faults.cut_point(length) if fault == "truncate" and length else end
        cut = faults.cut_point(length) if fault == "expire_mid" and length else None
        wrong_at = start + faults.rng.randrange(length) if fault == "wrong_bytes" and length else None
        always_wrong = aid in faults.config.corrupt_ids
        headers = [(b"content-type", record["content_type"].encode("latin-1", "replace")),
                   (b"content-length", str(sent_end - start).encode()),
                   (b"accept-ranges", b"bytes"),
                   (b"etag", f'"{record["checksum_sha256"]}"'.encode())]
        if partial:
            headers.append((b"content-range", f"bytes {start}-{end - 1}/{size}".encode()))
        self.files.stats["downloads"] += 1
        self.files.stats["ranged"] += int(partial)
        await send({"type": "http.response.start", "status": 206 if partial else 200, "headers": headers})
        offset = start
        for piece in self.files.read(record, start, sent_end):
            if always_wrong or (wrong_at is not None and offset <= wrong_at < offset + len(piece)):
                piece = faults.corrupt(piece)
            if cut is not None and offset + len(piece) > start + cut:
                await send({"type": "http.response.body", "body": piece[:start + cut - offset],
                            "more_body": True})
                self.files.revoke(params.get("sig", ""))
                raise DroppedConnection("injected: the URL expired mid-download")
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            self.files.stats["bytes"] += len(piece)
            offset += len(piece)
            if fault == "slow":
                await asyncio.sleep(len(piece) / faults.config.slow_bytes_per_second)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _upload(self, name: str, params: dict[str, str], scope: Scope, receive: Receive,
                      send: Send) -> None:
        upload = self.files.check_upload(name, params)
        writer = self.files.writer(upload)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    writer.abort()
                    return
                writer.write(message.get("body", b""))
                if not message.get("more_body"):
                    break
        except UrlRefused:
            raise
        except BaseException:
            writer.abort()
            raise
        body = orjson.dumps(writer.finish())
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _is_int(value: Any) -> bool:
    """An integer as JSON Schema has it (2.0 is one)."""
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _byte_range(header: str | None, size: int) -> tuple[int, int, bool]:
    """(start, end, partial) of a single `Range: bytes=a-b` (or none); 416 when unsatisfiable."""
    if header is None:
        return 0, size, False
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return 0, size, False  # a Range we do not understand is ignored (RFC 9110)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size
    else:
        start, end = int(first), size if last == "" else min(size, int(last) + 1)
    if start >= size or start >= end:
        raise UrlRefused(416, "range_not_satisfiable", f"The file has {size} bytes.",
                         {"content-range": f"bytes */{size}"})
    return start, end, True


async def _error(send: Send, status: int, code: str, message: str,
                 extra: dict[str, str] | None = None) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message, "request_id": "files"}})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
