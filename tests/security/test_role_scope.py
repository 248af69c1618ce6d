"""A trade partner's or a client's credentials load only what that role may see, and the
connector never tries to widen it: the warehouse holds only their rows, and the sandbox's
request log shows one 403 probe per denied resource and nothing else outside the role."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx
import pytest

from coconstruct_sandbox.accounts import Account
from coconstruct_sandbox.server import SandboxServer
from coconstruct_source.contract import load_contract
from tests.pipeline.sandbox_helpers import options_in, sync
from tests.security.request_log import RequestLog, logging_sandboxes

Rows = list[dict]
Visible = Callable[[str, dict], bool]
SESSION_PATHS = {"/sessions", "/sessions/mfa", "/sessions/refresh"}


def _export(server: SandboxServer, table: str) -> Rows:
    return httpx.get(f"{server.url}/_sandbox/export/{table}", timeout=60).json()


def _trade_partner_view(server: SandboxServer, account: Account) -> Visible:
    tp = account.trade_partner_id
    projects = server.store.projects_of_trade_partner(tp)
    rules: dict[str, Callable[[dict], bool]] = {
        "company": lambda r: True,
        "purchase_orders": lambda r: r["trade_partner_id"] == tp,
        "bills": lambda r: r["trade_partner_id"] == tp,
        "trade_partners": lambda r: r["id"] == tp,
        "schedule_tasks": lambda r: r["project_id"] in projects,
    }
    return lambda table, row: table in rules and rules[table](row)


def _client_view(server: SandboxServer, account: Account) -> Visible:
    projects = server.store.projects_of_client(account.client_id)
    rules: dict[str, Callable[[dict], bool]] = {
        "company": lambda r: True,
        "projects": lambda r: r["id"] in projects,
        "clients": lambda r: r["id"] == account.client_id,
        "selections": lambda r: r["project_id"] in projects,
        "schedule_tasks": lambda r: r["project_id"] in projects,
        "payments": lambda r: r["project_id"] in projects,
    }
    for table in ("change_orders", "invoices", "attachments"):
        rules[table] = lambda r: r["project_id"] in projects and r["client_visible"] is True
    return lambda table, row: table in rules and rules[table](row)


def _loaded_ids(db: Path, table: str) -> set[int] | None:
    with duckdb.connect(str(db), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'coconstruct_raw' and table_name = ?", [table]).fetchone()[0]
        if not exists:
            return None
        return {i for (i,) in con.execute(f"select id from coconstruct_raw.{table}").fetchall()}


@pytest.mark.parametrize("role", ["trade_partner", "client"])
def test_role_loads_only_its_rows_and_never_widens(
    role: str, sandbox_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with logging_sandboxes(monkeypatch) as log:
        server = sandbox_factory()
    account = server.account(role, "none" if role == "trade_partner" else None)
    view = (_trade_partner_view if role == "trade_partner" else _client_view)(server, account)
    run = sync(server, options_in(tmp_path), account=account)
    db = tmp_path / "wh.duckdb"

    contract = load_contract()
    loaded_any = 0
    for name, resource in contract.resources.items():
        if name == "company":
            continue
        expected = {r["id"] for r in _export(server, name) if view(name, r)}
        loaded = _loaded_ids(db, name)
        assert (loaded or set()) == expected, f"{role}: {name}"
        loaded_any += len(expected)
        # child rows only of the loaded parents
        for child in resource.all_tables[1:]:
            if child.name == "project_clients":
                continue
            rows = [r for r in _export(server, child.name) if r[child.parent_key] in expected]
            assert (_loaded_ids(db, child.name) or set()) == {r["id"] for r in rows}, child.name
    assert loaded_any > 0

    _assert_requests_within_role(log, run.denied, contract)


def _assert_requests_within_role(log: RequestLog, denied: list[str], contract) -> None:
    requests = log.contract_requests()
    paths = {r.path for r in requests}
    denied_paths = {contract.resources[name].path for name in denied}
    assert denied_paths, "the role should be refused some resources"
    forbidden = Counter(r.path for r in requests if r.status == 403)
    assert forbidden == Counter({p: 1 for p in denied_paths}), "one 403 probe per denied resource"
    assert all(r.status in (200, 201) for r in requests if r.status != 403), \
        [r for r in requests if r.status not in (200, 201, 403)]
    assert all(r.method == "GET" for r in requests if r.path not in SESSION_PATHS)
    list_paths = {spec.path for spec in contract.resources.values()}
    assert paths <= list_paths | SESSION_PATHS, sorted(paths - list_paths - SESSION_PATHS)
