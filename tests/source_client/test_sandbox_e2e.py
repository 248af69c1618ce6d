"""The client layer end to end against the sandbox: every MFA method, expiry, rotation,
revocation, single flight, fault profiles, idempotent writes, OAuth, permissions."""

from __future__ import annotations

import logging
import threading
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pyotp
import pytest

from coconstruct_source.credentials import OAuthRefreshTokenCredentials
from coconstruct_source.errors import AuthenticationError, MfaError, PermissionDenied, SessionError
from coconstruct_source.pagination import iter_pages
from coconstruct_source.writes import create_change_order
from tests.source_client.sandbox_helpers import account, connect, credentials_for


def all_rows(client: Any, path: str, limit: int) -> list[dict[str, Any]]:
    return [r for page in iter_pages(client, path, limit=limit) for r in page]


def fingerprint(rows: list[dict[str, Any]]) -> tuple[list[int], Decimal]:
    return sorted(r["id"] for r in rows), sum((Decimal(r["total"]) for r in rows), Decimal("0"))


@pytest.mark.parametrize("handle", ["admin", "admin.sms", "admin.email", "admin.nomfa"])
def test_each_mfa_method_logs_in_and_pages(sandbox: Any, handle: str) -> None:
    row = account(sandbox, handle)
    client, auth = connect(sandbox, row)
    with client:
        assert client.get("/company")["slug"]
        small = all_rows(client, "/change-orders", limit=7)
        whole = all_rows(client, "/change-orders", limit=1000)
    assert len(small) > 7 and fingerprint(small) == fingerprint(whole)
    assert auth.login_count == 1


def test_bad_password(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    row = account(server, "admin.nomfa")
    client, _ = connect(server, row, creds=credentials_for(row, password="not-the-password"))
    with pytest.raises(AuthenticationError, match=r"login refused for '.*' \(invalid_credentials\)"):
        client.get("/company")


def test_bad_totp_secret(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    row = account(server, "admin")
    client, _ = connect(server, row, creds=credentials_for(row, totp_secret=pyotp.random_base32()))
    with pytest.raises(MfaError, match=r"MFA by totp refused .*\(invalid_mfa_code\)"):
        client.get("/company")


def test_expiry_mid_paging_is_transparent(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    client, auth = connect(server, account(server, "admin"))
    baseline = all_rows(client, "/change-orders", limit=1000)
    rows = []
    for page in iter_pages(client, "/change-orders", limit=10):
        rows += page
        httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1000})  # token expires
    assert fingerprint(rows) == fingerprint(baseline)
    assert auth.refresh_count >= 3 and auth.login_count == 1


def test_short_token_ttl_refreshes_before_expiry(sandbox_factory: Any) -> None:
    server = sandbox_factory(token_ttl=1)
    client, auth = connect(server, account(server, "admin.nomfa"))
    client.get("/company")
    threading.Event().wait(1.0)
    client.get("/company")
    assert auth.refresh_count == 1 and auth.login_count == 1


def test_rotation_and_reuse_detection_end_in_one_relogin(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    # an SMS account: the re-login reads a second code from the outbox
    client, auth = connect(server, account(server, "admin.sms"))
    client.get("/company")
    old_refresh = auth._tokens.refresh
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1000})
    client.get("/company")  # refresh: the token rotated
    assert auth.refresh_count == 1 and auth._tokens.refresh != old_refresh
    reused = httpx.post(f"{server.url}/sessions/refresh", json={"refresh_token": old_refresh})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "refresh_token_reused"
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1000})
    assert client.get("/company")["slug"]  # family revoked → refresh refused → one re-login
    assert auth.login_count == 2


