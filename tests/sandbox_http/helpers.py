"""Plain-HTTP helpers of the sandbox tests: log in any demo account, page a list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pyotp

from coconstruct_sandbox.accounts import Account


def outbox_code(client: httpx.Client, username: str) -> str:
    messages = client.get("/_sandbox/outbox", params={"username": username}).json()
    return messages[-1]["code"]


def login(client: httpx.Client, account: Account) -> dict[str, Any]:
    """The token pair of `account`, completing its MFA (TOTP, or the code from the outbox)."""
    answer = client.post("/sessions", json={"username": account.username, "password": account.password})
    if answer.status_code == 201:
        return answer.json()
    assert answer.status_code == 200, answer.text
    challenge = answer.json()
    if challenge["method"] == "totp":
        code = pyotp.TOTP(account.totp_secret).now()
    else:
        code = outbox_code(client, account.username)
    done = client.post("/sessions/mfa", json={"challenge_id": challenge["challenge_id"], "code": code})
    assert done.status_code == 201, done.text
    return done.json()


@contextmanager
def authed(base_url: str, account: Account) -> Iterator[httpx.Client]:
    """An httpx client carrying `account`'s access token."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        token = login(client, account)["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def pages(client: httpx.Client, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every page of a list, following next_cursor."""
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        yield page
        cursor = page["next_cursor"]
        if cursor is None:
            return


def records(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    return [record for page in pages(client, path, **params) for record in page["data"]]
