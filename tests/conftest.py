"""Shared fixtures: one sandbox for the whole session, a factory for special ones, the demo account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from coconstruct_sandbox.accounts import Account
from coconstruct_sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The shared sandbox (size small, seed 1). Do not change its state in a test: use sandbox_factory."""
    with SandboxServer(size="small", seed=1) as server:
        yield server


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    """`sandbox_factory(faults="flaky", token_ttl=2, ...)`: a fresh, started sandbox (small, seed 1
    unless given), stopped after the test. Keywords are those of `SandboxServer`."""
    servers: list[SandboxServer] = []

    def make(**options: Any) -> SandboxServer:
        options.setdefault("size", "small")
        options.setdefault("seed", 1)
        server = SandboxServer(**options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def demo_account(sandbox: SandboxServer) -> Account:
    """The shared sandbox's default account: admin with TOTP (`.username`, `.password`, `.totp_secret`)."""
    return sandbox.default_account()
