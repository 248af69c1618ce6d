"""Upload a file as a new attachment through the staged-upload flow.

1. `POST /attachments/uploads` declares the file (size and SHA-256, computed by streaming
   it once) and returns a signed upload URL; 2. `PUT` streams the bytes to that URL (no
   bearer token: it is a capability); 3. `POST .../complete` confirms with the checksum, and
   only then does the attachment exist. A dropped PUT is sent again (bounded); the API
   answering `checksum_mismatch` means the bytes did not arrive intact: PUT again, then give
   up with a clear error. The returned attachment's size and checksum are checked too.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from coconstruct_source.errors import ApiError, CoconstructError
from coconstruct_source.files.download import hide_signed_urls_in_logs
from coconstruct_source.http import ApiClient, tls_verify

CHUNK = 1 << 20


class UploadError(CoconstructError):
    """The staged upload could not be completed; names the file and why."""


def file_digest(path: Path) -> tuple[int, str]:
    """(size, sha256 hex) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while piece := f.read(CHUNK):
            digest.update(piece)
            size += len(piece)
    return size, digest.hexdigest()


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while piece := f.read(CHUNK):
            yield piece


def upload_attachment(client: ApiClient, path: str | os.PathLike[str], *, project_id: int,
                      parent_type: str = "project", parent_id: int | None = None,
                      file_name: str | None = None, content_type: str | None = None,
                      client_visible: bool = False, put_attempts: int = 3) -> dict[str, Any]:
    """Upload `path` as an attachment of (parent_type, parent_id) in the project; returns the
    new attachment (its `url` is a capability: use it, do not store it)."""
    path = Path(path)
    size, checksum = file_digest(path)
    name = file_name or path.name
    declared = {"project_id": project_id, "parent_type": parent_type,
                "parent_id": parent_id if parent_id is not None else project_id, "file_name": name,
                "content_type": content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
                "size_bytes": size, "checksum_sha256": checksum, "client_visible": client_visible}
    upload = client.post("/attachments/uploads", declared, idempotency_key=str(uuid.uuid4()))
    hide_signed_urls_in_logs()
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0), follow_redirects=False,
                      verify=tls_verify(client.settings.verify)) as http:
        target = httpx.URL(client.base_url).join(upload["upload_url"])
        for confirm in range(2):
            _put(http, target, path, size, name, put_attempts)
            try:
                attachment = client.post(f"/attachments/uploads/{upload['upload_id']}/complete",
                                         {"checksum_sha256": checksum},
                                         idempotency_key=f"{upload['upload_id']}:complete")
            except ApiError as exc:
                if exc.code == "checksum_mismatch" and confirm == 0:
                    continue
                raise UploadError(f"upload of {name} was not accepted: {exc}") from None
            break
    if attachment.get("checksum_sha256") != checksum or attachment.get("size_bytes") != size:
        raise UploadError(f"upload of {name}: the API recorded another size or checksum than sent")
    return attachment


def _put(http: httpx.Client, target: httpx.URL, path: Path, size: int, name: str,
         attempts: int) -> None:
    problem = ""
    for attempt in range(attempts):
        try:
            response = http.put(target, content=_chunks(path),
                                headers={"Content-Type": "application/octet-stream",
                                         "Content-Length": str(size)})
        except httpx.TransportError as exc:
            problem = type(exc).__name__
        else:
            if response.status_code == 200:
                receipt = response.json()
                if receipt.get("received_bytes") == size:
                    return
                problem = f"the server received {receipt.get('received_bytes')} of {size} bytes"
            elif response.status_code < 500:
                code = (response.json().get("error") or {}).get("code") if response.content else None
                raise UploadError(f"upload of {name} refused ({response.status_code} {code})")
            else:
                problem = f"status {response.status_code}"
        time.sleep(min(5.0, 0.2 * 2**attempt))
    raise UploadError(f"upload of {name} failed after {attempts} attempt(s): {problem}")
