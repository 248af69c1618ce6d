"""The session: an `httpx.Auth` flow that logs in lazily, adds the Bearer token, refreshes
before expiry and on a dead session, and re-logs in once when a refresh is refused.

Single flight: one lock guards the tokens, so N workers finding the token expired (or
getting 401 with the same stale token) share one refresh instead of stampeding. A dead
session is a 401, a redirect to a login page or an HTML page where JSON was expected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from coconstruct_source.credentials import (
    OAuthRefreshTokenCredentials,
    PasswordMfaCredentials,
    TCoconstructCredentials,
)
from coconstruct_source.errors import (
    ApiError,
    AuthenticationError,
    MalformedResponse,
    MfaError,
    SessionError,
)
from coconstruct_source.mfa import MfaCodeProvider, resolve_code_provider
from coconstruct_source.session_cache import SessionCache

logger = logging.getLogger(__name__)

Sender = Callable[[httpx.Request], httpx.Response]

REFRESH_MARGIN_S = 60.0
# Never use more than this share of a token's lifetime as margin (short test TTLs).
REFRESH_MARGIN_SHARE = 0.2
REFUSED_STATUSES = frozenset({400, 401, 403, 422, 423})


def is_dead_session(response: httpx.Response) -> bool:
    """401, a redirect to a login page, or a non-JSON (HTML) answer: the session is gone."""
    if response.status_code == 401:
        return True
    if response.is_redirect:
        return "login" in response.headers.get("location", "").lower()
    if response.is_success and response.content:
        # Any non-JSON answer where JSON was expected (typically the web app's login page).
        ctype = response.headers.get("content-type", "").lower()
        return "json" not in ctype or response.content.lstrip()[:1] == b"<"
    return False


@dataclass
class _Tokens:
    access: str
    refresh: str | None
    expires_at: float  # local clock, from expires_in at receipt
    lifetime: float


class _Refused(Exception):
    """A session endpoint said no; carries the API's stable code (never a secret)."""

    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.code = code
        super().__init__(f"{status} {code}")


