"""A record deleted during the first load, after it was served, is gone after that load."""

from __future__ import annotations

import orjson

from tests.pipeline.sandbox_helpers import export_keys, mismatches, options_in, sync, warehouse_keys


def test_deleted_after_being_served_in_the_first_run_is_not_kept(sandbox_factory, tmp_path):
    server = sandbox_factory()
    store = server.state.store
    list_page = store.list_page
    deleted: list[int] = []

    def list_then_delete(entity, **kw):
        page = list_page(entity, **kw)
        if entity == "bills" and not deleted:  # the first page of bills, already served
            first = orjson.loads(page.data)[0]["id"]
            store.delete("bills", first)
            deleted.append(first)
        return page

    store.list_page = list_then_delete
    options = options_in(tmp_path, page_size=50)  # more pages follow the deletion
    sync(server, options)

    assert deleted
    assert (deleted[0],) not in warehouse_keys(options.duckdb_path, "bills", ("id",))
    assert all(b != deleted[0] for _, b in warehouse_keys(
        options.duckdb_path, "bill_lines", ("id", "bill_id")
    ))
    assert warehouse_keys(options.duckdb_path, "bills", ("id",)) == export_keys(
        server, "bills", ("id",)
    )
    assert mismatches(server, options.duckdb_path) == []
