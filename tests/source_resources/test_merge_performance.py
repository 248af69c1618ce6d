"""Performance properties of the load: the SQL the child-table merge runs, batched items."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient

from coconstruct_source import resources
from coconstruct_source.contract import load_contract


def _merge_deletes(monkeypatch) -> list[str]:
    """Every DELETE on the (non-staging) dataset that the run sends to DuckDB."""
    seen: list[str] = []
    original = DuckDbSqlClient.execute_sql

    def spy(self, sql, *args, **kwargs):
        for statement in str(sql).split(";"):
            if statement.strip().startswith('DELETE FROM "coconstruct_raw".'):
                seen.append(" ".join(statement.split()))
        return original(self, sql, *args, **kwargs)

    monkeypatch.setattr(DuckDbSqlClient, "execute_sql", spy)
    return seen


def test_child_merge_deletes_by_parent_with_an_equi_join_not_an_or(
    fake, run_fake, options, monkeypatch
):
    """pk OR merge key in one correlated EXISTS is a nested loop in DuckDB (~20 s per line
    table on `large`); the parent scope alone is a hash semi-join and replaces the same rows."""
    assert run_fake().ok
    with duckdb.connect(options.duckdb_path, read_only=True) as db:
        (co_id,) = db.execute(
            "SELECT change_order_id FROM coconstruct_raw.change_order_lines"
            " GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1"
        ).fetchone()
    fake.edit("change_orders", co_id)
    deletes = _merge_deletes(monkeypatch)
    run = run_fake()
    assert run.ok, run.error
    child = [d for d in deletes if '"change_order_lines"' in d.split(" WHERE ")[0]]
    assert len(child) == 1, deletes
    assert " OR " not in child[0]
    assert "s.change_order_id = " in child[0]
    # the scope replaced the edited order's lines: only its new lines are stored
    assert run.changes["change_order_lines"].inserted == len(fake.records["change_orders"][co_id]["lines"])


def test_pages_reach_dlt_in_batches_of_rows_not_one_item_per_page(monkeypatch):
    spec = load_contract().resources["change_orders"]
    monkeypatch.setattr(resources, "BATCH_ROWS", 250)
    batches = resources._Batches(spec)
    schema = pa.schema([("id", pa.int64())])
    page = pa.table({"id": list(range(100))}, schema=schema)
    items = [item for _ in range(6) for item in batches.add("change_orders", page)]
    items += list(batches.add("change_orders", page.slice(0, 0)))  # empty tables are dropped
    items += list(batches.flush())
    assert [item.data.num_rows if hasattr(item, "data") else item.num_rows for item in items] == [300, 300]