class CoconstructAuth(httpx.Auth):
    """Base flow; subclasses say how to start a session and how to renew it."""

    requires_response_body = True

    def __init__(
        self,
        base_url: str,
        *,
        session_cache: SessionCache | None = None,
        refresh_margin: float = REFRESH_MARGIN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session_cache = session_cache
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: _Tokens | None = None
        self._failure: AuthenticationError | None = None
        self._sender: Sender | None = None
        self._own_client: httpx.Client | None = None
        self.refresh_count = 0
        self.login_count = 0

    # -- wiring -------------------------------------------------------------------------
    def bind(self, sender: Sender) -> None:
        """Send session requests through the run's client (ApiClient does this)."""
        self._sender = sender

    def close(self) -> None:
        if self._own_client is not None:
            self._own_client.close()

    def _send(self, request: httpx.Request) -> httpx.Response:
        if self._sender is None:
            self._own_client = self._own_client or httpx.Client(timeout=30.0)
            self._sender = lambda r: self._own_client.send(r, auth=None)  # type: ignore[union-attr]
        return self._sender(request)

    # -- the httpx flow -----------------------------------------------------------------
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if is_dead_session(response):
            logger.info("session refused on %s (%s); renewing it", request.url.path, response.status_code)
            request.headers["Authorization"] = f"Bearer {self.renew(stale=token)}"
            yield request

    def access_token(self) -> str:
        """A valid access token: logs in on first use, refreshes within the margin of expiry."""
        with self._lock:
            self._raise_if_failed()
            if self._tokens is None:
                self._guarded(self._start)
            elif self._expiring(self._tokens):
                self._guarded(self._renew)
            assert self._tokens is not None
            return self._tokens.access

    def renew(self, stale: str) -> str:
        """Replace a refused token, unless another worker already did (single flight)."""
        with self._lock:
            self._raise_if_failed()
            if self._tokens is not None and self._tokens.access != stale:
                return self._tokens.access
            self._guarded(self._start if self._tokens is None else self._renew)
            assert self._tokens is not None
            return self._tokens.access

    def _guarded(self, step: Callable[[], _Tokens]) -> None:
        """Run a login/refresh step; an authentication failure is final for this run, so
        parallel workers do not each retry a bad password into an account lock-out."""
        try:
            self._set(step())
        except AuthenticationError as exc:
            self._failure = exc
            raise

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise type(self._failure)(str(self._failure))

    def _expiring(self, tokens: _Tokens) -> bool:
        margin = min(self.refresh_margin, tokens.lifetime * REFRESH_MARGIN_SHARE)
        return self._clock() >= tokens.expires_at - margin

    def _set(self, tokens: _Tokens) -> None:
        self._tokens = tokens
        if self.session_cache is not None and tokens.refresh:
            self.session_cache.save(tokens.refresh)

    # -- subclass hooks -----------------------------------------------------------------
    def _start(self) -> _Tokens:
        raise NotImplementedError

    def _renew(self) -> _Tokens:
        raise NotImplementedError

    # -- session endpoints --------------------------------------------------------------
    def _post(self, path: str, *, json: dict[str, Any] | None = None, data: dict[str, str] | None = None) -> dict[str, Any]:
        request = httpx.Request(
            "POST", self.base_url + path, json=json, data=data, headers={"Accept": "application/json"}
        )
        response = self._send(request)
        try:
            body = orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            body = None
        if response.is_success:
            if not isinstance(body, dict):
                raise MalformedResponse(path, f"status {response.status_code}, expected a JSON object")
            return body
        # An error whose body was cut off still says enough through its status.
        error = body.get("error") if isinstance(body, dict) else None
        code = (error.get("code") if isinstance(error, dict) else None) or f"http_{response.status_code}"
        if response.status_code in REFUSED_STATUSES:
            raise _Refused(response.status_code, code)
        raise ApiError(response.status_code, path, code, "the session service failed; try again later")

    def _tokens_from(self, path: str, body: dict[str, Any]) -> _Tokens:
        try:
            lifetime = float(body["expires_in"])
            access = body["access_token"]
        except (KeyError, TypeError, ValueError):
            raise MalformedResponse(path, "token answer lacks access_token/expires_in") from None
        return _Tokens(access, body.get("refresh_token"), self._clock() + lifetime, lifetime)

    def _refresh(self, refresh_token: str) -> _Tokens:
        body = self._post("/sessions/refresh", json={"refresh_token": refresh_token})
        self.refresh_count += 1
        logger.debug("access token refreshed")
        return self._tokens_from("/sessions/refresh", body)


class PasswordMfaAuth(CoconstructAuth):
    """Username + password (+ MFA); the refresh token rotates and is cached if enabled."""

    def __init__(self, credentials: PasswordMfaCredentials, base_url: str, *, code_provider: MfaCodeProvider, **kw: Any) -> None:
        super().__init__(base_url, **kw)
        self.credentials = credentials
        self.code_provider = code_provider

    def _start(self) -> _Tokens:
        cached = self.session_cache.load() if self.session_cache else None
        if cached:
            try:
                return self._refresh(cached)
            except _Refused as exc:
                logger.info("cached session refused (%s); logging in", exc.code)
                self.session_cache.clear()  # type: ignore[union-attr]
        return self._login()

    def _renew(self) -> _Tokens:
        refresh = self._tokens.refresh if self._tokens else None
        reason = "no refresh token"
        if refresh:
            try:
                return self._refresh(refresh)
            except _Refused as exc:
                reason = exc.code
                logger.info("refresh refused (%s); logging in again", reason)
        if self.session_cache is not None:
            self.session_cache.clear()
        try:
            return self._login()
        except AuthenticationError as exc:
            raise SessionError(
                f"the session of {self.credentials.username!r} ended ({reason}) and logging in "
                f"again failed: {exc}"
            ) from None

    def _login(self) -> _Tokens:
        user = self.credentials.username
        try:
            body = self._post(
                "/sessions", json={"username": user, "password": self.credentials.password}
            )
        except _Refused as exc:
            if exc.code == "account_locked" or exc.status == 423:
                raise AuthenticationError(
                    f"account {user!r} is locked ({exc.code}); wait for the lock to expire or ask "
                    "a CoConstruct admin to unlock it"
                ) from None
            raise AuthenticationError(
                f"login refused for {user!r} ({exc.code}); check username and password in "
                "[sources.coconstruct.credentials]"
            ) from None
        if body.get("mfa_required"):
            body = self._complete_mfa(body)
        self.login_count += 1
        logger.info("logged in to %s as %s", self.base_url, user)
        return self._tokens_from("/sessions", body)

    def _complete_mfa(self, challenge: dict[str, Any]) -> dict[str, Any]:
        method = str(challenge.get("method"))
        code = self.code_provider(method, challenge.get("destination_hint"))
        try:
            body = self._post(
                "/sessions/mfa", json={"challenge_id": challenge.get("challenge_id"), "code": code}
            )
        except _Refused as exc:
            if exc.code == "challenge_expired":
                hint = "the challenge expired before the code arrived; run again"
            elif method == "totp":
                hint = "check totp_secret and the machine's clock"
            else:
                hint = "check the code provider"
            raise MfaError(
                f"MFA by {method} refused for {self.credentials.username!r} ({exc.code}); {hint}"
            ) from None
        return body


class OAuthRefreshAuth(CoconstructAuth):
    """OAuth2 refresh-token grant; the rotated refresh token replaces the configured one."""

    def __init__(self, credentials: OAuthRefreshTokenCredentials, base_url: str, **kw: Any) -> None:
        super().__init__(base_url, **kw)
        self.credentials = credentials

    def _grant(self, refresh_token: str) -> _Tokens:
        body = self._post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            },
        )
        self.refresh_count += 1
        return self._tokens_from("/oauth/token", body)

    def _start(self) -> _Tokens:
        return self._first_accepted([self.session_cache.load() if self.session_cache else None])

    def _renew(self) -> _Tokens:
        return self._first_accepted([self._tokens.refresh if self._tokens else None])

    def _first_accepted(self, candidates: list[str | None]) -> _Tokens:
        """Try the rotated token first, then the configured one; refused by all → error."""
        codes: list[str] = []
        for token in dict.fromkeys([*candidates, self.credentials.refresh_token]):
            if not token:
                continue
            try:
                return self._grant(token)
            except _Refused as exc:
                codes.append(exc.code)
        if self.session_cache is not None:
            self.session_cache.clear()
        raise AuthenticationError(
            f"OAuth refresh token for client {self.credentials.client_id!r} refused "
            f"({', '.join(codes) or 'none configured'}); issue a new refresh token and set "
            "[sources.coconstruct.credentials] refresh_token"
        )


def make_auth(
    credentials: TCoconstructCredentials,
    base_url: str,
    *,
    code_provider: MfaCodeProvider | None = None,
    session_cache: SessionCache | None = None,
    refresh_margin: float = REFRESH_MARGIN_S,
) -> CoconstructAuth:
    """The auth flow for these credentials (pass it to ApiClient, which binds its client)."""
    if isinstance(credentials, OAuthRefreshTokenCredentials):
        return OAuthRefreshAuth(credentials, base_url, session_cache=session_cache, refresh_margin=refresh_margin)
    if isinstance(credentials, PasswordMfaCredentials):
        provider = resolve_code_provider(credentials, code_provider)
        return PasswordMfaAuth(
            credentials, base_url, code_provider=provider, session_cache=session_cache, refresh_margin=refresh_margin
        )
    raise TypeError(f"unsupported credentials type {type(credentials).__name__}")
