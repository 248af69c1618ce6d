"""A small in-memory stand-in for the API's session routes and one list route, served through
httpx.MockTransport: deterministic, clock-controlled unit tests of the client layer.

It follows the contract (and the sandbox's behaviour): login → 201 or an MFA challenge,
rotating refresh tokens with reuse detection, `token_expired` 401s, cursor pages, and
idempotent writes. `faults` queues canned answers (or exceptions) served before the app.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import pyotp

Fault = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]

TOTP_SECRET = pyotp.random_base32()
PASSWORD = "s3cret-Passw0rd!"
OAUTH_SECRET = "oauth-client-secret-XYZ"


def error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": code}}, headers=headers)


@dataclass
class FakeApi:
    mfa: str = "none"  # none | totp | sms | email
    token_ttl: float = 900.0
    records: int = 25
    now: float = 0.0  # the fake's clock, shared with the client's auth via `clock`
    calls: Counter[str] = field(default_factory=Counter)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    outbox: list[str] = field(default_factory=list)
    seen_requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.access: dict[str, float] = {}  # token → expiry
        self.refresh_current: str | None = None
        self.refresh_used: set[str] = set()
        self.oauth_current = "oauth-initial-refresh-token"
        self.challenges: dict[str, str | None] = {}
        self.created: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(1000)

    # -- test helpers ---------------------------------------------------------------------
    def clock(self) -> float:
        return self.now

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def inject(self, path: str, *answers: Fault) -> None:
        self.faults.setdefault(path, deque()).extend(answers)

    def revoke_all(self) -> None:
        self.access.clear()
        self.refresh_current = None

    # -- the app --------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with self.lock:
            self.calls[f"{request.method} {path}"] += 1
            self.seen_requests.append(request)
            queue = self.faults.get(path)
            fault = queue.popleft() if queue else None
        if isinstance(fault, Exception):
            raise fault
        if callable(fault):
            return fault(request)
        if isinstance(fault, httpx.Response):
            return fault
        with self.lock:
            return self._route(request, path)

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        body = orjson.loads(request.content) if request.headers.get("content-type") == "application/json" else {}
        if path == "/sessions" and request.method == "POST":
            if body.get("username") != "alice" or body.get("password") != PASSWORD:
                return error(401, "invalid_credentials")
            if self.mfa == "none":
                return self._issue(201)
            cid = secrets.token_hex(8)
            code = None if self.mfa == "totp" else f"{secrets.randbelow(10**6):06d}"
            self.challenges[cid] = code
            if code:
                self.outbox.append(code)
            hint = {"sms": "***1234", "email": "a***@example.com"}.get(self.mfa)
            return httpx.Response(200, json={"mfa_required": True, "challenge_id": cid, "method": self.mfa,
                                             "destination_hint": hint, "expires_at": "2030-01-01T00:00:00Z"})
        if path == "/sessions/mfa":
            cid = body.get("challenge_id")
            if cid not in self.challenges:
                return error(401, "challenge_expired")
            expected = self.challenges.pop(cid)
            ok = pyotp.TOTP(TOTP_SECRET).verify(body.get("code", "")) if expected is None else body.get("code") == expected
            return self._issue(201) if ok else error(401, "invalid_mfa_code")
        if path == "/sessions/refresh":
            return self._rotate(body.get("refresh_token"))
        if path == "/oauth/token":
            form = dict(parse_qsl(request.content.decode()))
            if form.get("client_secret") != OAUTH_SECRET:
                return error(401, "invalid_credentials")
            if form.get("refresh_token") != self.oauth_current:
                return error(401, "refresh_token_invalid")
            response = self._issue(201)
            self.oauth_current = orjson.loads(response.content)["refresh_token"]
            self.refresh_current = None
            return response
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        if path == "/projects" and request.method == "GET":
            return self._page(request)
        if path.startswith("/projects/") and request.method == "POST":
            key = request.headers.get("idempotency-key")
            if not key:
                return error(400, "idempotency_key_required")
            if key not in self.created:
                self.created[key] = {"id": next(self.ids), **body}
                return httpx.Response(201, json=self.created[key])
            return httpx.Response(200, json=self.created[key], headers={"Idempotent-Replayed": "true"})
        if path == "/forbidden":
            return error(403, "forbidden")
        return error(404, "not_found")

    def _issue(self, status: int) -> httpx.Response:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access[access] = self.now + self.token_ttl
        self.refresh_current = refresh
        return httpx.Response(status, json={
            "access_token": access, "token_type": "Bearer", "expires_in": int(self.token_ttl),
            "expires_at": "2030-01-01T00:00:00Z", "refresh_token": refresh, "role": "admin"})

    def _rotate(self, token: str | None) -> httpx.Response:
        if token is None or token in self.refresh_used:
            self.revoke_all()
            return error(401, "refresh_token_reused")
        if token != self.refresh_current:
            return error(401, "refresh_token_invalid")
        self.refresh_used.add(token)
        return self._issue(201)

    def _authenticate(self, request: httpx.Request) -> httpx.Response | None:
        auth = request.headers.get("authorization", "")
        expiry = self.access.get(auth.removeprefix("Bearer "))
        if expiry is None:
            return error(401, "invalid_token")
        if expiry <= self.now:
            return error(401, "token_expired")
        return None

    def _page(self, request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", "100"))
        start = int(request.url.params.get("cursor", "0"))
        rows = [{"id": i + 1, "total": f"{(i + 1) * 10}.25"} for i in range(start, min(start + limit, self.records))]
        nxt = str(start + limit) if start + limit < self.records else None
        return httpx.Response(200, json={"data": rows, "next_cursor": nxt})