def test_revoked_session_relogs_in_once(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    client, auth = connect(server, account(server, "admin.sms"))
    client.get("/company")
    revoked = httpx.delete(f"{server.url}/sessions", headers={"Authorization": f"Bearer {auth._tokens.access}"})
    assert revoked.status_code == 204
    assert len(all_rows(client, "/projects", limit=5)) > 0
    assert auth.login_count == 2


def test_revoked_session_and_failed_relogin_is_a_session_error(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    client, auth = connect(server, account(server, "admin"))
    client.get("/company")
    httpx.delete(f"{server.url}/sessions", headers={"Authorization": f"Bearer {auth._tokens.access}"})
    auth.credentials.password = "changed-by-an-admin"
    with pytest.raises(SessionError, match=r"ended \(refresh_token_invalid\) and logging in again failed: login refused"):
        client.get("/company")


def test_single_flight_refresh_with_threads(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    client, auth = connect(server, account(server, "admin"))
    client.get("/company")
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1000})
    barrier = threading.Barrier(12)
    results: list[Any] = []

    def worker() -> None:
        barrier.wait()
        results.append(client.get("/projects", params={"limit": 2}))

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 12 and auth.refresh_count == 1 and auth.login_count == 1


@pytest.mark.parametrize(
    "profile", ["rate_limit_storm", "flaky", "drops", "truncated", "html_login", "token_expiry", "slow"]
)
def test_fault_profiles_lose_and_duplicate_nothing(sandbox_factory: Any, profile: str) -> None:
    server = sandbox_factory()
    client, _ = connect(server, account(server, "admin.nomfa"))
    baseline = fingerprint(all_rows(client, "/change-orders", limit=1000))
    httpx.post(f"{server.url}/_sandbox/faults", json={"profile": profile, "seed": 7, "rate": 0.3, "max_delay": 0.02})
    rows = all_rows(client, "/change-orders", limit=10)
    injected = httpx.get(f"{server.url}/_sandbox/faults").json()["injected"]
    assert sum(injected.values()) > 0, "the profile injected nothing: the test would prove nothing"
    assert fingerprint(rows) == baseline


def test_retried_write_creates_one_change_order(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    client, _ = connect(server, account(server, "admin"))
    project = client.get("/projects", params={"limit": 1})["data"][0]
    code = client.get("/cost-codes", params={"limit": 1})["data"][0]
    title = f"Retry test {uuid.uuid4().hex[:8]}"
    body = {"title": title, "lines": [{"cost_code_id": code["id"], "category": "material", "description": "Tile",
                                       "quantity": "3", "unit": "ea", "unit_cost": "10.00", "markup_percent": "10",
                                       "taxable": False}]}
    # every write answer is cut off after the server processed it, until the profile is turned off
    httpx.post(f"{server.url}/_sandbox/faults", json={"profile": "drops", "rate": 1.0})
    from coconstruct_source.errors import CoconstructError

    with pytest.raises(CoconstructError, match="failed after 9 attempt"):
        create_change_order(client, project["id"], body, idempotency_key="co-retry-1")
    httpx.post(f"{server.url}/_sandbox/faults", json={"profile": "none"})
    created = create_change_order(client, project["id"], body, idempotency_key="co-retry-1")
    assert created["title"] == title
    mine = [co for co in all_rows(client, f"/projects/{project['id']}/change-orders", limit=100) if co["title"] == title]
    assert len(mine) == 1 and mine[0]["id"] == created["id"]


def test_oauth_refresh_token_flow(sandbox_factory: Any) -> None:
    server = sandbox_factory()
    grant = httpx.post(f"{server.url}/_sandbox/oauth/grant").json()
    creds = OAuthRefreshTokenCredentials(client_id=grant["client_id"], client_secret=grant["client_secret"],
                                         refresh_token=grant["refresh_token"])
    auth_client, auth = connect(server, {"username": grant["username"]}, creds=creds)
    assert auth_client.get("/company")["slug"]
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1000})
    assert auth_client.get("/company")["slug"]
    assert auth.refresh_count == 2
    again = httpx.post(f"{server.url}/oauth/token", data={"grant_type": "refresh_token", **grant})
    assert again.status_code == 401  # the configured token rotated away


def test_permission_denied_names_the_path(sandbox: Any) -> None:
    client, _ = connect(sandbox, account(sandbox, "trade"))
    with pytest.raises(PermissionDenied, match="permission denied on /timesheets") as exc:
        client.get("/timesheets")
    assert exc.value.code == "forbidden"
    assert all(po["trade_partner_id"] == account(sandbox, "trade")["trade_partner_id"]
               for po in all_rows(client, "/purchase-orders", limit=50))


def test_no_secret_in_logs_or_errors_against_the_sandbox(sandbox_factory: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = sandbox_factory()
    row = account(server, "admin.email")
    client, auth = connect(server, row)
    all_rows(client, "/projects", limit=5)
    tokens = {auth._tokens.access, auth._tokens.refresh}
    httpx.delete(f"{server.url}/sessions", headers={"Authorization": f"Bearer {auth._tokens.access}"})
    all_rows(client, "/projects", limit=5)  # re-login with a second e-mailed code
    tokens |= {auth._tokens.access, auth._tokens.refresh}
    auth.credentials.password = "wrong-" + row["password"]
    httpx.delete(f"{server.url}/sessions", headers={"Authorization": f"Bearer {auth._tokens.access}"})
    with pytest.raises(SessionError) as exc:
        client.get("/company")
    codes = [m["code"] for m in httpx.get(f"{server.url}/_sandbox/outbox").json()]
    assert len(codes) == 2 and "logged in" in caplog.text
    text = caplog.text + str(exc.value) + repr(exc.value)
    for secret in (row["password"], *tokens):
        assert secret not in text
    # 6-digit codes could collide with digits in URLs (ports, cursors): check our own records
    ours = "".join(r.getMessage() for r in caplog.records if r.name.startswith("coconstruct_source"))
    for code in codes:
        assert code not in ours + str(exc.value)


@pytest.mark.parametrize("profile", ["flaky", "rate_limit_storm", "truncated"])
def test_login_survives_faults_on_the_session_routes(sandbox_factory: Any, profile: str) -> None:
    server = sandbox_factory()
    httpx.post(f"{server.url}/_sandbox/faults",
               json={"profile": profile, "seed": 3, "rate": 0.3, "include_auth": True})
    client, auth = connect(server, account(server, "admin.nomfa"))
    for _ in range(3):
        httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1000})
        assert client.get("/company")["slug"]
    injected = httpx.get(f"{server.url}/_sandbox/faults").json()["injected"]
    assert sum(injected.values()) > 0
    assert auth.refresh_count + auth.login_count >= 3
