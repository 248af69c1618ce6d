"""The one HTTP client per run: timeouts, keep-alive, bounded retries with backoff + jitter.

Retried: 429 (honouring Retry-After, with a small floor for 0), 500/502/503/504, dropped
connections and timeouts, and a 2xx body that is not valid JSON (truncated). POSTs are
retried only because they carry an Idempotency-Key. Everything else becomes one of the
errors in `errors.py`. Only method, path and status are logged: never headers or bodies.
"""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from coconstruct_source.auth import is_dead_session
from coconstruct_source.errors import (
    ApiError,
    CoconstructError,
    MalformedResponse,
    PermissionDenied,
    SessionError,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "coconstruct-elt/0.1 (+httpx)"


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_retries: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_floor: float = 0.1  # "Retry-After: 0" must not become a tight loop
    retry_after_max: float = 300.0
    verify: bool | str = True  # a path is a CA bundle
    max_connections: int = 16


def tls_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """True (system CAs), or an SSLContext trusting the given CA bundle file / directory."""
    if verify is True:
        return True
    if verify is False:
        logger.warning("TLS certificate verification is OFF; use a CA bundle path instead")
        return False
    path = Path(verify).expanduser()
    if not path.exists():
        raise CoconstructError(f"CA bundle {path} does not exist; fix ca_bundle in [sources.coconstruct]")
    if path.is_dir():
        return ssl.create_default_context(capath=str(path))
    return ssl.create_default_context(cafile=str(path))


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or invalid."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_code(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        err = orjson.loads(response.content).get("error") or {}
        return err.get("code"), err.get("message")
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return None, None


def _error_fields(response: httpx.Response) -> str:
    """The fields a 4xx names in `error.details` ("lines[0].quantity: must be ..."): field and
    issue only, never the offending value (it could be a credential)."""
    try:
        details = orjson.loads(response.content)["error"]["details"]
        named = [f"{d['field']}: {d['issue']}" if d.get("issue") else str(d["field"])
                 for d in details if isinstance(d, dict) and d.get("field")]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return ""
    return "; ".join(named[:5]) + (f" (+{len(named) - 5} more)" if len(named) > 5 else "")


def _is_json(response: httpx.Response) -> bool:
    try:
        orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return False
    return True


class ApiClient:
    """JSON over one keep-alive httpx.Client; thread-safe for parallel resources."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None,
        settings: HttpSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self._sleep = sleep
        s = self.settings
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            limits=httpx.Limits(max_connections=s.max_connections, max_keepalive_connections=s.max_connections),
            verify=tls_verify(s.verify),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        bind = getattr(auth, "bind", None)
        if callable(bind):
            bind(self._send_session_request)

    # -- public -------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params, retryable=True)

    def post(self, path: str, json: dict[str, Any], *, idempotency_key: str | None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._call("POST", path, json=json, headers=headers, retryable=bool(idempotency_key))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------
    def _send_session_request(self, request: httpx.Request) -> httpx.Response:
        """For the auth flow's /sessions calls: same pool and retries, no auth, raw answer."""
        response, _ = self._send(request, retryable=True, auth=None, decode=False)
        return response

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
              retryable: bool) -> Any:
        request = self._client.build_request(method, path, params=params, json=json, headers=headers)
        _, body = self._send(request, retryable=retryable, auth=self.auth, decode=True)
        return body

    def _send(self, request: httpx.Request, *, retryable: bool, auth: httpx.Auth | None,
              decode: bool) -> tuple[httpx.Response, Any]:
        path = request.url.path
        attempts = self.settings.max_retries + 1 if retryable else 1
        for attempt in range(attempts):
            more = attempt + 1 < attempts
            try:
                response = self._client.send(request, auth=auth)
            except httpx.TransportError as exc:
                if not more:
                    raise CoconstructError(
                        f"{request.method} {path} failed after {attempt + 1} attempt(s): "
                        f"{type(exc).__name__}; check the network and base_url"
                    ) from None
                self._wait(attempt, f"{request.method} {path}: {type(exc).__name__}")
                continue
            status = response.status_code
            if status in RETRY_STATUSES and more:
                self._wait(attempt, f"{request.method} {path}: {status}", retry_after_seconds(response) if status == 429 else None)
                continue
            if not decode:
                if response.is_success and more and not _is_json(response):
                    self._wait(attempt, f"{request.method} {path}: {response.status_code} without a JSON body")
                    continue
                return response, None
            if auth is not None and is_dead_session(response):
                # The auth flow already renewed the session once for this attempt.
                if more:
                    self._wait(attempt, f"{request.method} {path}: session refused after renewal")
                    continue
                raise self._dead_session(response, path)
            if response.is_success:
                try:
                    return response, self._decode(response, path)
                except MalformedResponse as exc:
                    if not more:
                        raise
                    self._wait(attempt, f"{request.method} {path}: {exc}")
                    continue
            raise self._error(response, path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, response: httpx.Response, path: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            ctype = response.headers.get("content-type", "?")
            raise MalformedResponse(path, f"not valid JSON ({len(response.content)} bytes, {ctype})") from None

    def _dead_session(self, response: httpx.Response, path: str) -> SessionError:
        code, _ = _error_code(response)
        what = code or ("a login page" if response.status_code != 401 else "401")
        return SessionError(
            f"{path} kept refusing the session ({what}) after renewing it "
            f"{self.settings.max_retries + 1} time(s); check that the account is still active"
        )

    def _error(self, response: httpx.Response, path: str) -> CoconstructError:
        code, message = _error_code(response)
        status = response.status_code
        if status == 401:
            return SessionError(f"{path} refused the session ({code or status}); log in again")
        if status == 403:
            return PermissionDenied(path, code)
        if status in RETRY_STATUSES:
            return ApiError(status, path, code, f"still failing after {self.settings.max_retries} retries; try again later")
        fields = _error_fields(response)
        return ApiError(status, path, code, f"{message} {fields}" if message and fields else message or fields or None)

    def _wait(self, attempt: int, why: str, retry_after: float | None = None) -> None:
        s = self.settings
        if retry_after is not None:
            delay = min(max(retry_after, s.retry_after_floor), s.retry_after_max)
            delay *= random.uniform(1.0, 1.1)
        else:
            cap = min(s.backoff_max, s.backoff_base * 2**attempt)
            delay = cap / 2 + random.uniform(0, cap / 2)
        logger.info("%s; retry %d/%d in %.2fs", why, attempt + 1, s.max_retries, delay)
        self._sleep(delay)
