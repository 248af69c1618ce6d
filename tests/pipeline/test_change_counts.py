"""The run summary's rows inserted and deleted per table are what the warehouse gained and lost."""

from __future__ import annotations

import duckdb
import httpx

from coconstruct_elt.summary import TableChanges
from coconstruct_source.contract import TENANT_COLUMN, load_contract
from tests.pipeline.sandbox_helpers import DATASET, options_in, sync


def _stored_keys(db_path: str) -> dict[str, set[tuple]]:
    """Every stored table's primary keys."""
    keys: dict[str, set[tuple]] = {}
    with duckdb.connect(db_path, read_only=True) as con:
        stored = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [DATASET],
            ).fetchall()
        }
        for spec in load_contract().resources.values():
            for table in spec.all_tables:
                if table.name in stored:
                    cols = ", ".join([TENANT_COLUMN, *table.primary_key])
                    sql = f"select {cols} from {DATASET}.{table.name}"
                    keys[table.name] = set(con.execute(sql).fetchall())
    return keys


def _assert_counts_match(changes: dict[str, TableChanges], before, after) -> None:
    for table, keys in after.items():
        change = changes.get(table, TableChanges(0, 0, 0))
        gained = len(keys - before.get(table, set()))
        lost = len(before.get(table, set()) - keys)
        assert (change.inserted, change.deleted) == (gained, lost), table


def test_first_and_incremental_counts_equal_the_key_difference(sandbox_factory, tmp_path):
    server = sandbox_factory()
    options = options_in(tmp_path)
    first = sync(server, options)
    loaded = _stored_keys(options.duckdb_path)
    _assert_counts_match(first.changes, {}, loaded)

    httpx.post(f"{server.url}/_sandbox/advance", json={"changes": 80}).raise_for_status()
    run = sync(server, options)
    after = _stored_keys(options.duckdb_path)
    _assert_counts_match(run.changes, loaded, after)
    totals = [sum(getattr(c, kind) or 0 for c in run.changes.values()) for kind in
              ("inserted", "updated", "deleted")]
    assert all(totals), f"the advance should insert, update and delete rows: {totals}"
    assert len([t for t, c in run.changes.items() if c.inserted or c.updated or c.deleted]) > 3
