"""Sessions: every MFA kind, wrong and expired codes, rotation, reuse, revocation, lock-out, OAuth."""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest

from coconstruct_sandbox.server import SandboxServer
from tests.sandbox_http.helpers import login, outbox_code


def _code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def fresh(sandbox_factory) -> SandboxServer:
    return sandbox_factory(token_ttl=5)


@pytest.mark.parametrize("mfa", ["totp", "sms", "email", "none"])
def test_every_mfa_kind_logs_in_and_reads(sandbox: SandboxServer, mfa: str) -> None:
    account = sandbox.account("admin", mfa)
    with httpx.Client(base_url=sandbox.url) as client:
        first = client.post("/sessions", json={"username": account.username, "password": account.password})
        if mfa == "none":
            assert first.status_code == 201
        else:
            assert first.status_code == 200 and first.json()["method"] == mfa
        tokens = login(client, account)
        assert tokens["role"] == "admin" and tokens["token_type"] == "Bearer"
        me = client.get("/company", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200 and me.json()["slug"]


@pytest.mark.parametrize("mfa", ["sms", "email"])
def test_sent_codes_reach_the_outbox_and_are_single_use(sandbox: SandboxServer, mfa: str) -> None:
    account = sandbox.account("admin", mfa)
    with httpx.Client(base_url=sandbox.url) as client:
        challenge = client.post("/sessions", json={"username": account.username, "password": account.password}).json()
        message = client.get("/_sandbox/outbox", params={"username": account.username}).json()[-1]
        assert message["method"] == mfa and message["destination"] == account.destination
        assert challenge["destination_hint"] and challenge["destination_hint"] != account.destination
        answer = {"challenge_id": challenge["challenge_id"], "code": message["code"]}
        assert client.post("/sessions/mfa", json=answer).status_code == 201
        again = client.post("/sessions/mfa", json=answer)
        assert again.status_code == 401 and _code(again) == "challenge_expired"


def test_wrong_code_is_rejected_then_the_right_one_works(sandbox: SandboxServer) -> None:
    account = sandbox.account("admin", "email")
    with httpx.Client(base_url=sandbox.url) as client:
        challenge = client.post("/sessions", json={"username": account.username, "password": account.password}).json()
        real = outbox_code(client, account.username)
        wrong = f"{(int(real) + 1) % 10**6:06d}"
        bad = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": wrong})
        assert bad.status_code == 401 and _code(bad) == "invalid_mfa_code"
        malformed = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": "12ab"})
        assert malformed.status_code == 422
        ok = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": real})
        assert ok.status_code == 201


def test_totp_outside_the_window_fails(sandbox: SandboxServer) -> None:
    account = sandbox.default_account()
    totp = pyotp.TOTP(account.totp_secret)
    with httpx.Client(base_url=sandbox.url) as client:
        challenge = client.post("/sessions", json={"username": account.username, "password": account.password}).json()
        stale = totp.at(time.time() - 120)
        bad = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": stale})
        assert bad.status_code == 401 and _code(bad) == "invalid_mfa_code"
        previous = totp.at(time.time() - 30)  # valid_window=1 accepts the previous step
        assert client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": previous}).status_code == 201


def test_expired_challenge(fresh: SandboxServer) -> None:
    account = fresh.default_account()
    with httpx.Client(base_url=fresh.url) as client:
        challenge = client.post("/sessions", json={"username": account.username, "password": account.password}).json()
        client.post("/_sandbox/clock", json={"advance_seconds": 301})
        late = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"],
                                                  "code": pyotp.TOTP(account.totp_secret).now()})
        assert late.status_code == 401 and _code(late) == "challenge_expired"
        # a new challenge works with a code from the real clock (TOTP ignores the shift)
        assert login(client, account)["role"] == "admin"


