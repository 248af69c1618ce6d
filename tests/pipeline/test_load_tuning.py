"""How a run sizes its load: DuckDB's memory cap and the number of parallel load jobs."""

from __future__ import annotations

import os

import pytest

from pipelines.run import (
    DLT_LOAD_WORKERS,
    DUCKDB_MEMORY_LIMIT,
    RunOptions,
    duckdb_settings,
    load_workers,
)


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch):
    for name in ("LOAD__WORKERS", "DESTINATION__DUCKDB__MEMORY_LIMIT"):
        monkeypatch.delenv(name, raising=False)


def test_small_loads_keep_dlts_parallel_jobs_and_bulk_duckdb_loads_use_the_cores():
    assert load_workers(RunOptions(), bulk=False) == DLT_LOAD_WORKERS
    assert load_workers(RunOptions(), bulk=True) == max(2, os.cpu_count() or 2)
    # a remote warehouse is latency-bound whatever the size
    assert load_workers(RunOptions(destination="snowflake"), bulk=True) == DLT_LOAD_WORKERS


def test_configured_load_workers_win(monkeypatch):
    monkeypatch.setenv("LOAD__WORKERS", "7")
    assert load_workers(RunOptions(), bulk=True) == 7
    assert load_workers(RunOptions(), bulk=False) == 7


def test_duckdb_memory_cap_default_and_override(monkeypatch):
    assert duckdb_settings() == {"memory_limit": DUCKDB_MEMORY_LIMIT}
    monkeypatch.setenv("DESTINATION__DUCKDB__MEMORY_LIMIT", "1GB")
    assert duckdb_settings() == {"memory_limit": "1GB"}
