"""Fault injection on the contract routes, deterministic by (profile, seed, request order).

A pure ASGI middleware: it answers in place of the app (429 storms, 5xx, an HTML login
page), delays it, or rewrites / cuts / drops the app's answer. `/_sandbox/*` is never
touched; the session routes only when `include_auth` is set.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROFILES = (
    "none", "rate_limit_storm", "flaky", "slow", "drops", "truncated", "token_expiry",
    "html_login", "schema_drift", "malformed", "chaos",
)
_KIND_OF_PROFILE = {
    "rate_limit_storm": "rate_limit", "flaky": "server_error", "slow": "slow", "drops": "drop",
    "truncated": "truncate", "token_expiry": "expire", "html_login": "html",
    "schema_drift": "drift", "malformed": "malformed",
}
_AUTH_PATHS = ("/sessions", "/oauth/token")
_MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>CoConstruct - Log in</title></head><body>"
    b"<form method=\"post\" action=\"/login\"><input name=\"username\"><input name=\"password\" "
    b"type=\"password\"><button>Log in</button></form><p>Your session has ended.</p></body></html>"
)


class DroppedConnection(Exception):
    """Raised mid-answer so the server closes the connection without finishing it."""


@dataclass
class FaultConfig:
    profile: str = "none"
    seed: int = 1
    rate: float = 0.1  # probability of a fault per request
    malformed_share: float = 0.2  # share of the records of a `malformed` page that are broken
    include_auth: bool = False
    max_delay: float = 0.3  # seconds, for `slow`

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown fault profile {self.profile!r}; one of {', '.join(PROFILES)}")
        if not 0 <= self.rate <= 1:
            raise ValueError("fault rate must be between 0 and 1")


@dataclass
class Faults:
    """The active profile, its seeded random stream, and what it injected so far."""

    config: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        self.configure(self.config)

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self.rng = random.Random(f"faults:{config.profile}:{config.seed}")
        self.injected: Counter[str] = Counter()
        self._storm_left = 0

    def describe(self) -> dict[str, Any]:
        return asdict(self.config) | {"injected": dict(self.injected)}

    def applies_to(self, path: str) -> bool:
        if self.config.profile == "none" or path.startswith("/_sandbox"):
            return False
        return self.config.include_auth or not path.startswith(_AUTH_PATHS)

    def pick(self) -> str | None:
        """The fault for the next request, or None."""
        profile = self.config.profile
        if profile == "rate_limit_storm" and self._storm_left > 0:
            self._storm_left -= 1
            return "rate_limit"
        if self.rng.random() >= self.config.rate:
            return None
        if profile == "chaos":
            return self.rng.choice(sorted(set(_KIND_OF_PROFILE.values())))
        if profile == "rate_limit_storm":
            self._storm_left = self.rng.randint(1, 4)
        return _KIND_OF_PROFILE[profile]


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app, self.faults = app, faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults.applies_to(scope["path"]):
            await self.app(scope, receive, send)
            return
        kind = self.faults.pick()
        if kind is None:
            await self.app(scope, receive, send)
            return
        rng = self.faults.rng
        if kind in ("drift", "malformed") and scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if kind not in ("drift", "malformed"):  # those count only when a page was rewritten
            self.faults.injected[kind] += 1
        if kind == "rate_limit":
            retry = str(rng.choice((0, 0, 1, 1, 2)))
            await _answer(send, 429, _error("rate_limited", "Slow down."), "application/json",
                          {"Retry-After": retry, "X-RateLimit-Remaining": "0"})
        elif kind == "server_error":
            status = rng.choice((500, 502, 503, 504))
            code = "internal_error" if status == 500 else "service_unavailable"
            await _answer(send, status, _error(code, "Injected server failure."), "application/json")
        elif kind == "html":
            await _answer(send, 200, LOGIN_PAGE, "text/html; charset=utf-8")
        elif kind == "slow":
            await asyncio.sleep(rng.uniform(0, self.faults.config.max_delay))
            await self.app(scope, receive, send)
        elif kind == "expire":
            scope.setdefault("state", {})["expire_token"] = True
            await self.app(scope, receive, send)
        else:
            await self._rewrite(kind, scope, receive, send)

    async def _rewrite(self, kind: str, scope: Scope, receive: Receive, send: Send) -> None:
        status, headers, body = await _capture(self.app, scope, receive)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        rng = self.faults.rng
        if kind == "drop":
            cut = body[: len(body) // 2]
            await send({"type": "http.response.start", "status": status,
                        "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": cut, "more_body": True})
            raise DroppedConnection("injected connection drop")
        if kind == "truncate":
            body = body[: max(1, int(len(body) * rng.uniform(0.2, 0.9)))]
        elif status == 200 and body.startswith(b'{"data"'):
            self.faults.injected[kind] += 1
            page = orjson.loads(body)
            if kind == "drift":
                _drift(page["data"], rng)
            else:
                _malform(page["data"], rng, self.faults.config.malformed_share)
            body = orjson.dumps(page)
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _drift(records: list[dict[str, Any]], rng: random.Random) -> None:
    """A new field in every record, or money sent as JSON numbers."""
    if rng.random() < 0.5:
        for record in records:
            record["x_sandbox_added_field"] = "new in this API version"
        return
    for record in records:
        for key, value in record.items():
            if isinstance(value, str) and key != "id" and _MONEY.match(value):
                record[key] = float(value)


def _malform(records: list[dict[str, Any]], rng: random.Random, share: float) -> None:
    """Some records get a missing id, non-numeric money, an impossible date or an unknown status."""
    for record in records:
        if record.get("deleted") or rng.random() >= share:
            continue
        how = rng.choice(("missing_id", "money", "date", "status"))
        money = [k for k, v in record.items() if isinstance(v, str) and _MONEY.match(v)]
        dates = [k for k, v in record.items() if isinstance(v, str) and _DATE.match(v)]
        if how == "money" and money:
            record[rng.choice(money)] = "12,34O.5"
        elif how == "date" and dates:
            record[rng.choice(dates)] = "2025-02-30"
        elif how == "status" and "status" in record:
            record["status"] = "archived_by_vendor"
        else:
            record.pop("id", None)


def _error(code: str, message: str) -> bytes:
    return orjson.dumps({"error": {"code": code, "message": message, "request_id": "injected"}})


async def _answer(send: Send, status: int, body: bytes, content_type: str,
                  extra: dict[str, str] | None = None) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list, bytes]:
    """Run the app and keep its whole answer instead of sending it."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)
