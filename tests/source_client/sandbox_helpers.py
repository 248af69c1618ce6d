"""Connect the client layer to a running sandbox (accounts, outbox code provider)."""

from __future__ import annotations

from typing import Any

import httpx

from coconstruct_source.auth import CoconstructAuth, make_auth
from coconstruct_source.credentials import PasswordMfaCredentials
from coconstruct_source.http import ApiClient, HttpSettings
from coconstruct_source.mfa import MfaCodeProvider

# Fast but real: Retry-After honoured up to 50 ms so fault suites stay quick.
TEST_SETTINGS = HttpSettings(timeout=10.0, max_retries=8, backoff_base=0.01, backoff_max=0.05,
                             retry_after_floor=0.01, retry_after_max=0.05)


def account(server: Any, username_prefix: str) -> dict[str, Any]:
    """The sandbox account whose handle is `username_prefix` ("admin", "admin.sms", ...)."""
    rows = httpx.get(f"{server.url}/_sandbox/accounts").json()
    return next(a for a in rows if a["username"].split("@")[0] == username_prefix)


def outbox_provider(server: Any, username: str) -> MfaCodeProvider:
    """Reads the newest SMS / e-mail code sent to `username` from GET /_sandbox/outbox."""

    def provide(method: str, hint: str | None) -> str:
        sent = httpx.get(f"{server.url}/_sandbox/outbox", params={"username": username}).json()
        return [m for m in sent if m["method"] == method][-1]["code"]

    return provide


def credentials_for(row: dict[str, Any], **overrides: Any) -> PasswordMfaCredentials:
    fields = {"username": row["username"], "password": row["password"], "mfa_method": row["mfa"],
              "totp_secret": row["totp_secret"], **overrides}
    return PasswordMfaCredentials(**fields)


def connect(server: Any, row: dict[str, Any], *, creds: Any = None, settings: HttpSettings = TEST_SETTINGS,
            **auth_kw: Any) -> tuple[ApiClient, CoconstructAuth]:
    auth_kw.setdefault("code_provider", outbox_provider(server, row["username"]))
    auth = make_auth(creds or credentials_for(row), server.url, **auth_kw)
    return ApiClient(server.url, auth, settings), auth
