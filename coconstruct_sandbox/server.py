"""Run the sandbox: `SandboxServer` (background thread, free port) for tests, `serve()` for the CLI."""

from __future__ import annotations

import argparse
import gc
import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from coconstruct_sandbox.accounts import Account, build_accounts, build_oauth_client
from coconstruct_sandbox.app import SandboxState, build_app
from coconstruct_sandbox.auth import AuthService
from coconstruct_sandbox.faults import PROFILES, DroppedConnection, FaultConfig, Faults
from coconstruct_sandbox.files.faults import FILE_FAULT_PROFILES, FileFaultConfig
from coconstruct_sandbox.files.service import FileService
from coconstruct_sandbox.ratelimit import RateLimiter
from coconstruct_sandbox.store import TenantStore
from coconstruct_sandbox.webhooks.delivery import WebhookService

DEFAULT_RATE_LIMIT = 500.0  # requests/s per session: generous, benchmarks are not throttled


class _HideInjectedDrops(logging.Filter):
    """Injected connection drops are the point of the `drops` profile, not server errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is DroppedConnection)


def _quiet_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideInjectedDrops) for f in logger.filters):
        logger.addFilter(_HideInjectedDrops())


def build_state(*, size: str = "small", seed: int = 1, faults: str | FaultConfig = "none",
                fault_rate: float = 0.1, fault_seed: int | None = None, token_ttl: int = 900,
                activity_every: int = 0, rate_limit: float = DEFAULT_RATE_LIMIT,
                rate_burst: int | None = None, store: TenantStore | None = None,
                file_faults: str = "none", file_url_ttl: int = 900,
                webhook_retry_schedule: tuple[float, ...] | None = None) -> SandboxState:
    """The tenant, its accounts and sessions, faults and limits, ready for `build_app`."""
    store = store if store is not None else TenantStore.build(size=size, seed=seed)
    accounts = build_accounts(store, seed)
    oauth_client = build_oauth_client(accounts, seed)
    fault_config = faults if isinstance(faults, FaultConfig) else FaultConfig(
        profile=faults, seed=seed if fault_seed is None else fault_seed, rate=fault_rate)
    auth = AuthService(accounts, oauth_client=oauth_client, token_ttl=token_ttl)
    files = FileService(store, auth.clock.now, url_ttl=file_url_ttl)
    files.faults.configure(FileFaultConfig(profile=file_faults, seed=seed))
    return SandboxState(
        store=store,
        accounts=accounts,
        auth=auth,
        faults=Faults(fault_config),
        limiter=RateLimiter(rate_limit, rate_burst),
        oauth_client=oauth_client,
        activity_every=activity_every,
        files=files,
        webhooks=WebhookService(store, **({"retry_schedule": webhook_retry_schedule}
                                          if webhook_retry_schedule else {})),
    )


class SandboxServer:
    """The sandbox on 127.0.0.1 and a free port, in a background thread; a context manager."""

    def __init__(self, size: str = "small", seed: int = 1, *, log_level: str = "warning",
                 **options: Any) -> None:
        self.state = build_state(size=size, seed=seed, **options)
        self.log_level = log_level
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> TenantStore:
        return self.state.store

    @property
    def accounts(self) -> list[Account]:
        return self.state.accounts

    def default_account(self) -> Account:
        """The demo account: admin with TOTP."""
        return next(a for a in self.accounts if a.role == "admin" and a.mfa == "totp")

    def account(self, role: str, mfa: str | None = None) -> Account:
        return next(a for a in self.accounts if a.role == role and mfa in (None, a.mfa))

    def oauth_credentials(self) -> dict[str, str]:
        """A fresh OAuth2 grant: client_id, client_secret and a refresh token (as POST /_sandbox/oauth/grant)."""
        client = self.state.oauth_client
        assert client is not None
        return {"client_id": client.client_id, "client_secret": client.client_secret,
                "refresh_token": self.state.auth.oauth_grant()}

    def start(self) -> SandboxServer:
        _quiet_drops()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(build_app(self.state), log_level=self.log_level, lifespan="off",
                                access_log=False, timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox:{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self.state.files.close()
        self.state.webhooks.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(*, host: str = "127.0.0.1", port: int = 8765, size: str = "small", seed: int = 1,
          faults: str = "none", fault_rate: float = 0.1, fault_seed: int | None = None,
          token_ttl: int = 900, activity_every: int = 0, rate_limit: float = DEFAULT_RATE_LIMIT,
          rate_burst: int | None = None, log_level: str = "info", file_faults: str = "none",
          file_url_ttl: int = 900) -> None:
    """Serve the sandbox until interrupted (blocking); the keywords match `add_serve_arguments`."""
    _quiet_drops()
    started = time.perf_counter()
    state = build_state(size=size, seed=seed, faults=faults, fault_rate=fault_rate,
                        fault_seed=fault_seed, token_ttl=token_ttl, activity_every=activity_every,
                        rate_limit=rate_limit, rate_burst=rate_burst, file_faults=file_faults,
                        file_url_ttl=file_url_ttl)
    gc.freeze()  # the tenant lives as long as the process: keep the collector off its objects
    print(f"sandbox tenant size={size} seed={seed} built in {time.perf_counter() - started:.1f}s; "
          f"faults={state.faults.config.profile}; demo accounts: http://{host}:{port}/_sandbox/accounts",
          flush=True)
    uvicorn.run(build_app(state), host=host, port=port, log_level=log_level, lifespan="off",
                access_log=False)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` flags; `serve(**serve_kwargs(args))` runs them."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--size", default="small", help="tenant size: small, medium, large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default="none", choices=PROFILES, help="fault profile")
    parser.add_argument("--fault-rate", type=float, default=0.1,
                        help="probability of a fault per request (0-1)")
    parser.add_argument("--fault-seed", type=int, default=None, help="defaults to --seed")
    parser.add_argument("--token-ttl", type=int, default=900, help="access-token lifetime, seconds")
    parser.add_argument("--activity-every", type=int, default=0,
                        help="apply one change every N list requests (0: off)")
    parser.add_argument("--rate-limit", type=float, default=DEFAULT_RATE_LIMIT,
                        help="requests/s per session (0: unlimited)")
    parser.add_argument("--rate-burst", type=int, default=None, help="bucket size (default 2x rate)")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--file-faults", default="none", choices=FILE_FAULT_PROFILES,
                        help="fault profile of file downloads")
    parser.add_argument("--file-url-ttl", type=int, default=900,
                        help="lifetime of signed file URLs, seconds")


def serve_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    names = ("host", "port", "size", "seed", "faults", "fault_rate", "fault_seed", "token_ttl",
             "activity_every", "rate_limit", "rate_burst", "log_level", "file_faults",
             "file_url_ttl")
    return {name: getattr(args, name) for name in names}
