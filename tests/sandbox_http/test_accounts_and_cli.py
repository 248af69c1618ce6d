"""Demo accounts (deterministic, every role and MFA kind) and the `python -m coconstruct_sandbox` CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from coconstruct_sandbox.accounts import build_accounts
from coconstruct_sandbox.server import SandboxServer
from tests.sandbox_http.helpers import authed


def test_accounts_cover_every_role_and_mfa_kind_deterministically(sandbox: SandboxServer) -> None:
    accounts = build_accounts(sandbox.store, 1)
    assert accounts == sandbox.accounts  # same seed, same accounts
    assert {a.role for a in accounts} == {"admin", "project_manager", "bookkeeper", "client", "trade_partner"}
    assert {a.mfa for a in accounts} == {"none", "totp", "sms", "email"}
    assert {a.mfa for a in accounts if a.role == "admin"} == {"none", "totp", "sms", "email"}
    assert sandbox.default_account() == accounts[0] and accounts[0].mfa == "totp"
    assert len({a.password for a in accounts}) == len(accounts)
    secrets = [a.totp_secret for a in accounts if a.mfa == "totp"]
    assert len(set(secrets)) == len(secrets) >= 2
    other = build_accounts(sandbox.store, 2)
    assert all(a.password != b.password for a, b in zip(accounts, other, strict=True))
    client = sandbox.account("client")
    assert client.client_id and sandbox.store.projects_of_client(client.client_id)
    listed = httpx.get(f"{sandbox.url}/_sandbox/accounts").json()
    assert [row["username"] for row in listed] == [a.username for a in accounts]
    assert set(listed[0]) >= {"username", "password", "role", "mfa", "totp_secret", "user_id",
                              "client_id", "trade_partner_id"}


def test_unknown_routes_answer_json_with_rate_limit_headers(sandbox: SandboxServer) -> None:
    with authed(sandbox.url, sandbox.default_account()) as client:
        for path in ("/nothing-here", "/projects/1/nothing", "/widgets/1"):
            answer = client.get(path)
            assert answer.status_code == 404
            assert answer.json()["error"]["code"] == "not_found"
            assert "X-RateLimit-Remaining" in answer.headers


def test_cli_serves_the_contract(tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "coconstruct_sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--size", "small", "--seed", "1", "--faults", "none", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                accounts = httpx.get(f"{url}/_sandbox/accounts").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the CLI server did not start"
                time.sleep(0.1)
        admin = next(a for a in accounts if a["role"] == "admin" and a["mfa"] == "none")
        tokens = httpx.post(f"{url}/sessions", json={"username": admin["username"], "password": admin["password"]})
        assert tokens.status_code == 201
        company = httpx.get(f"{url}/company", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"})
        assert company.status_code == 200 and company.json()["currency"] == "USD"
    finally:
        process.terminate()
        process.wait(timeout=20)
    output = process.stdout.read().decode()
    assert admin["password"] not in output and "size=small seed=1" in output
