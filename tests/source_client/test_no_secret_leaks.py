"""No password, token, TOTP secret, MFA code or client secret in logs or exception texts."""

from __future__ import annotations

import logging

import httpx
import pytest

from coconstruct_source.errors import CoconstructError
from tests.source_client.fake_api import OAUTH_SECRET, PASSWORD, TOTP_SECRET, FakeApi, error
from tests.source_client.helpers import client_for, oauth_credentials, password_credentials


def _secrets(api: FakeApi) -> set[str]:
    tokens = {api.refresh_current or "", api.oauth_current, *api.access, *api.refresh_used, *api.outbox}
    return {s for s in {PASSWORD, TOTP_SECRET, OAUTH_SECRET, *tokens} if s}


def _assert_clean(text: str, secrets: set[str]) -> None:
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret value(s) leaked"


def test_full_session_lifecycle_logs_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = FakeApi(mfa="sms", token_ttl=30)
    client, _ = client_for(api, code_provider=lambda m, h: api.outbox[-1])
    client.get("/projects")
    api.now = 100  # expiry → refresh
    client.get("/projects")
    api.access.clear()  # 401 → refresh
    api.inject("/projects", error(429, "rate_limited", {"Retry-After": "0"}), httpx.RemoteProtocolError("x"))
    client.get("/projects")
    api.revoke_all()  # refused refresh → re-login with a new code
    client.get("/projects")
    assert "HTTP Request: GET" in caplog.text  # httpx's own logging was captured
    assert "retry" in caplog.text and "logged in" in caplog.text
    assert len(_secrets(api)) >= 8
    _assert_clean(caplog.text, _secrets(api))


@pytest.mark.parametrize(
    "scenario",
    ["bad_password", "bad_code", "relogin_fails", "oauth_refused", "server_down"],
)
def test_exception_texts_hold_no_secret(scenario: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = FakeApi(mfa="totp" if scenario == "bad_code" else "none")
    creds = password_credentials(api.mfa)
    if scenario == "bad_password":
        creds.password = PASSWORD + "-wrong"
    if scenario == "bad_code":
        creds.totp_secret = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"
    if scenario == "oauth_refused":
        creds = oauth_credentials("stale-" + PASSWORD)
    client, _ = client_for(api, creds)
    if scenario == "relogin_fails":
        client.get("/projects")
        api.revoke_all()
        api.inject("/sessions", error(401, "invalid_credentials"))
    if scenario == "server_down":
        api.inject("/sessions", *[error(503, "service_unavailable")] * 10)
    with pytest.raises(CoconstructError) as exc:
        client.get("/projects")
    text = f"{exc.value!s} {exc.value!r} {exc.value.__cause__!r} {exc.value.__context__!r}"
    secrets = _secrets(api) | {creds.password if hasattr(creds, "password") else "", creds.totp_secret or "" if hasattr(creds, "totp_secret") else ""}
    secrets.discard("")
    _assert_clean(text + caplog.text, secrets)
