"""Credentials resolve the dlt way (nested and flat), and their reprs hide secrets."""

from __future__ import annotations

from typing import Any

import dlt
import pytest

from coconstruct_source.credentials import (
    OAuthRefreshTokenCredentials,
    PasswordMfaCredentials,
    TCoconstructCredentials,
    resolve_flat_credentials,
)
from coconstruct_source.errors import AuthenticationError


def _resolve(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Any:
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    @dlt.source(name="coconstruct")
    def probe(credentials: TCoconstructCredentials = dlt.secrets.value) -> Any:
        got.append(credentials)
        return dlt.resource([1], name="r")

    got: list[Any] = []
    probe()
    return got[0]


def test_nested_password_credentials_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    creds = _resolve(monkeypatch, {
        "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME": "alice",
        "SOURCES__COCONSTRUCT__CREDENTIALS__PASSWORD": "pw-value-123",
        "SOURCES__COCONSTRUCT__CREDENTIALS__MFA_METHOD": "totp",
        "SOURCES__COCONSTRUCT__CREDENTIALS__TOTP_SECRET": "JBSWY3DPEHPK3PXPJBSWY3DP",
    })
    assert isinstance(creds, PasswordMfaCredentials)
    assert (creds.username, creds.mfa_method) == ("alice", "totp")
    assert "pw-value-123" not in repr(creds) and "pw-value-123" not in str(creds)
    assert "JBSWY3DP" not in repr(creds)


def test_nested_oauth_credentials_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    creds = _resolve(monkeypatch, {
        "SOURCES__COCONSTRUCT__CREDENTIALS__CLIENT_ID": "app-1",
        "SOURCES__COCONSTRUCT__CREDENTIALS__CLIENT_SECRET": "cs-1",
        "SOURCES__COCONSTRUCT__CREDENTIALS__REFRESH_TOKEN": "rt-1",
    })
    assert isinstance(creds, OAuthRefreshTokenCredentials) and creds.client_id == "app-1"


def test_flat_keys_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__COCONSTRUCT__USERNAME", "bob")
    monkeypatch.setenv("SOURCES__COCONSTRUCT__PASSWORD", "pw-flat")
    monkeypatch.setenv("SOURCES__COCONSTRUCT__MFA_METHOD", "email")
    monkeypatch.setenv("SOURCES__COCONSTRUCT__MFA_CODE_ENV", "MY_CODE")
    creds = resolve_flat_credentials()
    assert isinstance(creds, PasswordMfaCredentials)
    assert (creds.username, creds.password, creds.mfa_method, creds.mfa_code_env) == ("bob", "pw-flat", "email", "MY_CODE")


def test_flat_keys_missing_names_them_not_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__COCONSTRUCT__USERNAME", "bob")
    with pytest.raises(AuthenticationError, match=r"credentials missing: password\."):
        resolve_flat_credentials()


def test_unknown_mfa_method_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__COCONSTRUCT__USERNAME", "bob")
    monkeypatch.setenv("SOURCES__COCONSTRUCT__PASSWORD", "pw")
    monkeypatch.setenv("SOURCES__COCONSTRUCT__MFA_METHOD", "carrier-pigeon")
    with pytest.raises(AuthenticationError, match="mfa_method must be one of none, totp, sms, email"):
        resolve_flat_credentials()