def test_access_token_expires_and_refresh_rotates(fresh: SandboxServer) -> None:
    account = fresh.account("admin", "none")
    with httpx.Client(base_url=fresh.url) as client:
        tokens = login(client, account)
        assert tokens["expires_in"] == 5
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert client.get("/users", headers=auth).status_code == 200
        client.post("/_sandbox/clock", json={"advance_seconds": 6})
        expired = client.get("/users", headers=auth)
        assert expired.status_code == 401 and _code(expired) == "token_expired"
        new = client.post("/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert new.status_code == 201
        rotated = new.json()
        assert rotated["refresh_token"] != tokens["refresh_token"]
        assert rotated["access_token"] != tokens["access_token"]
        assert client.get("/users", headers={"Authorization": f"Bearer {rotated['access_token']}"}).status_code == 200


def test_reusing_an_old_refresh_token_revokes_the_family(fresh: SandboxServer) -> None:
    account = fresh.account("admin", "none")
    with httpx.Client(base_url=fresh.url) as client:
        first = login(client, account)
        second = client.post("/sessions/refresh", json={"refresh_token": first["refresh_token"]}).json()
        reuse = client.post("/sessions/refresh", json={"refresh_token": first["refresh_token"]})
        assert reuse.status_code == 401 and _code(reuse) == "refresh_token_reused"
        # the whole family is gone: the newest refresh token and its access token too
        latest = client.post("/sessions/refresh", json={"refresh_token": second["refresh_token"]})
        assert latest.status_code == 401 and _code(latest) == "refresh_token_invalid"
        dead = client.get("/users", headers={"Authorization": f"Bearer {second['access_token']}"})
        assert dead.status_code == 401 and _code(dead) == "invalid_token"
        # a new login is unaffected
        assert client.get("/users", headers={"Authorization": f"Bearer {login(client, account)['access_token']}"}).status_code == 200


def test_delete_session_revokes_access_and_refresh(fresh: SandboxServer) -> None:
    account = fresh.account("admin", "none")
    with httpx.Client(base_url=fresh.url) as client:
        tokens = login(client, account)
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert client.delete("/sessions", headers=auth).status_code == 204
        assert _code(client.get("/users", headers=auth)) == "invalid_token"
        gone = client.post("/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert gone.status_code == 401 and _code(gone) == "refresh_token_invalid"
        assert client.delete("/sessions").status_code == 401


def test_five_failures_lock_the_account(fresh: SandboxServer) -> None:
    account = fresh.account("admin", "none")
    with httpx.Client(base_url=fresh.url) as client:
        for _ in range(5):
            wrong = client.post("/sessions", json={"username": account.username, "password": "wrong-password"})
            assert wrong.status_code == 401 and _code(wrong) == "invalid_credentials"
        locked = client.post("/sessions", json={"username": account.username, "password": account.password})
        assert locked.status_code == 423 and _code(locked) == "account_locked"
        other = fresh.account("admin", "email")
        assert client.post("/sessions", json={"username": other.username, "password": other.password}).status_code == 200
        client.post("/_sandbox/clock", json={"advance_seconds": 901})
        assert client.post("/sessions", json={"username": account.username, "password": account.password}).status_code == 201


def test_unknown_user_and_bad_bodies(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=sandbox.url) as client:
        unknown = client.post("/sessions", json={"username": "nobody@example.com", "password": "x"})
        assert unknown.status_code == 401 and _code(unknown) == "invalid_credentials"
        assert client.post("/sessions", content=b"not json").status_code == 422
        extra = client.post("/sessions", json={"username": "a", "password": "b", "otp": "1"})
        assert extra.status_code == 422 and extra.json()["error"]["details"]
        assert _code(client.get("/users")) == "invalid_token"
        assert _code(client.get("/users", headers={"Authorization": "Bearer forged"})) == "invalid_token"


def test_oauth_refresh_grant_rotates(fresh: SandboxServer) -> None:
    with httpx.Client(base_url=fresh.url) as client:
        grant = client.post("/_sandbox/oauth/grant").json()
        form = {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"],
                "client_id": grant["client_id"], "client_secret": grant["client_secret"]}
        first = client.post("/oauth/token", data=form)
        assert first.status_code == 201, first.text
        tokens = first.json()
        assert client.get("/company", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
        second = client.post("/oauth/token", data=form | {"refresh_token": tokens["refresh_token"]})
        assert second.status_code == 201
        reused = client.post("/oauth/token", data=form)
        assert reused.status_code == 401 and _code(reused) == "refresh_token_reused"
        bad_secret = client.post("/oauth/token", data=form | {"client_secret": "nope"})
        assert bad_secret.status_code == 401 and _code(bad_secret) == "invalid_credentials"
        assert client.post("/oauth/token", data=form | {"grant_type": "password"}).status_code == 422


def test_in_process_oauth_credentials(fresh: SandboxServer) -> None:
    form = {"grant_type": "refresh_token"} | fresh.oauth_credentials()
    answer = httpx.post(f"{fresh.url}/oauth/token", data=form)
    assert answer.status_code == 201 and answer.json()["role"] == "admin"


def test_wrong_mfa_codes_count_towards_the_lock(fresh: SandboxServer) -> None:
    account = fresh.account("admin", "email")
    with httpx.Client(base_url=fresh.url) as client:
        challenge = client.post("/sessions", json={"username": account.username, "password": account.password}).json()
        real = outbox_code(client, account.username)
        wrong = f"{(int(real) + 1) % 10**6:06d}"
        codes = [client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": wrong})
                 for _ in range(5)]
        assert [_code(c) for c in codes] == ["invalid_mfa_code"] * 5
        late = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": real})
        assert late.status_code == 423 and _code(late) == "account_locked"
        assert client.post("/sessions", json={"username": account.username, "password": account.password}).status_code == 423
