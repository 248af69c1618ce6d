"""Login, MFA, refresh before expiry / on 401, re-login, single flight: against the fake API."""

from __future__ import annotations

import threading

import pyotp
import pytest

from coconstruct_source.errors import AuthenticationError, MfaError, SessionError
from coconstruct_source.pagination import iter_pages
from tests.source_client.fake_api import FakeApi, error
from tests.source_client.helpers import client_for, oauth_credentials, password_credentials


def test_login_without_mfa_then_pages_with_bearer() -> None:
    api = FakeApi(records=25)
    client, auth = client_for(api)
    rows = [r for page in iter_pages(client, "/projects", limit=10) for r in page]
    assert [r["id"] for r in rows] == list(range(1, 26))
    assert api.calls["POST /sessions"] == 1 and auth.login_count == 1
    assert api.calls["GET /projects"] == 3


def test_totp_login_uses_the_secret() -> None:
    api = FakeApi(mfa="totp")
    client, _ = client_for(api)
    assert client.get("/projects")["data"]
    assert api.calls["POST /sessions/mfa"] == 1


@pytest.mark.parametrize("method", ["sms", "email"])
def test_sms_and_email_codes_come_from_the_provider(method: str) -> None:
    api = FakeApi(mfa=method)
    asked: list[tuple[str, str | None]] = []

    def provider(m: str, hint: str | None) -> str:
        asked.append((m, hint))
        return api.outbox[-1]

    client, _ = client_for(api, code_provider=provider)
    assert client.get("/projects")["data"]
    assert asked == [(method, "***1234" if method == "sms" else "a***@example.com")]


def test_env_code_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    api = FakeApi(mfa="sms")
    client, auth = client_for(api, password_credentials("sms", mfa_code_env="CC_CODE"))
    # the code is only sent at login, so set the env var from inside the flow
    real_send = auth._send

    def send(request):  # type: ignore[no-untyped-def]
        response = real_send(request)
        if api.outbox:
            monkeypatch.setenv("CC_CODE", api.outbox[-1])
        return response

    auth._send = send  # type: ignore[method-assign]
    assert client.get("/projects")["data"]


def test_command_code_provider() -> None:
    api = FakeApi(mfa="email")
    client, _auth = client_for(api, password_credentials("email", mfa_code_command="printf 000000"))
    with pytest.raises(MfaError, match=r"MFA by email refused for 'alice' \(invalid_mfa_code\)"):
        client.get("/projects")


def test_bad_password_is_an_authentication_error() -> None:
    api = FakeApi()
    client, _ = client_for(api, password_credentials(password="wrong"))
    with pytest.raises(AuthenticationError, match=r"login refused for 'alice' \(invalid_credentials\); check username and password") as exc:
        client.get("/projects")
    assert not isinstance(exc.value, MfaError)
    assert api.calls["GET /projects"] == 0


def test_locked_account_message() -> None:
    api = FakeApi()
    api.inject("/sessions", error(423, "account_locked"))
    client, _ = client_for(api)
    with pytest.raises(AuthenticationError, match="is locked"):
        client.get("/projects")


def test_invalid_base32_totp_secret_is_an_mfa_error() -> None:
    api = FakeApi(mfa="totp")
    client, _ = client_for(api, password_credentials("totp", totp_secret="not base32 !!1"))
    with pytest.raises(MfaError, match="not a valid TOTP secret"):
        client.get("/projects")
    assert api.calls["POST /sessions/mfa"] == 0


def test_wrong_totp_secret_is_an_mfa_error() -> None:
    api = FakeApi(mfa="totp")
    client, _ = client_for(api, password_credentials("totp", totp_secret=pyotp.random_base32()))
    with pytest.raises(MfaError, match=r"MFA by totp refused .*invalid_mfa_code.*totp_secret"):
        client.get("/projects")


def test_sms_without_provider_says_what_to_configure() -> None:
    api = FakeApi(mfa="sms")
    client, _ = client_for(api)
    with pytest.raises(MfaError, match="mfa_code_env or mfa_code_command"):
        client.get("/projects")


