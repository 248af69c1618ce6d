"""Regressions for what the contract fuzz found in the sandbox."""

from __future__ import annotations

import httpx
import pytest

from coconstruct_sandbox.server import SandboxServer
from coconstruct_sandbox.store import canonical_timestamp
from coconstruct_source.auth import make_auth
from coconstruct_source.credentials import PasswordMfaCredentials
from coconstruct_source.errors import ApiError
from coconstruct_source.http import ApiClient, HttpSettings
from coconstruct_source.writes import create_purchase_order


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


@pytest.mark.parametrize("kind, extra", [("change-orders", {"markup_percent": "0", "taxable": False}),
                                         ("purchase-orders", {})])
def test_amounts_beyond_money_are_refused_naming_the_line(sandbox_factory, kind: str,
                                                          extra: dict) -> None:
    """A schema-valid 12-digit quantity times a 15-digit unit cost overflowed the decimal
    context (500); now a 422 names the line, and a large but fitting line is still accepted."""
    server = sandbox_factory()
    account = server.account("admin", "none")
    token = httpx.post(f"{server.url}/sessions", json={"username": account.username,
                                                       "password": account.password}).json()
    code = next(r["id"] for r in httpx.get(f"{server.url}/_sandbox/export/cost_codes").json()
                if r["is_active"])
    partner = httpx.get(f"{server.url}/_sandbox/export/trade_partners").json()[0]["id"]
    head = {"title": "t"} if kind == "change-orders" else {"trade_partner_id": partner}

    def post(quantity: str, unit_cost: str, key: str) -> httpx.Response:
        line = {"cost_code_id": code, "category": "material", "description": "d",
                "quantity": quantity, "unit": "ea", "unit_cost": unit_cost, **extra}
        return httpx.post(f"{server.url}/projects/1/{kind}", json={**head, "lines": [line]},
                          headers={"Authorization": f"Bearer {token['access_token']}",
                                   "Idempotency-Key": key})

    refused = post("999999999999.9999", "999999999999999.99", "big")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"][0]["field"] == "lines[0].quantity"
    accepted = post("1000.0000", "999999999.99", "fits")
    assert accepted.status_code == 201, accepted.text
    total = accepted.json()["total"]
    assert total == "999999999990.00"


def test_a_refused_write_names_the_field_in_the_clients_error(sandbox_factory) -> None:
    """The client's ApiError carries the 422's `details` (field and issue, never the value)."""
    server = sandbox_factory()
    account = server.account("admin", "none")
    credentials = PasswordMfaCredentials(username=account.username, password=account.password)
    code = next(r["id"] for r in httpx.get(f"{server.url}/_sandbox/export/cost_codes").json()
                if r["is_active"])
    line = {"cost_code_id": code, "category": "material", "description": "d", "unit": "ea",
            "quantity": "999999999999.9999", "unit_cost": "999999999999999.99"}
    with ApiClient(server.url, make_auth(credentials, server.url),
                   HttpSettings(max_retries=0)) as client, \
            pytest.raises(ApiError, match=r"422 \(validation_error\).*lines\[0\]\.quantity: the line"):
        create_purchase_order(client, 1, {"trade_partner_id": 1, "lines": [line]})


def test_null_where_the_contract_has_no_null_is_refused(admin: httpx.Client) -> None:
    """`tax_rate_percent: null` was silently read as "the project's rate" (a Rate is never null)."""
    line = {"cost_code_id": 1, "category": "labor", "description": "d", "quantity": "1",
            "unit": "ea", "unit_cost": "1.00", "markup_percent": "0", "taxable": False}
    answer = admin.post("/projects/1/change-orders", headers={"Idempotency-Key": "null-rate"},
                        json={"title": "t", "tax_rate_percent": None, "lines": [line]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["field"] == "tax_rate_percent"


@pytest.mark.parametrize("path, allowed", [
    ("/sessions", {"POST", "DELETE"}),
    ("/projects/1/change-orders", {"GET", "POST"}),
    ("/projects/1/selections", {"GET"}),
])
def test_a_405_lists_exactly_the_documented_methods(admin: httpx.Client, path: str,
                                                    allowed: set[str]) -> None:
    answer = admin.request("PATCH", path)
    assert answer.status_code == 405
    methods = {m.strip() for m in answer.headers["allow"].split(",")} - {"HEAD"}
    assert methods == allowed
