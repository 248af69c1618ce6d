"""Download one attachment version into its part file, resuming and verifying.

Streams in bounded chunks (memory does not grow with the file), resumes with
`Range: bytes=N-` after a dropped connection, a short body or a kill (the part file stays),
asks the API for a fresh signed URL (`GET /attachments/{id}`) when one expired or the file
changed, and hashes every byte once as it lands. A file counts as downloaded only when its
size and SHA-256 equal the metadata; a mismatch throws the part away and downloads again,
and after `verify_attempts` mismatches the file is quarantined with the reason. Every loop
is bounded by `max_requests`. Signed URLs are never logged nor put in a message: only
`/files/<id>`.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from coconstruct_source.http import RETRY_STATUSES, retry_after_seconds

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
URL_MARGIN_S = 30.0  # a listed URL this close to expiry is refreshed before use


@dataclass(frozen=True)
class DownloadSettings:
    max_requests: int = 24  # per file: resumes, refreshes and retries together
    verify_attempts: int = 3  # full downloads whose SHA-256 may mismatch before quarantine
    backoff_base: float = 0.2
    backoff_max: float = 5.0


@dataclass
class Downloaded:
    """How one download ended: `stored` (part verified), `quarantined`, `deleted` (the API no
    longer has it) or `failed` (gave up; retried next run). `attachment` is the metadata of
    the version downloaded (a newer one if the file changed meanwhile)."""

    status: str
    attachment: dict[str, Any]
    part: Path | None = None
    reason: str | None = None
    requests: int = 0
    resumed: int = 0


class _RedactSignedUrls(logging.Filter):
    """httpx logs every request's URL at INFO: drop the query of signed ones (capabilities)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def redact(url: httpx.URL) -> httpx.URL:
    return url.copy_with(query=b"redacted") if b"sig=" in url.query else url


def hide_signed_urls_in_logs() -> None:
    for name in ("httpx", "httpcore"):
        target = logging.getLogger(name)
        if not any(isinstance(f, _RedactSignedUrls) for f in target.filters):
            target.addFilter(_RedactSignedUrls())


class NotFoundError(Exception):
    """The attachment is gone (404 on GET /attachments/{id})."""


Refresh = Callable[[int], dict[str, Any]]  # GET /attachments/{id}; raises NotFoundError
PartFor = Callable[[dict[str, Any]], Path]


def url_usable(attachment: dict[str, Any], now: float | None = None) -> bool:
    """Is the listed `url` worth trying (present and not about to expire)?"""
    expires = attachment.get("url_expires_at")
    if not attachment.get("url") or not expires:
        return False
    when = datetime.fromisoformat(str(expires).replace("Z", "+00:00")).astimezone(UTC).timestamp()
    return when - URL_MARGIN_S > (time.time() if now is None else now)


class _Refetch(Exception):
    """The URL in hand cannot serve this version: get a fresh one."""


