"""Role scoping: a client sees its projects' client-visible documents, a trade partner its own."""

from __future__ import annotations

import httpx
import pytest

from coconstruct_sandbox.server import SandboxServer
from tests.sandbox_http.helpers import authed, records

CLIENT_FORBIDDEN = ["/users", "/trade-partners", "/cost-codes", "/budget-lines", "/purchase-orders",
                    "/bills", "/timesheets", "/quickbooks/mappings"]
TRADE_FORBIDDEN = ["/users", "/clients", "/projects", "/cost-codes", "/budget-lines", "/selections",
                   "/change-orders", "/invoices", "/payments", "/timesheets", "/quickbooks/mappings",
                   "/attachments"]


@pytest.fixture(scope="module")
def admin(sandbox: SandboxServer) -> httpx.Client:
    with authed(sandbox.url, sandbox.default_account()) as client:
        yield client


def _ids(rows: list[dict]) -> set[int]:
    return {r["id"] for r in rows}


def test_client_sees_only_its_projects_and_visible_documents(sandbox: SandboxServer, admin: httpx.Client) -> None:
    account = sandbox.account("client")
    projects = {p["id"] for p in records(admin, "/projects", limit=1000)
                if any(c["client_id"] == account.client_id for c in p["clients"])}
    assert projects, "the demo client has no project"
    with authed(sandbox.url, account) as client:
        assert _ids(records(client, "/projects", limit=1000)) == projects
        assert _ids(records(client, "/clients")) == {account.client_id}
        for path in ("/change-orders", "/invoices", "/attachments"):
            everything = records(admin, path, limit=1000)
            expected = {r["id"] for r in everything if r["project_id"] in projects and r["client_visible"]}
            hidden = {r["id"] for r in everything if r["project_id"] in projects and not r["client_visible"]}
            assert _ids(records(client, path, limit=1000)) == expected, path
            for record_id in list(hidden)[:2]:
                if path != "/attachments":
                    assert client.get(f"{path}/{record_id}").status_code == 403
        for path in ("/selections", "/schedule-tasks", "/payments"):
            expected = {r["id"] for r in records(admin, path, limit=1000) if r["project_id"] in projects}
            assert _ids(records(client, path, limit=1000)) == expected, path
        for path in CLIENT_FORBIDDEN:
            denied = client.get(path)
            assert denied.status_code == 403, path
            assert denied.json()["error"]["code"] == "forbidden"
        other = next(p["id"] for p in records(admin, "/projects", limit=1000) if p["id"] not in projects)
        assert client.get(f"/projects/{other}").status_code == 403
        assert client.get(f"/projects/{other}/change-orders").status_code == 403
        mine = min(projects)
        assert client.get(f"/projects/{mine}/selections").status_code == 200
        assert client.get(f"/projects/{mine}/purchase-orders").status_code == 403
        assert client.get("/company").status_code == 200
        write = client.post(f"/projects/{mine}/change-orders", headers={"Idempotency-Key": "c1"},
                            json={"title": "x", "lines": []})
        assert write.status_code == 403


def test_trade_partner_sees_only_its_commitments(sandbox: SandboxServer, admin: httpx.Client) -> None:
    account = sandbox.account("trade_partner", "sms")
    tp = account.trade_partner_id
    all_pos = records(admin, "/purchase-orders", limit=1000)
    po_projects = {po["project_id"] for po in all_pos if po["trade_partner_id"] == tp}
    assert po_projects, "the demo trade partner has no purchase order"
    # projects it works on: where it has POs, bills or schedule tasks
    works_on = po_projects | {r["project_id"] for path in ("/bills", "/schedule-tasks")
                              for r in records(admin, path, limit=1000) if r["trade_partner_id"] == tp}
    with authed(sandbox.url, account) as client:
        assert _ids(records(client, "/purchase-orders", limit=1000)) == {
            po["id"] for po in all_pos if po["trade_partner_id"] == tp}
        assert _ids(records(client, "/bills", limit=1000)) == {
            b["id"] for b in records(admin, "/bills", limit=1000) if b["trade_partner_id"] == tp}
        assert _ids(records(client, "/schedule-tasks", limit=1000)) == {
            t["id"] for t in records(admin, "/schedule-tasks", limit=1000) if t["project_id"] in works_on}
        assert _ids(records(client, "/trade-partners")) == {tp}
        assert client.get("/company").status_code == 200
        for path in TRADE_FORBIDDEN:
            assert client.get(path).status_code == 403, path
        others = [po for po in all_pos if po["trade_partner_id"] != tp]
        assert client.get(f"/purchase-orders/{others[0]['id']}").status_code == 403
        project = min(po_projects)
        mine = records(client, f"/projects/{project}/purchase-orders")
        assert mine and all(po["trade_partner_id"] == tp for po in mine)
        assert client.get(f"/projects/{project}/schedule").status_code == 200
        assert client.get(f"/projects/{project}/change-orders").status_code == 403


@pytest.mark.parametrize("role", ["project_manager", "bookkeeper"])
def test_staff_roles_see_everything(sandbox: SandboxServer, admin: httpx.Client, role: str) -> None:
    with authed(sandbox.url, sandbox.account(role)) as client:
        for path in ("/users", "/purchase-orders", "/timesheets"):
            assert _ids(records(client, path, limit=1000)) == _ids(records(admin, path, limit=1000))
