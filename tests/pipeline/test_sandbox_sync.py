"""The pipeline end to end against the sandbox: full, incremental, deletions, faults, roles."""

from __future__ import annotations

import httpx
import pytest

from tests.pipeline.sandbox_helpers import (
    export_keys,
    mismatches,
    options_in,
    sync,
    warehouse_keys,
)

KEYED_TABLES = {
    "change_orders": ("id",),
    "change_order_lines": ("id", "change_order_id"),
    "project_clients": ("project_id", "client_id"),
    "bills": ("id",),
    "bill_lines": ("id", "bill_id"),
    "selection_options": ("id", "selection_id"),
    "timesheets": ("id",),
}


def test_full_sync_equals_the_sandbox_and_a_rerun_loads_nothing(sandbox, tmp_path):
    options = options_in(tmp_path)
    first = sync(sandbox, options)
    assert mismatches(sandbox, options.duckdb_path) == []
    assert first.rows > 1000
    assert all(c.updated == 0 and c.deleted == 0 for c in first.changes.values())
    second = sync(sandbox, options)
    assert second.rows == 0, second.changes


def test_incremental_after_advance_applies_edits_and_deletions(sandbox_factory, tmp_path):
    server = sandbox_factory()
    options = options_in(tmp_path)
    sync(server, options)
    changed = httpx.post(f"{server.url}/_sandbox/advance", json={"changes": 60}).json()
    run = sync(server, options)
    assert mismatches(server, options.duckdb_path) == []
    for table, cols in KEYED_TABLES.items():
        assert warehouse_keys(options.duckdb_path, table, cols) == export_keys(
            server, table, cols
        ), table
    assert run.rows > 0, changed
    assert sum(c.deleted or 0 for c in run.changes.values()) > 0, changed


def test_edits_landing_during_a_sync_are_picked_up_by_the_next(sandbox_factory, tmp_path):
    server = sandbox_factory(activity_every=2)
    options = options_in(tmp_path)
    sync(server, options)
    assert server.state.list_requests >= 2  # changes did land while listing
    server.state.activity_every = 0
    sync(server, options)
    assert mismatches(server, options.duckdb_path) == []


def test_token_expiry_mid_run_still_loads(sandbox_factory, tmp_path):
    server = sandbox_factory(token_ttl=1, size="small")
    options = options_in(tmp_path, page_size=50)  # many requests, the token expires between them
    sync(server, options)
    assert mismatches(server, options.duckdb_path) == []


def test_client_account_gets_403_on_some_resources_and_loads_the_rest(sandbox, tmp_path, caplog):
    options = options_in(tmp_path)
    client = sandbox.account("client")
    run = sync(sandbox, options, account=client)
    assert run.denied, "a client account should be refused some resources"
    assert any(
        "skipped" in r.getMessage() and run.denied[0] in r.getMessage() for r in caplog.records
    )
    assert run.changes, "the resources the client may read still load"
    assert not set(run.denied) & set(run.changes)


@pytest.mark.slow
def test_full_medium_sync_equals_the_sandbox(sandbox_factory, tmp_path):
    server = sandbox_factory(size="medium", token_ttl=3600, rate_limit=0)
    options = options_in(tmp_path)
    sync(server, options)
    assert mismatches(server, options.duckdb_path) == []


def test_a_duckdb_path_in_a_new_folder_is_created(sandbox, tmp_path):
    options = options_in(tmp_path)
    options.duckdb_path = str(tmp_path / "not" / "yet" / "there" / "wh.duckdb")
    run = sync(sandbox, options)
    assert run.rows > 1000
    assert mismatches(sandbox, options.duckdb_path) == []
