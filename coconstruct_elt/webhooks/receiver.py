"""The HTTP side of `coconstruct listen`: `POST /webhooks/<tenant>` verified, queued, 2xx.

Verification is the `standardwebhooks` package (signature over id, timestamp and body;
timestamps more than 5 minutes away refused, so a captured request cannot be replayed
later); a replay or retry inside that window carries an id already queued and is
acknowledged without queuing it twice. The answer comes as soon as the event is committed
to the queue (milliseconds): syncing happens elsewhere. `GET /health` shows the queue.
Only what a person can act on is logged: never a body, a signature or a secret.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from coconstruct_elt.webhooks.queue import EventQueue, QueuedEvent

logger = logging.getLogger("coconstruct.listen")

MAX_BODY = 256 * 1024


class Receiver:
    """Per tenant key, the signing secret; what to do with a verified event."""

    def __init__(self, secrets: dict[str, str], queue: EventQueue,
                 on_event: Callable[[], None] = lambda: None) -> None:
        self._verifiers = {tenant: Webhook(secret) for tenant, secret in secrets.items()}
        self.queue, self.on_event = queue, on_event
        self.counts: Counter[str] = Counter()

    def add_secret(self, tenant: str, secret: str) -> None:
        self._verifiers[tenant] = Webhook(secret)

    def handle(self, tenant: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """(status, answer) for one delivery."""
        verifier = self._verifiers.get(tenant)
        if verifier is None:
            self.counts["unknown_tenant"] += 1
            return 404, {"error": f"no tenant {tenant!r} here"}
        try:
            payload = verifier.verify(body, headers)
        except WebhookVerificationError as exc:  # bad signature, stale or missing headers
            self.counts["refused"] += 1
            logger.warning("refused a webhook for %s: %s", tenant, exc)
            return 401, {"error": str(exc)}
        except ValueError:  # a malformed signature header, or a body that is not JSON
            self.counts["refused"] += 1
            logger.warning("refused a webhook for %s: malformed signature or body", tenant)
            return 401, {"error": "malformed signature header or body"}
        data = payload.get("data") if isinstance(payload, dict) else None
        resource = data.get("resource") if isinstance(data, dict) else None
        if not isinstance(resource, str) or not isinstance(payload.get("type"), str):
            self.counts["ignored"] += 1  # signed but not an event we know: never retried
            return 202, {"status": "ignored"}
        event = QueuedEvent(tenant, headers["webhook-id"], resource, payload["type"],
                            str(payload.get("timestamp") or "") or None, time.time())
        if not self.queue.add(event):
            self.counts["duplicate"] += 1
            return 200, {"status": "duplicate"}
        self.counts["queued"] += 1
        self.on_event()
        return 202, {"status": "queued"}


class ReceiverServer:
    """A threading HTTP server for a Receiver, on `host:port` (port 0: a free one)."""

    def __init__(self, receiver: Receiver, host: str = "127.0.0.1", port: int = 8787) -> None:
        self.receiver = receiver
        self._server = ThreadingHTTPServer((host, port), _handler(receiver))
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ReceiverServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            length = int(self.headers.get("content-length") or 0)
            if len(parts) != 2 or parts[0] != "webhooks":
                self._drain(length)
                self._answer(404, {"error": "POST /webhooks/<tenant>"})
            elif length > MAX_BODY:
                self.close_connection = True
                self._answer(413, {"error": "the body is too large"})
            else:
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._answer(*receiver.handle(parts[1], headers, body))

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/health":
                self._answer(200, {"queue": receiver.queue.counts(), "received": dict(receiver.counts)})
            else:
                self._answer(404, {"error": "not found"})

        def _drain(self, length: int) -> None:
            if 0 < length <= MAX_BODY:
                self.rfile.read(length)
            elif length:
                self.close_connection = True

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = orjson.dumps(body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s %s", self.command, self.path.split("?", 1)[0])

    return Handler
