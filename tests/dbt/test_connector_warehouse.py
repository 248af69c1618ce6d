"""The connector's raw tables hold exactly the golden warehouse's rows, so the dbt results
checked in the other tests hold for a real `coconstruct run`."""

from __future__ import annotations

import duckdb
import pytest

from tests.dbt.conftest import GOLDEN, RAW, query
from tests.dbt.raw_schema import raw_tables


@pytest.mark.parametrize("table", sorted(raw_tables()))
def test_connector_table_equals_golden(warehouse: duckdb.DuckDBPyConnection, table: str) -> None:
    columns = ", ".join(f'"{c}"' for c in raw_tables()[table].columns if c != "deleted")
    golden_count = query(warehouse, f'select count(*) from {GOLDEN}."{table}"')[0][0]
    only = {}
    for left, right in ((RAW, GOLDEN), (GOLDEN, RAW)):
        only[left] = query(warehouse, f"""
            select count(*) from (
                select {columns} from {left}."{table}"
                except all
                select {columns} from {right}."{table}")""")[0][0]
    assert only == {RAW: 0, GOLDEN: 0}, f"{table}: rows in one warehouse only ({golden_count} golden rows)"