def test_refreshes_before_expiry_without_a_401() -> None:
    api = FakeApi(token_ttl=100)
    client, auth = client_for(api, refresh_margin=10)
    client.get("/projects")
    api.now = 85  # inside min(10, 20% of 100) = 10s margin? no: 85 < 90
    client.get("/projects")
    assert auth.refresh_count == 0
    api.now = 91
    client.get("/projects")
    assert auth.refresh_count == 1 and api.calls["POST /sessions/refresh"] == 1
    assert api.calls["GET /projects"] == 3  # no request was refused


def test_expiry_mid_paging_is_transparent() -> None:
    api = FakeApi(token_ttl=50, records=30)
    client, auth = client_for(api)
    seen = []
    for page in iter_pages(client, "/projects", limit=5):
        seen += [r["id"] for r in page]
        api.now += 20  # every other page the token has expired
    assert seen == list(range(1, 31))
    assert auth.refresh_count >= 2 and auth.login_count == 1


def test_401_triggers_one_refresh_and_a_resend() -> None:
    api = FakeApi()
    client, auth = client_for(api)
    client.get("/projects")
    api.access.clear()  # access token gone server-side, refresh token still valid
    assert client.get("/projects")["data"]
    assert auth.refresh_count == 1 and auth.login_count == 1


def test_refused_refresh_means_one_relogin() -> None:
    api = FakeApi(mfa="totp")
    client, auth = client_for(api)
    client.get("/projects")
    api.revoke_all()  # e.g. DELETE /sessions from another client
    assert client.get("/projects")["data"]
    assert auth.login_count == 2 and api.calls["POST /sessions/refresh"] == 1


def test_relogin_failure_is_a_session_error() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    client.get("/projects")
    api.revoke_all()
    api.inject("/sessions", error(401, "invalid_credentials"))  # password changed meanwhile
    with pytest.raises(SessionError, match=r"session of 'alice' ended \(refresh_token_invalid\) and logging in again failed"):
        client.get("/projects")


def test_single_flight_refresh_under_threads() -> None:
    api = FakeApi(token_ttl=100)
    client, auth = client_for(api)
    client.get("/projects")
    api.now = 200  # every thread finds the token expired
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                client.get("/projects")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert api.calls["POST /sessions/refresh"] == 1 and auth.login_count == 1


def test_single_flight_on_401_with_the_same_stale_token() -> None:
    api = FakeApi()
    client, _auth = client_for(api)
    client.get("/projects")
    api.access.clear()
    barrier = threading.Barrier(8)
    threads = [threading.Thread(target=lambda: (barrier.wait(), client.get("/projects"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert api.calls["POST /sessions/refresh"] == 1
    assert api.calls["GET /projects"] >= 9


def test_oauth_refresh_token_flow_rotates() -> None:
    api = FakeApi(token_ttl=10)
    client, _auth = client_for(api, oauth_credentials())
    client.get("/projects")
    first = api.oauth_current
    api.now = 20
    client.get("/projects")
    assert api.calls["POST /oauth/token"] == 2 and api.oauth_current != first
    assert api.calls["POST /sessions"] == 0


def test_oauth_refused_is_an_authentication_error() -> None:
    api = FakeApi()
    client, _ = client_for(api, oauth_credentials("stale-token"))
    with pytest.raises(AuthenticationError, match=r"OAuth refresh token for client 'app-1' refused \(refresh_token_invalid\)"):
        client.get("/projects")


def test_bad_password_with_parallel_workers_tries_once() -> None:
    """Eight workers, one refused login: no stampede of failures into an account lock-out."""
    api = FakeApi()
    client, _ = client_for(api, password_credentials(password="wrong"))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            client.get("/projects")
        except AuthenticationError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 8 and all("login refused for 'alice'" in str(e) for e in errors)
    assert api.calls["POST /sessions"] == 1
