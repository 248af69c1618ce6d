"""A webhook endpoint for tests: records every delivery, answers what the test says."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    at: float


@contextmanager
def capture(status: Callable[[Delivery], int] = lambda d: 204) -> Iterator[tuple[str, list[Delivery]]]:
    """(url, deliveries): every POST is recorded, then answered `status(delivery)`."""
    got: list[Delivery] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            delivery = Delivery({k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(int(self.headers["content-length"])), time.time())
            got.append(delivery)
            self.send_response(status(delivery))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", got
    finally:
        server.shutdown()
        server.server_close()


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
