"""FileService: what the sandbox knows about file bytes beyond the attachment records.

Fresh signed URLs, URL checks (signature, expiry, revocation, version), the bytes of a
version (generated, or an uploaded file on disk), staged uploads and download statistics.
No HTTP here: `routes.py` serves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from coconstruct_sandbox.files.content import CHUNK, attachment_content
from coconstruct_sandbox.files.faults import FileFaults
from coconstruct_sandbox.files.records import version_fields
from coconstruct_sandbox.files.urls import signature, upload_path, url_secret, version_tag
from coconstruct_sandbox.store import TenantStore

PARENT_ENTITIES = {"selection": "selections", "change_order": "change_orders",
                   "purchase_order": "purchase_orders", "bill": "bills", "invoice": "invoices"}
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class UrlRefused(Exception):
    """A download or upload URL that may not be used: status and stable code."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


@dataclass
class Upload:
    """A staged upload: declared by `POST /attachments/uploads`, filled by `PUT`, confirmed by
    `.../complete`."""

    id: str
    username: str
    fields: dict
    expires: int
    path: Path
    received_bytes: int = 0
    received_sha256: str | None = None
    attachment: dict | None = None
    writing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class UploadWriter:
    """Writes a PUT body to disk, hashing as it streams; more bytes than declared → 413."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.declared = upload.fields["size_bytes"]
        self.digest, self.received = hashlib.sha256(), 0
        upload.writing = True
        upload.received_bytes, upload.received_sha256 = 0, None
        self._out = open(upload.path, "wb")  # noqa: SIM115 - closed by finish / abort

    def write(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.declared:
            self.abort()
            raise UrlRefused(413, "too_large", f"More bytes than the declared size_bytes ({self.declared}).")
        self.digest.update(chunk)
        self._out.write(chunk)

    def finish(self) -> dict:
        self._out.close()
        self.upload.writing = False
        self.upload.received_bytes, self.upload.received_sha256 = self.received, self.digest.hexdigest()
        return {"upload_id": self.upload.id, "received_bytes": self.received,
                "checksum_sha256": self.upload.received_sha256}

    def abort(self) -> None:
        self._out.close()
        self.upload.writing = False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.upload.path)


class FileService:
    def __init__(self, store: TenantStore, now: Callable[[], float], *, url_ttl: int = 900) -> None:
        self.store, self.now, self.url_ttl = store, now, url_ttl
        self.secret = url_secret(store.seed)
        self.faults = FileFaults()
        self.revoked: set[str] = set()
        self.uploads: dict[str, Upload] = {}
        self.uploaded: dict[int, tuple[str, Path]] = {}  # attachment id → (checksum, file)
        self.stats: Counter[str] = Counter()
        self._dir: tempfile.TemporaryDirectory | None = None

    # ---- downloads ------------------------------------------------------------------------
    def with_fresh_url(self, record: dict) -> dict:
        """The record with a URL that works for `url_ttl` seconds from now."""
        expires = int(self.now()) + self.url_ttl
        fields = version_fields(self.store.seed, record["id"], record["file_name"],
                                record["size_bytes"], iso_seconds(expires), record["checksum_sha256"],
                                secrets.token_hex(4))
        return record | fields

    def check_download(self, attachment_id: int, params: dict[str, str]) -> dict:
        """The live record a download URL stands for, or UrlRefused."""
        tag, sig, expires = params.get("v", ""), params.get("sig", ""), params.get("expires", "")
        subject = f"file:{attachment_id}:{tag}:{params.get('n', '')}"
        if not _signed(signature(self.secret, subject, _int(expires)), sig):
            raise UrlRefused(403, "url_invalid", "The URL's signature is not valid.")
        if int(expires) <= self.now() or sig in self.revoked:
            raise UrlRefused(403, "url_expired", "The URL expired; read the attachment again for a new one.")
        record = self.store.get("attachments", attachment_id)
        if record is None:
            raise UrlRefused(404, "not_found", f"Attachment {attachment_id} does not exist.")
        if version_tag(record["checksum_sha256"]) != tag:
            raise UrlRefused(410, "file_changed",
                             "The file changed since this URL was issued; read the attachment again.")
        return record

    def revoke(self, sig: str) -> None:
        self.revoked.add(sig)

    def read(self, record: dict, start: int, end: int) -> Iterator[bytes]:
        """Bytes [start, end) of the record's current version."""
        uploaded = self.uploaded.get(record["id"])
        if uploaded is not None and uploaded[0] == record["checksum_sha256"]:
            yield from _read_file(uploaded[1], start, end)
            return
        yield from attachment_content(self.store.seed, record).read(start, end)

    # ---- uploads --------------------------------------------------------------------------
    def _upload_dir(self) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="coconstruct-sandbox-uploads-")
        return Path(self._dir.name)

    def start_upload(self, username: str, fields: dict) -> tuple[Upload, str]:
        """A new staged upload and its signed PUT path."""
        upload_id = "upl_" + secrets.token_hex(12)
        expires = int(self.now()) + self.url_ttl
        upload = Upload(upload_id, username, fields, expires, self._upload_dir() / upload_id)
        self.uploads[upload_id] = upload
        return upload, upload_path(self.secret, upload_id, expires)

    def check_upload(self, upload_id: str, params: dict[str, str]) -> Upload:
        sig, expires = params.get("sig", ""), params.get("expires", "")
        if not _signed(signature(self.secret, f"upload:{upload_id}", _int(expires)), sig):
            raise UrlRefused(403, "url_invalid", "The upload URL's signature is not valid.")
        if int(expires) <= self.now():
            raise UrlRefused(403, "url_expired", "The upload URL expired; start the upload again.")
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise UrlRefused(404, "not_found", f"Upload {upload_id} does not exist.")
        if upload.attachment is not None:
            raise UrlRefused(409, "upload_completed", "This upload is already complete.")
        return upload

    def writer(self, upload: Upload) -> UploadWriter:
        """Where a PUT body goes; one PUT at a time per upload."""
        if upload.writing:
            raise UrlRefused(409, "upload_in_progress", "Another PUT of this upload is running.")
        return UploadWriter(upload)

    def complete_upload(self, upload: Upload, checksum: str) -> tuple[dict, bool]:
        """The attachment for a fully received upload whose bytes match the declared and the
        confirmed checksum; (record, created). A mismatch → UrlRefused 422 (upload again)."""
        with upload.lock:
            if upload.attachment is not None:
                return upload.attachment, False
            declared = upload.fields
            problems = []
            if upload.received_sha256 is None:
                problems.append("no bytes were uploaded yet")
            elif upload.received_bytes != declared["size_bytes"]:
                problems.append(f"received {upload.received_bytes} bytes, declared {declared['size_bytes']}")
            elif upload.received_sha256 != declared["checksum_sha256"]:
                problems.append("the uploaded bytes do not match the declared checksum_sha256")
            if checksum != declared["checksum_sha256"]:
                problems.append("the confirmed checksum_sha256 is not the declared one")
            if problems:
                raise UrlRefused(422, "checksum_mismatch", "; ".join(problems) + "; PUT the bytes again.")
            upload.attachment = self._create_attachment(upload)
            return upload.attachment, True

    def _create_attachment(self, upload: Upload) -> dict:
        store, fields = self.store, upload.fields
        stamp = store.now()
        aid = store.new_id("attachments")
        record = {"id": aid, "project_id": fields["project_id"], "parent_type": fields["parent_type"],
                  "parent_id": fields["parent_id"], "file_name": fields["file_name"],
                  "content_type": fields["content_type"],
                  **version_fields(store.seed, aid, fields["file_name"], fields["size_bytes"], stamp,
                                   fields["checksum_sha256"]),
                  "client_visible": bool(fields.get("client_visible", False)),
                  "uploaded_by": fields.get("uploaded_by"), "uploaded_at": stamp,
                  "created_at": stamp, "updated_at": stamp, "deleted": False}
        self.uploaded[aid] = (fields["checksum_sha256"], upload.path)
        return self.with_fresh_url(store.put("attachments", record))

    def close(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def _int(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else -1


def _signed(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _read_file(path: Path, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as f:
        f.seek(start)
        while start < end:
            piece = f.read(min(CHUNK, end - start))
            if not piece:
                return
            start += len(piece)
            yield piece


def iso_seconds(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
