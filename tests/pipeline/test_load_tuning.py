"""How a run sizes its load: DuckDB's memory cap and the number of parallel load jobs."""

from __future__ import annotations

import os

import pytest

from coconstruct_elt.run import (
    DLT_LOAD_WORKERS,
    DUCKDB_MEMORY_LIMIT,
    RunOptions,
    duckdb_settings,
    load_workers,
    size_in_bytes,
)

MB = 10**6
CORES = max(2, os.cpu_count() or 2)


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch):
    for name in ("LOAD__WORKERS", "DESTINATION__DUCKDB__MEMORY_LIMIT"):
        monkeypatch.delenv(name, raising=False)


def test_duckdb_jobs_follow_how_many_copies_of_the_package_the_memory_cap_holds():
    assert size_in_bytes(DUCKDB_MEMORY_LIMIT) == 64 * MB
    duckdb = RunOptions()
    assert load_workers(duckdb, staged_bytes=0) == DLT_LOAD_WORKERS  # nothing staged
    assert load_workers(duckdb, staged_bytes=2 * MB) == DLT_LOAD_WORKERS  # 1 % of `large`
    assert load_workers(duckdb, staged_bytes=13 * MB) == max(CORES, 4)  # 20 % of `large`
    assert load_workers(duckdb, staged_bytes=72 * MB) == CORES  # a full `large` load
    # a remote warehouse is latency-bound whatever the size
    assert load_workers(RunOptions(destination="snowflake"), staged_bytes=72 * MB) == DLT_LOAD_WORKERS


def test_a_larger_cap_runs_more_jobs(monkeypatch):
    monkeypatch.setenv("DESTINATION__DUCKDB__MEMORY_LIMIT", "1GiB")
    assert load_workers(RunOptions(), staged_bytes=72 * MB) == max(CORES, 2**30 // (72 * MB))


def test_configured_load_workers_win(monkeypatch):
    monkeypatch.setenv("LOAD__WORKERS", "7")
    assert load_workers(RunOptions(), staged_bytes=72 * MB) == 7
    assert load_workers(RunOptions(), staged_bytes=0) == 7


def test_duckdb_memory_cap_default_and_override(monkeypatch):
    assert duckdb_settings() == {"memory_limit": DUCKDB_MEMORY_LIMIT}
    monkeypatch.setenv("DESTINATION__DUCKDB__MEMORY_LIMIT", "1GB")
    assert duckdb_settings() == {"memory_limit": "1GB"}


@pytest.mark.parametrize(
    ("setting", "size"),
    [("64MB", 64 * MB), ("1.5GiB", int(1.5 * 2**30)), ("512 KB", 512_000), ("100", 100),
     ("lots", None), ("80%", None)],
)
def test_size_settings(setting, size):
    assert size_in_bytes(setting) == size
