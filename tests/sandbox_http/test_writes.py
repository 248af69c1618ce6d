"""Writes: Idempotency-Key semantics, validation, roles."""

from __future__ import annotations

import uuid

import httpx
import pytest

from coconstruct_sandbox.server import SandboxServer
from tests.sandbox_http.contract import errors_of
from tests.sandbox_http.helpers import authed, records


@pytest.fixture
def server(sandbox_factory) -> SandboxServer:
    return sandbox_factory()


def _bodies(client: httpx.Client) -> tuple[int, dict, dict]:
    project = records(client, "/projects", limit=1000)[0]["id"]
    code = next(c for c in records(client, "/cost-codes", limit=1000) if c["is_active"])["id"]
    tp = records(client, "/trade-partners", limit=1000)[0]["id"]
    co = {"title": "Upgrade to quartz", "client_visible": True, "lines": [
        {"cost_code_id": code, "category": "material", "description": "Quartz slab", "quantity": "2.5",
         "unit": "ea", "unit_cost": "1000.10", "markup_percent": "15", "taxable": True}]}
    po = {"trade_partner_id": tp, "title": "Framing", "lines": [
        {"cost_code_id": code, "category": "subcontractor", "description": "Walls", "quantity": "3",
         "unit": "ls", "unit_cost": "333.33"}]}
    return project, co, po


@pytest.mark.parametrize("kind", ["change-orders", "purchase-orders"])
def test_same_key_same_body_creates_once(server: SandboxServer, kind: str) -> None:
    with authed(server.url, server.default_account()) as client:
        project, co, po = _bodies(client)
        body = co if kind == "change-orders" else po
        list_path = f"/projects/{project}/{kind}"
        before = len(records(client, list_path, limit=1000))
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = client.post(list_path, json=body, headers=key)
        assert first.status_code == 201, first.text
        created = first.json()
        schema = "ChangeOrder" if kind == "change-orders" else "PurchaseOrder"
        assert not errors_of(schema, created)
        assert created["project_id"] == project and created["status"] == "draft"
        if kind == "purchase-orders":
            assert created["total"] == "999.99"
        replay = client.post(list_path, json=dict(reversed(body.items())), headers=key)
        assert replay.status_code == 200
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json()["id"] == created["id"]
        assert len(records(client, list_path, limit=1000)) == before + 1
        conflict = client.post(list_path, json=body | {"title": "Something else"}, headers=key)
        assert conflict.status_code == 409
        assert conflict.json()["error"]["code"] == "idempotency_conflict"
        assert not errors_of("Error", conflict.json())
        assert len(records(client, list_path, limit=1000)) == before + 1


def test_key_required_and_validation(server: SandboxServer) -> None:
    with authed(server.url, server.default_account()) as client:
        project, co, _ = _bodies(client)
        path = f"/projects/{project}/change-orders"
        missing = client.post(path, json=co)
        assert missing.status_code == 422 and missing.json()["error"]["code"] == "idempotency_key_required"
        bad = client.post(path, json={"title": "x", "lines": [{"cost_code_id": 1}]},
                          headers={"Idempotency-Key": "v1"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
        assert bad.json()["error"]["details"]
        nowhere = client.post("/projects/999999/change-orders", json=co, headers={"Idempotency-Key": "v2"})
        assert nowhere.status_code == 404
        # the key of a rejected request stays free
        assert client.post(path, json=co, headers={"Idempotency-Key": "v1"}).status_code == 201


def test_bookkeeper_may_not_write(server: SandboxServer) -> None:
    with authed(server.url, server.account("bookkeeper")) as client:
        project, co, _ = _bodies(client)
        denied = client.post(f"/projects/{project}/change-orders", json=co, headers={"Idempotency-Key": "b1"})
        assert denied.status_code == 403
