"""One golden warehouse (the sandbox's own export, small seed 1) and one dbt build, shared by
every test in this folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.dbt_runner import DbtOutcome, run_dbt
from tests.dbt.golden_warehouse import load_golden


@pytest.fixture(scope="session")
def tenant_store() -> Any:
    store_module = pytest.importorskip("coconstruct_sandbox.store")
    return store_module.TenantStore.build("small", 1)


@pytest.fixture(scope="session")
def golden_path(tmp_path_factory: pytest.TempPathFactory, tenant_store: Any) -> Path:
    path = tmp_path_factory.mktemp("golden") / "coconstruct.duckdb"
    load_golden(path, tenant_store)
    return path


@pytest.fixture(scope="session")
def dbt_build(golden_path: Path) -> DbtOutcome:
    return run_dbt("build", duckdb_path=golden_path, echo=False)


@pytest.fixture(scope="session")
def warehouse(golden_path: Path, dbt_build: DbtOutcome) -> Iterator[duckdb.DuckDBPyConnection]:
    # dbt-duckdb keeps its (read-write) connection open in this process: same configuration
    with duckdb.connect(str(golden_path)) as con:
        yield con


def query(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()
