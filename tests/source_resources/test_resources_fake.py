"""The resources end to end over an in-memory tenant: full sync, incremental, deletions."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from tests.source_resources.conftest import TENANT, warehouse_state


def keys(db: str, table: str, cols: str = "id") -> set[tuple]:
    with duckdb.connect(db, read_only=True) as con:
        return set(con.execute(f"select {cols} from coconstruct_raw.{table}").fetchall())


def test_full_sync_equals_the_tenant_to_the_cent(fake, run_fake, options):
    run = run_fake()
    assert run.ok, run.error
    expected = fake.expected()
    assert warehouse_state(options.duckdb_path) == expected
    assert run.changes["change_order_lines"].inserted == expected["change_order_lines"]["count"]
    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        tenants = con.execute("select distinct tenant_id from coconstruct_raw.bills").fetchall()
        assert tenants == [(TENANT,)]
        url_cols = con.execute(
            "select count(*) from information_schema.columns where table_name = 'attachments' and column_name = 'url'"
        ).fetchone()
        assert url_cols == (0,)


def test_second_run_without_changes_loads_nothing(fake, run_fake):
    assert run_fake().ok
    fake.calls.clear()
    second = run_fake()
    assert second.ok, second.error
    assert second.rows == 0, second.changes
    # every list was asked server-side for changes since its cursor
    assert all(since is not None for path, since in fake.calls if path != "/company")


def test_changes_edits_deletes_and_line_replacement(fake, run_fake, options):
    assert run_fake().ok
    co_ids = sorted(fake.records["change_orders"])
    old_lines = {i: len(fake.records["change_orders"][i]["lines"]) for i in co_ids}
    # a changed parent replaces all its lines; one losing every line keeps none
    fake.edit("change_orders", co_ids[0])
    fake.records["change_orders"][co_ids[1]]["lines"] = []
    fake.edit("change_orders", co_ids[1], new_lines=False)
    # a deleted parent takes its children with it
    doomed = next(i for i in co_ids[2:] if fake.records["change_orders"][i]["lines"])
    fake.delete("change_orders", doomed)
    fake.delete("users", sorted(fake.records["users"])[0])
    fake.delete("projects", sorted(fake.records["projects"])[-1])
    new_bill = fake.create("bills")

    run = run_fake()
    assert run.ok, run.error
    assert warehouse_state(options.duckdb_path) == fake.expected()
    db = options.duckdb_path
    live_lines = {
        (line["id"],) for rec in fake.records["change_orders"].values() for line in rec["lines"]
    }
    assert keys(db, "change_order_lines") == live_lines
    assert not keys(db, "change_order_lines", "change_order_id") & {(doomed,), (co_ids[1],)}
    assert keys(db, "change_orders") == {(i,) for i in fake.records["change_orders"]}
    assert keys(db, "project_clients", "project_id, client_id") == {
        (p["id"], c["client_id"]) for p in fake.records["projects"].values() for c in p["clients"]
    }
    assert run.changes["users"].deleted == 1
    assert run.changes["change_orders"].deleted == 1
    assert run.changes["change_orders"].updated == 2
    assert run.changes["bills"].inserted == 1 and new_bill in fake.records["bills"]
    # the edited order's old lines (new ids replace them), the emptied and the deleted order's
    assert run.changes["change_order_lines"].deleted == (
        old_lines[co_ids[0]] + old_lines[co_ids[1]] + old_lines[doomed]
    )
    assert run.changes["change_order_lines"].inserted == len(
        fake.records["change_orders"][co_ids[0]]["lines"]
    )


def test_late_write_inside_the_lag_window_is_loaded(fake, run_fake, options):
    assert run_fake().ok
    # a write committed late: its updated_at is *before* the newest cursor, inside the lag
    rid = sorted(fake.records["timesheets"])[0]
    rec = fake.records["timesheets"][rid]
    newest = max(r["updated_at"] for r in fake.records["timesheets"].values())
    rec["cost"] = "4242.42"
    late = datetime.fromisoformat(newest.replace("Z", "+00:00")) - timedelta(seconds=1)
    assert late.isoformat() > rec["updated_at"]
    rec["updated_at"] = late.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    run = run_fake()
    assert run.ok, run.error
    assert run.changes["timesheets"].updated == 1
    assert warehouse_state(options.duckdb_path)["timesheets"] == fake.expected()["timesheets"]


def test_permission_denied_resource_warns_and_others_load(fake, run_fake, options, caplog):
    fake.denied = {"bills", "payments"}
    run = run_fake()
    assert run.ok, run.error
    assert sorted(run.denied) == ["bills", "payments"]
    assert any("bills" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)
    state = warehouse_state  # the rest loaded
    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'coconstruct_raw'"
            ).fetchall()
        }
    assert "bills" not in tables and "payments" not in tables
    assert {"projects", "change_order_lines", "invoices"} <= tables
    assert state


def test_bad_record_is_skipped_with_a_warning_and_the_page_loads(fake, run_fake, options, caplog):
    bad_id = sorted(fake.records["invoices"])[3]
    fake.records["invoices"][bad_id]["total"] = "12,00"
    run = run_fake()
    assert run.ok, run.error
    assert run.rejected == 1
    (group,) = run.reject_groups
    assert group.startswith("invoices.total: 1 record(s) skipped") and "12,00" in group
    assert any(
        f"id={bad_id}" in r.getMessage() and "'total'" in r.getMessage() for r in caplog.records
    )
    assert keys(options.duckdb_path, "invoices") == {
        (i,) for i in fake.records["invoices"] if i != bad_id
    }


def test_resource_subset_and_unknown_resource(fake, run_fake, options):
    run = run_fake(resources=["projects", "bills"])
    assert run.ok, run.error
    assert set(run.changes) == {"projects", "project_clients", "bills", "bill_lines"}
    bad = run_fake(resources=["projects", "nope"])
    assert not bad.ok and "nope" in bad.error


def test_parent_relisted_during_a_run_keeps_only_its_newest_lines(fake, run_fake, options):
    """Edited (a line dropped) and deleted while the run lists: both versions are in one load."""
    assert run_fake().ok
    with_lines = [i for i, r in fake.records["change_orders"].items() if len(r["lines"]) >= 2]
    edited, deleted = with_lines[:2]
    fake.edit("change_orders", edited, new_lines=False)
    fake.edit("change_orders", deleted, new_lines=False)
    listing = fake.fetch_pages

    def concurrent(path, since, limit=7):
        pages = list(listing(path, since, limit))
        yield from pages
        if path == "/change-orders":  # changes land while the listing runs: relisted at the end
            fake.records["change_orders"][edited]["lines"].pop()
            fake.edit("change_orders", edited, new_lines=False)
            fake.delete("change_orders", deleted)
            yield [
                dict(fake.records["change_orders"][edited]),
                dict(fake.tombstones["change_orders"][deleted]),
            ]

    fake.fetch_pages = concurrent
    run = run_fake()
    assert run.ok, run.error
    live_lines = {
        (line["id"],) for rec in fake.records["change_orders"].values() for line in rec["lines"]
    }
    assert keys(options.duckdb_path, "change_order_lines") == live_lines
    assert warehouse_state(options.duckdb_path) == fake.expected()


def test_a_run_killed_before_its_load_is_completed_by_the_next(fake, run_fake, options):
    """Extracted and normalized, then killed: the next run loads that package first."""
    import dlt
    from dlt.common.schema import Schema
    from dlt.extract.source import DltSource

    from coconstruct_elt.run import make_destination
    from coconstruct_source.source import SOURCE_NAME, build_resources

    assert run_fake().ok
    fake.delete("bills", sorted(fake.records["bills"])[0])
    fake.edit("invoices", sorted(fake.records["invoices"])[0])
    pipeline = dlt.pipeline(
        "coconstruct_acme_homes",
        destination=make_destination(options),
        dataset_name=options.dataset,
        pipelines_dir=options.pipelines_dir,
    )
    source = DltSource(
        Schema(SOURCE_NAME), SOURCE_NAME, build_resources(fake.fetch_pages, lambda: TENANT)
    )
    pipeline.extract(source, loader_file_format="parquet")
    pipeline.normalize()  # ... and the process dies here
    fake.create("bills")
    run = run_fake()
    assert run.ok, run.error
    assert warehouse_state(options.duckdb_path) == fake.expected()


def test_full_refresh_of_a_subset_reloads_it_and_keeps_the_rest(fake, run_fake, options):
    assert run_fake().ok
    fake.records["bills"].pop(sorted(fake.records["bills"])[0])  # gone without a tombstone
    run = run_fake(full_refresh=True, resources=["bills"])
    assert run.ok, run.error
    assert run.changes["bills"].inserted == len(fake.records["bills"])
    assert keys(options.duckdb_path, "bills") == {(i,) for i in fake.records["bills"]}
    assert keys(options.duckdb_path, "users") == {(i,) for i in fake.records["users"]}
    assert warehouse_state(options.duckdb_path) == fake.expected()
