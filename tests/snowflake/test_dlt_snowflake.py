"""dlt → (fake) Snowflake: merge loads, hard deletes, exact money, read back via dataset().

The destination is configured exactly as for a real account, plus the settings fakesnow
needs (``DLT_DESTINATION_SETTINGS``); see docs/snowflake.md.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import dlt
import pytest

from tests.snowflake.fakesnow_server import DLT_DESTINATION_SETTINGS
from tests.snowflake.raw_data import Tenant, change_orders_resource

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DATASET = "coconstruct_raw"


def _pipeline(fakesnow_server, database: str, tmp_path, **settings) -> dlt.Pipeline:
    destination = dlt.destinations.snowflake(
        credentials=fakesnow_server.dlt_credentials(database),
        **DLT_DESTINATION_SETTINGS,
        **settings,
    )
    return dlt.pipeline(
        pipeline_name=f"sf_{database.lower()}",
        destination=destination,
        dataset_name=DATASET,
        pipelines_dir=str(tmp_path / "dlt"),
    )


def _utc(value: datetime | None) -> datetime | None:
    # TIMESTAMP_TZ comes back tz-aware: compare the instant, in UTC
    if value is None:
        return None
    assert value.tzinfo is not None, f"timestamp came back without a time zone: {value!r}"
    return value.astimezone(UTC)


def _rows(dataset, table: str, columns: list[str]) -> Counter:
    rows = dataset.table(table).select(*columns).fetchall()
    return Counter(tuple(_utc(v) if isinstance(v, datetime) else v for v in row) for row in rows)


def _expected(rows: list[dict], columns: list[str]) -> Counter:
    return Counter(tuple(r.get(c) for c in columns) for r in rows)


PARENT_COLS = [
    "tenant_id",
    "id",
    "project_id",
    "title",
    "status",
    "total",
    "approved_at",
    "updated_at",
]
LINE_COLS = ["tenant_id", "id", "change_order_id", "quantity", "unit_cost", "cost", "updated_at"]


def _check(pipeline: dlt.Pipeline, tenants: list[Tenant]) -> None:
    ds = pipeline.dataset()
    parents = [r for t in tenants for r in t.parent_rows()]
    lines = [r for t in tenants for r in t.line_rows()]

    # row by row, exact (Decimal money, microsecond UTC timestamps, unicode text)
    assert _rows(ds, "change_orders", PARENT_COLS) == _expected(parents, PARENT_COLS)
    assert _rows(ds, "change_order_lines", LINE_COLS) == _expected(lines, LINE_COLS)

    # counts and money sums per tenant, computed by the warehouse
    got = {
        row[0]: tuple(row[1:])
        for row in ds.query(
            "SELECT tenant_id, COUNT(*), SUM(total), SUM(CASE WHEN deleted THEN 1 ELSE 0 END)"
            " FROM change_orders GROUP BY tenant_id"
        ).fetchall()
    }
    want = {
        t.tenant_id: (
            len(t.parents),
            sum((p["total"] for p in t.parent_rows()), Decimal("0.00")),
            0,
        )
        for t in tenants
        if t.parents
    }
    assert got == want
    got_lines = {
        row[0]: tuple(row[1:])
        for row in ds.query(
            "SELECT tenant_id, COUNT(*), SUM(cost), SUM(quantity) FROM change_order_lines GROUP BY tenant_id"
        ).fetchall()
    }
    want_lines = {
        t.tenant_id: (
            len(t.line_rows()),
            sum((ln["cost"] for ln in t.line_rows()), Decimal("0.00")),
            sum((ln["quantity"] for ln in t.line_rows()), Decimal("0.0000")),
        )
        for t in tenants
        if t.line_rows()
    }
    assert got_lines == want_lines
    for _, total, _ in got.values():
        assert isinstance(total, Decimal) and total.as_tuple().exponent == -2

    # header totals tie out to their lines, to the cent, inside the warehouse
    mismatched = ds.query(
        "SELECT p.tenant_id, p.id FROM change_orders p"
        " LEFT JOIN (SELECT tenant_id, change_order_id, SUM(cost) AS s FROM change_order_lines"
        "            GROUP BY tenant_id, change_order_id) l"
        " ON l.tenant_id = p.tenant_id AND l.change_order_id = p.id"
        " WHERE p.total <> COALESCE(l.s, 0)"
    ).fetchall()
    assert mismatched == []


# dlt's default creates tz-aware timestamps as TIMESTAMP_LTZ; use_timestamp_tz=True makes
# them TIMESTAMP_TZ (see docs/snowflake.md). fakesnow stores both the same way.
@pytest.mark.parametrize("use_timestamp_tz", [False, True], ids=["ltz", "tz"])
def test_two_merge_runs_with_changes_and_deletes(
    fakesnow_server, fakesnow_database, tmp_path, use_timestamp_tz
):
    acme, brick = Tenant("acme", seed=1), Tenant("brick", seed=2)
    for co_id in range(1, 41):  # same ids in both tenants: the key is (tenant_id, id)
        acme.upsert(co_id)
        brick.upsert(co_id)
    pipeline = _pipeline(
        fakesnow_server, fakesnow_database, tmp_path, use_timestamp_tz=use_timestamp_tz
    )

    t0 = time.monotonic()
    info = pipeline.run(change_orders_resource([acme.batch(), brick.batch()]))
    assert not info.has_failed_jobs
    first_run_s = time.monotonic() - t0
    _check(pipeline, [acme, brick])

    # changes between the runs: edits (lines replaced, also to none), deletions, inserts
    for co_id in (2, 3, 5, 8, 13):
        acme.upsert(co_id)
    for co_id in (1, 4, 21, 40):
        acme.delete(co_id)
    brick.delete(7)
    for co_id in (41, 42):
        acme.upsert(co_id)
    before = acme.line_rows()
    assert before  # non trivial

    t0 = time.monotonic()
    info = pipeline.run(change_orders_resource([acme.batch(), brick.batch()]))
    assert not info.has_failed_jobs
    second_run_s = time.monotonic() - t0
    _check(pipeline, [acme, brick])

    ds = pipeline.dataset()
    gone = ds.query(
        "SELECT COUNT(*) FROM change_order_lines WHERE tenant_id = 'acme' AND change_order_id IN (1, 4, 21, 40)"
    ).fetchall()
    assert gone == [(0,)]
    assert ds.query(
        "SELECT COUNT(*) FROM change_order_lines WHERE id < 0 OR deleted"
    ).fetchall() == [(0,)]
    # dlt state made it to the warehouse (parquet state table) and two loads are recorded
    assert len(ds.load_ids()) >= 2
    print(f"dlt → fakesnow: first run {first_run_s:.1f}s, second run {second_run_s:.1f}s")


def test_rerun_with_nothing_new_keeps_tables(fakesnow_server, fakesnow_database, tmp_path):
    tenant = Tenant("acme", seed=3)
    for co_id in range(1, 11):
        tenant.upsert(co_id)
    batch = tenant.batch()
    pipeline = _pipeline(fakesnow_server, fakesnow_database, tmp_path)
    pipeline.run(change_orders_resource([batch]))
    # the same batch again (a retried page): merge on the keys, no duplicates
    pipeline.run(change_orders_resource([batch]))
    _check(pipeline, [tenant])
    # pipeline state restores from the warehouse into a fresh working dir
    other = _pipeline(fakesnow_server, fakesnow_database, tmp_path / "fresh")
    other.sync_destination()
    assert other.default_schema.tables.keys() >= {"change_orders", "change_order_lines"}
