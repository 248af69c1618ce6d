"""One warehouse and one dbt build shared by every test in this folder.

The warehouse is what the real connector loads (`coconstruct run --sandbox --no-dbt`, the
sandbox's small tenant, seed 1). Beside it, in dataset `golden_raw`, the golden warehouse:
the sandbox's own export typed per the contract, independent of the connector, so the tests
can tell a connector difference from a dbt one.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from coconstruct_elt.dbt_runner import DbtOutcome, run_dbt
from tests.dbt.golden_warehouse import load_golden

RAW = "coconstruct_raw"
GOLDEN = "golden_raw"


@pytest.fixture(scope="session")
def tenant_store() -> Any:
    from coconstruct_sandbox.store import TenantStore

    return TenantStore.build("small", 1)


def sync_sandbox(path: Path, pipelines_dir: Path) -> None:
    """`coconstruct run --sandbox --no-dbt` into `path` (a fresh interpreter, like a user)."""
    args = ["run", "--sandbox", "--sandbox-size", "small", "--sandbox-seed", "1", "--no-dbt",
            "--no-progress", "--duckdb-path", str(path), "--pipelines-dir", str(pipelines_dir)]
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from coconstruct_elt.cli import main; sys.exit(main(sys.argv[1:]))",
         *args], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"coconstruct run failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def golden_path(tmp_path_factory: pytest.TempPathFactory, tenant_store: Any) -> Path:
    work = tmp_path_factory.mktemp("warehouse")
    path = work / "coconstruct.duckdb"
    sync_sandbox(path, work / "pipelines")
    load_golden(path, tenant_store, dataset=GOLDEN)
    return path


@pytest.fixture(scope="session")
def dbt_build(golden_path: Path) -> DbtOutcome:
    return run_dbt("build", duckdb_path=golden_path, dataset=RAW, echo=False)


@pytest.fixture(scope="session")
def warehouse(golden_path: Path, dbt_build: DbtOutcome) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(golden_path), read_only=True) as con:
        yield con


def query(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()
