"""Regressions for what the contract fuzz found in the sandbox."""

from __future__ import annotations

import httpx
import pytest

from coconstruct_sandbox.server import SandboxServer
from coconstruct_sandbox.store import canonical_timestamp


@pytest.fixture(scope="module")
def admin(sandbox: SandboxServer) -> httpx.Client:
    account = sandbox.account("admin", "none")
    tokens = httpx.post(f"{sandbox.url}/sessions",
                        json={"username": account.username, "password": account.password}).json()
    with httpx.Client(base_url=sandbox.url,
                      headers={"Authorization": f"Bearer {tokens['access_token']}"}) as client:
        yield client


@pytest.mark.parametrize("since, everything", [
    ("0293-10-26T21:19:51-02:31", True),   # a year below 1000 was formatted "293-..." → 500
    ("0001-01-01T00:00:00+01:00", True),   # before year 1 in UTC: OverflowError → 500
    ("9999-12-31T23:59:59-01:00", False),  # after year 9999 in UTC
])
def test_updated_since_at_the_edges_of_time_is_answered(admin: httpx.Client, since: str,
                                                        everything: bool) -> None:
    all_users = admin.get("/users", params={"limit": 1000}).json()["data"]
    page = admin.get("/users", params={"limit": 1000, "updated_since": since})
    assert page.status_code == 200, page.text
    live = [r for r in page.json()["data"] if not r.get("deleted")]
    assert len(live) == (len(all_users) if everything else 0)


def test_canonical_timestamps_sort_like_instants() -> None:
    early, late = canonical_timestamp("0999-01-01T00:00:00Z"), canonical_timestamp("2025-01-01T00:00:00Z")
    assert early == "0999-01-01T00:00:00.000000Z" and early < late
    assert canonical_timestamp("2025-03-04T19:02:11.5+02:00") == "2025-03-04T17:02:11.500000Z"
