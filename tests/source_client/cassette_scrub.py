"""vcrpy set-up for the client's cassettes: scrub every secret before anything is written.

Request bodies (JSON or form) and response bodies have the values of SECRET_KEYS replaced
by REDACTED, and the Authorization header by "Bearer <REDACTED>". Replay matches on
method + path + query (never body or host), so scrubbed cassettes still play back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

import orjson
import vcr

REDACTED = "<REDACTED>"
SECRET_KEYS = frozenset({
    "password", "access_token", "refresh_token", "code", "client_secret", "challenge_id", "totp_secret",
})
CASSETTE_DIR = Path(__file__).resolve().parents[2] / "cassettes"


def scrub_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in SECRET_KEYS and v is not None else scrub_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(v) for v in value]
    return value


def scrub_body(body: bytes | str | None) -> bytes | str | None:
    """JSON bodies are scrubbed key by key; form bodies field by field; others untouched."""
    if not body:
        return body
    raw = body.encode() if isinstance(body, str) else body
    try:
        return orjson.dumps(scrub_value(orjson.loads(raw)))
    except orjson.JSONDecodeError:
        pass
    fields = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    if fields and all(k for k, _ in fields):
        return urlencode([(k, REDACTED if k in SECRET_KEYS else v) for k, v in fields]).encode()
    return body


def before_record_request(request: Any) -> Any:
    """Scrub the body; the sandbox's own /_sandbox/* admin calls are not recorded at all."""
    if urlparse(request.uri).path.startswith("/_sandbox"):
        return None
    request.body = scrub_body(request.body)
    return request


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    response["body"]["string"] = scrub_body(response["body"]["string"])
    response["headers"].pop("content-length", None)
    return response


def make_vcr(record_mode: str) -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(CASSETTE_DIR),
        record_mode=record_mode,
        match_on=["method", "path", "query"],
        filter_headers=[("authorization", f"Bearer {REDACTED}")],
        before_record_request=before_record_request,
        before_record_response=before_record_response,
        decode_compressed_response=True,
    )
