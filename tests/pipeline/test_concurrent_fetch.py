"""A first sync reads one resource at a time (flat memory); an incremental run sends its
requests together (latency), and still loads exactly the sandbox's data."""

from __future__ import annotations

import threading

import httpx

from coconstruct_sandbox.faults import FaultConfig
from tests.pipeline.sandbox_helpers import mismatches, options_in, sync


class InFlight:
    """The most API list requests this process had in flight at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def wrap(self, send):
        def counted(client, request, **kwargs):
            listing = request.method == "GET" and not request.url.path.startswith(
                ("/_sandbox", "/sessions", "/company")
            )
            if listing:
                with self._lock:
                    self.now += 1
                    self.most = max(self.most, self.now)
            try:
                return send(client, request, **kwargs)
            finally:
                if listing:
                    with self._lock:
                        self.now -= 1

        return counted

    def reset(self) -> None:
        self.most = 0


def test_first_sync_sequential_then_incremental_concurrent(sandbox_factory, tmp_path, monkeypatch):
    # every API answer waits 0-50 ms (the /_sandbox routes none), so requests that are sent together overlap
    slow = FaultConfig(profile="slow", seed=3, rate=1.0, max_delay=0.05)
    server = sandbox_factory(faults=slow)
    in_flight = InFlight()
    monkeypatch.setattr(httpx.Client, "send", in_flight.wrap(httpx.Client.send))
    options = options_in(tmp_path)

    sync(server, options)
    assert in_flight.most == 1, "a first sync lists one resource at a time"

    httpx.post(f"{server.url}/_sandbox/advance", json={"changes": 40}).raise_for_status()
    in_flight.reset()
    run = sync(server, options)
    assert in_flight.most >= 2, "an incremental run sends its resources' requests together"
    assert run.rows > 0
    assert mismatches(server, options.duckdb_path) == []
