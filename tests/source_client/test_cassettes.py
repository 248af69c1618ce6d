"""Cassette replay of a TOTP login, paging and a refresh: fast and offline. The cassette is
recorded against the sandbox when missing or with `--record`, scrubbed of every secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pyotp
import pytest
import yaml

from coconstruct_source.auth import make_auth
from coconstruct_source.credentials import PasswordMfaCredentials
from coconstruct_source.http import ApiClient
from coconstruct_source.pagination import iter_pages
from tests.source_client.cassette_scrub import CASSETTE_DIR, REDACTED, SECRET_KEYS, make_vcr
from tests.source_client.sandbox_helpers import TEST_SETTINGS, account

CASSETTE = "client_totp_paging_refresh.yaml"
PAGES = 3
LIMIT = 4


def _shift_clock(url: str) -> None:
    """Expire the token server-side (admin calls are left out of the cassette)."""
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 1000}).raise_for_status()


def scenario(base_url: str, creds: PasswordMfaCredentials, on_page: Any = None) -> dict[str, Any]:
    """Log in (TOTP), read the company, page the projects; the token expires after page 1."""
    auth = make_auth(creds, base_url)
    with ApiClient(base_url, auth, TEST_SETTINGS) as client:
        company = client.get("/company")
        ids: list[int] = []
        for n, page in enumerate(iter_pages(client, "/projects", limit=LIMIT, max_pages=PAGES + 1)):
            ids += [r["id"] for r in page]
            if n == 0 and on_page:
                on_page()
            if n + 1 == PAGES:
                break
    return {"slug": company["slug"], "ids": ids, "logins": auth.login_count, "refreshes": auth.refresh_count,
            "tokens": {t for t in (auth._tokens.access, auth._tokens.refresh) if t}}


@pytest.fixture
def cassette(record_cassettes: bool, sandbox_factory: Any) -> Path:
    path = CASSETTE_DIR / CASSETTE
    if record_cassettes or not path.exists():
        path.unlink(missing_ok=True)
        server = sandbox_factory()
        row = account(server, "admin")
        creds = PasswordMfaCredentials(username=row["username"], password=row["password"], mfa_method="totp",
                                       totp_secret=row["totp_secret"])
        with make_vcr("once").use_cassette(CASSETTE):
            result = scenario(server.url, creds, on_page=lambda: _shift_clock(server.url))
        assert result["refreshes"] == 1 and len(result["ids"]) == PAGES * LIMIT
        text = path.read_text()
        for secret in (row["password"], row["totp_secret"], *result["tokens"]):
            assert secret not in text, "a secret reached the cassette"
    return path


def test_replay_login_pages_and_refresh_offline(cassette: Path) -> None:
    creds = PasswordMfaCredentials(username="replay-user", password="replay-password", mfa_method="totp",
                                   totp_secret=pyotp.random_base32())
    with make_vcr("none").use_cassette(cassette.name, allow_playback_repeats=False):
        result = scenario("http://127.0.0.1:9", creds)  # port 9: nothing is listening there
    assert result["logins"] == 1 and result["refreshes"] == 1
    assert len(result["ids"]) == PAGES * LIMIT and len(set(result["ids"])) == PAGES * LIMIT
    assert result["slug"]


def test_cassette_holds_no_secret(cassette: Path, sandbox: Any) -> None:
    """The recording accounts are deterministic by seed: their real values must be absent."""
    text = cassette.read_text()
    rows = [account(sandbox, h) for h in ("admin", "admin.sms", "admin.email", "admin.nomfa")]
    for row in rows:
        assert row["password"] not in text
        assert row["totp_secret"] is None or row["totp_secret"] not in text
    data = yaml.safe_load(text)
    checked = 0
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        for value in request["headers"].get("authorization", []):
            assert value == f"Bearer {REDACTED}"
            checked += 1
        for body in (request["body"], response["body"]["string"]):
            if body and body.lstrip()[:1] in ("{", b"{"):
                for key, value in _walk(orjson.loads(body)):
                    if key in SECRET_KEYS:
                        assert value == REDACTED, f"{key} not scrubbed"
                        checked += 1
    assert checked >= 10  # the cassette really contains tokens, passwords and codes (scrubbed)


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
