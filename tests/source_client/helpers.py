"""Builders shared by the client-layer unit tests."""

from __future__ import annotations

from typing import Any

from coconstruct_source.auth import CoconstructAuth, make_auth
from coconstruct_source.credentials import OAuthRefreshTokenCredentials, PasswordMfaCredentials
from coconstruct_source.http import ApiClient, HttpSettings
from tests.source_client.fake_api import OAUTH_SECRET, PASSWORD, TOTP_SECRET, FakeApi

BASE = "https://tenant.example.test"
FAST = HttpSettings(max_retries=4, backoff_base=0.001, backoff_max=0.01, retry_after_floor=0.001)


def password_credentials(mfa: str = "none", **kw: Any) -> PasswordMfaCredentials:
    kw = {"username": "alice", "password": PASSWORD, **kw}
    creds = PasswordMfaCredentials(mfa_method=mfa, **kw)
    if mfa == "totp" and "totp_secret" not in kw:
        creds.totp_secret = TOTP_SECRET
    return creds


def oauth_credentials(refresh_token: str = "oauth-initial-refresh-token") -> OAuthRefreshTokenCredentials:
    return OAuthRefreshTokenCredentials(client_id="app-1", client_secret=OAUTH_SECRET, refresh_token=refresh_token)


class Sleeps(list):
    """A `sleep` that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(api: FakeApi, creds: Any = None, *, settings: HttpSettings = FAST, sleep: Sleeps | None = None,
               **auth_kw: Any) -> tuple[ApiClient, CoconstructAuth]:
    auth = make_auth(creds if creds is not None else password_credentials(api.mfa), BASE, **auth_kw)
    auth._clock = api.clock  # the fake's clock drives expiry
    client = ApiClient(BASE, auth, settings, transport=api.transport(), sleep=sleep if sleep is not None else Sleeps())
    return client, auth
