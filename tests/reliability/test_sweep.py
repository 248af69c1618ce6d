"""The full key sweep removes what the API deleted without a tombstone (parents and lines)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from coconstruct_source.errors import CoconstructError
from coconstruct_source.sweep import parse_every
from tests.pipeline.sandbox_helpers import (
    export_keys,
    mismatches,
    options_in,
    sync,
    warehouse_keys,
)


def purge(server, table: str, rid: int) -> None:
    answer = httpx.post(f"{server.url}/_sandbox/purge", json={"table": table, "id": rid})
    assert answer.status_code == 200, answer.text


def test_sweep_deletes_unannounced_parents_and_lines(sandbox_factory, tmp_path):
    server = sandbox_factory()
    options = options_in(tmp_path)
    sync(server, options)
    bill = next(server.store.records("bills"))
    order = next(r for r in server.store.records("change_orders") if len(r["lines"]) > 1)
    line = order["lines"][0]["id"]
    purge(server, "bills", bill["id"])
    purge(server, "change_order_lines", line)

    sync(server, options)  # incremental: no tombstone, nothing changes
    assert (bill["id"],) in warehouse_keys(options.duckdb_path, "bills", ("id",))
    assert mismatches(server, options.duckdb_path) != []

    options.sweep = True
    run = sync(server, options)
    assert "sweep" in run.steps
    assert mismatches(server, options.duckdb_path) == []
    for table, cols in {
        "bills": ("id",),
        "bill_lines": ("id", "bill_id"),
        "change_order_lines": ("id", "change_order_id"),
        "change_orders": ("id",),
    }.items():
        assert warehouse_keys(options.duckdb_path, table, cols) == export_keys(server, table, cols)
    assert run.changes["bills"].deleted == 1
    assert run.changes["change_order_lines"].deleted == 1
    assert run.changes["change_orders"].deleted == 0  # the parent stays


def test_full_sweep_every_runs_when_due_only(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory()
    monkeypatch.setenv("SOURCES__COCONSTRUCT__FULL_SWEEP_EVERY", "7d")
    options = options_in(tmp_path)
    assert "sweep" in sync(server, options).steps  # never swept yet: due
    purge(server, "payments", next(server.store.records("payments"))["id"])
    assert "sweep" not in sync(server, options).steps  # swept minutes ago
    assert mismatches(server, options.duckdb_path) != []


def test_sweep_period_parsing():
    assert parse_every("7d") == timedelta(days=7)
    assert parse_every("12h") == timedelta(hours=12)
    assert parse_every(90) == timedelta(seconds=90)
    assert parse_every("off") is None and parse_every(None) is None
    with pytest.raises(CoconstructError, match="full_sweep_every = 'weekly'"):
        parse_every("weekly")


def test_purge_route_refuses_unknown_records(sandbox_factory):
    server = sandbox_factory()
    missing = httpx.post(f"{server.url}/_sandbox/purge", json={"table": "bills", "id": 10**9})
    assert missing.status_code == 404 and "bills 1000000000 not found" in missing.text
    bad = httpx.post(f"{server.url}/_sandbox/purge", json={"table": "bills"})
    assert bad.status_code == 422
    unknown = httpx.post(f"{server.url}/_sandbox/purge", json={"table": "nope", "id": 1})
    assert unknown.status_code == 404
