"""A server-side record of every request the sandbox receives (ASGI middleware), so a test
can see exactly what a connector run asked for, even from a subprocess."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from coconstruct_sandbox import server as sandbox_server


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    authorization: str
    status: int

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class RequestLog:
    requests: list[Seen] = field(default_factory=list)

    def wrap(self, app: Callable[..., Any]) -> Callable[..., Any]:
        async def logged(scope: dict, receive: Callable, send: Callable) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = {"code": 0}

            async def capture(message: dict) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                await send(message)

            await app(scope, receive, capture)
            headers = dict(scope.get("headers") or [])
            self.requests.append(Seen(
                scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                headers.get(b"authorization", b"").decode("latin-1"), status["code"]))

        return logged

    def contract_requests(self) -> list[Seen]:
        """Requests a connector made (the test's own /_sandbox admin calls left out)."""
        return [r for r in self.requests if not r.path.startswith("/_sandbox")]


@contextmanager
def logging_sandboxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[RequestLog]:
    """Every SandboxServer started inside the block records its requests in the log."""
    log = RequestLog()
    build_app = sandbox_server.build_app
    monkeypatch.setattr(sandbox_server, "build_app", lambda state: log.wrap(build_app(state)))
    yield log
