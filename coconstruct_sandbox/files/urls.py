"""Signed, expiring URLs for file bytes (downloads) and staged uploads.

A URL is a capability: whoever holds it may read (or write) the bytes until `expires`
(unix seconds), nothing else. The HMAC covers the attachment id, a tag of the version's
checksum (`v`), a nonce (`n`) and the expiry, so a URL for an older version of a file stops working (410)
once the file changes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime


def url_secret(seed: int) -> bytes:
    return hashlib.sha256(f"coconstruct-sandbox-file-urls:{seed}".encode()).digest()


def signature(secret: bytes, subject: str, expires: int) -> str:
    return hmac.new(secret, f"{subject}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def version_tag(checksum: str) -> str:
    return checksum[:16]


def download_path(secret: bytes, attachment_id: int, checksum: str, expires: int,
                  nonce: str = "0") -> str:
    """`nonce` tells apart two URLs issued in the same second (one may be revoked)."""
    tag = version_tag(checksum)
    sig = signature(secret, f"file:{attachment_id}:{tag}:{nonce}", expires)
    return f"/files/{attachment_id}?v={tag}&n={nonce}&expires={expires}&sig={sig}"


def upload_path(secret: bytes, upload_id: str, expires: int) -> str:
    sig = signature(secret, f"upload:{upload_id}", expires)
    return f"/uploads/{upload_id}?expires={expires}&sig={sig}"


def unix_seconds(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