class Downloader:
    def __init__(self, http: httpx.Client, base_url: str, refresh: Refresh, part_for: PartFor,
                 settings: DownloadSettings | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.http, self.base_url, self.refresh, self.part_for = http, httpx.URL(base_url), refresh, part_for
        self.settings = settings or DownloadSettings()
        self._sleep = sleep
        hide_signed_urls_in_logs()

    def download(self, attachment: dict[str, Any]) -> Downloaded:
        s = self.settings
        meta = attachment
        url = meta.get("url") if url_usable(meta) else None
        part = self.part_for(meta)
        hasher, have = _resume_state(part, meta["size_bytes"])
        mismatches, requests, resumed, failures = 0, 0, 0, 0
        last_problem = "no request made"
        while requests < s.max_requests:
            if have == meta["size_bytes"]:
                digest = hasher.hexdigest()
                if digest == meta["checksum_sha256"]:
                    if not part.exists():  # an empty file: nothing was written
                        part.parent.mkdir(parents=True, exist_ok=True)
                        part.touch()
                    return Downloaded("stored", meta, part, requests=requests, resumed=resumed)
                mismatches += 1
                last_problem = (f"SHA-256 mismatch: expected {meta['checksum_sha256']}, got {digest} "
                                f"({mismatches} download(s))")
                logger.warning("attachment %s: %s", meta["id"], last_problem)
                part.unlink(missing_ok=True)
                hasher, have = hashlib.sha256(), 0
                if mismatches >= s.verify_attempts:
                    return Downloaded("quarantined", meta, None, last_problem, requests, resumed)
                continue
            if url is None:
                requests += 1
                try:
                    fresh = self.refresh(meta["id"])
                except NotFoundError:
                    part.unlink(missing_ok=True)
                    return Downloaded("deleted", meta, None, "the API no longer has this attachment",
                                      requests, resumed)
                if fresh["checksum_sha256"] != meta["checksum_sha256"] or fresh["size_bytes"] != meta["size_bytes"]:
                    part.unlink(missing_ok=True)  # a new version: start it in its own part file
                    part = self.part_for(fresh)
                    hasher, have = _resume_state(part, fresh["size_bytes"])
                    mismatches = 0
                meta, url = fresh, fresh.get("url")
                if not url:
                    return Downloaded("failed", meta, None, "the API gave no download URL", requests, resumed)
                continue
            requests += 1
            resumed += int(have > 0)
            try:
                hasher, have = self._fetch(url, meta, part, hasher, have)
            except _Refetch as why:
                url, last_problem = None, str(why)
                continue
            except httpx.TransportError as exc:  # cut mid-body: keep what arrived, resume
                failures += 1
                last_problem = f"connection failed ({type(exc).__name__}) at byte {have}"
                self._backoff(failures, None)
                continue
            except _Retry as why:
                failures += 1
                last_problem = why.reason
                self._backoff(failures, why.retry_after)
                continue
            if have < meta["size_bytes"]:
                last_problem = f"the answer ended at byte {have} of {meta['size_bytes']}"
                logger.info("attachment %s: %s; resuming", meta["id"], last_problem)
        return Downloaded("failed", meta, None,
                          f"gave up after {requests} requests: {last_problem}", requests, resumed)

    def _fetch(self, url: str, meta: dict[str, Any], part: Path, hasher: Any,
               have: int) -> tuple[Any, int]:
        """One GET from byte `have`, appended to the part file; the new (hasher, have)."""
        size = meta["size_bytes"]
        headers = {"Range": f"bytes={have}-"} if have else {}
        where = f"/files/{meta['id']}"
        with self.http.stream("GET", self.base_url.join(url), headers=headers) as response:
            status = response.status_code
            if status in (403, 404, 410):
                response.read()
                code = _error_code(response)
                if status == 403 and code not in ("url_expired", "url_invalid", None):
                    raise _Refetch(f"{where} refused ({code})")
                raise _Refetch(f"{where} answered {status} ({code or 'no code'})")
            if status == 416:  # nothing after `have`: what we hold is the whole file, or wrong
                response.read()
                if have >= size:
                    return hasher, have
                part.unlink(missing_ok=True)
                return hashlib.sha256(), 0
            if status in RETRY_STATUSES:
                response.read()
                raise _Retry(f"{where} answered {status}", retry_after_seconds(response) if status == 429 else None)
            if status not in (200, 206):
                response.read()
                raise _Retry(f"{where} answered {status}", None)
            if status == 200 and have:  # the Range was ignored: the whole file again
                hasher, have = hashlib.sha256(), 0
                mode = "wb"
            elif status == 206 and not response.headers.get("content-range", "").startswith(f"bytes {have}-"):
                raise _Retry(f"{where} answered another range than asked", None)
            else:
                mode = "ab" if have else "wb"
            part.parent.mkdir(parents=True, exist_ok=True)
            with open(part, mode) as out:
                try:
                    for chunk in response.iter_raw():  # as received: no re-chunking copies
                        if have + len(chunk) > size:
                            chunk = chunk[: size - have]  # more than the file: cannot be right
                            out.write(chunk)
                            hasher.update(chunk)
                            have = size
                            hasher.update(b"\0")  # poison: the digest will not match
                            break
                        out.write(chunk)
                        hasher.update(chunk)
                        have += len(chunk)
                finally:
                    out.flush()
        return hasher, have

    def _backoff(self, failures: int, retry_after: float | None) -> None:
        s = self.settings
        if retry_after is not None:
            delay = min(max(retry_after, 0.1), 60.0)
        else:
            cap = min(s.backoff_max, s.backoff_base * 2 ** (failures - 1))
            delay = cap / 2 + random.uniform(0, cap / 2)
        self._sleep(delay)


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _resume_state(part: Path, size: int) -> tuple[Any, int]:
    """The hash of what a part file already holds and its length (reading it in chunks);
    a part longer than the file is thrown away."""
    hasher = hashlib.sha256()
    try:
        have = part.stat().st_size
    except FileNotFoundError:
        return hasher, 0
    if have > size:
        part.unlink()
        return hasher, 0
    with open(part, "rb") as f:
        while piece := f.read(CHUNK):
            hasher.update(piece)
    return hasher, have


def _error_code(response: httpx.Response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except Exception:
        return None
