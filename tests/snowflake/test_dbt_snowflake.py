"""dbt-snowflake on the (fake) Snowflake: a view, a table, an incremental model and tests
over the raw tables dlt loaded, run twice. The project is tests/snowflake/fixtures/dbt_tiny.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import dlt
import pytest

from tests.snowflake.fakesnow_server import DLT_DESTINATION_SETTINGS
from tests.snowflake.raw_data import Tenant, change_orders_resource

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FIXTURE = Path(__file__).parent / "fixtures" / "dbt_tiny"
DBT_TIMEOUT_S = 300
DBT_SCHEMA = "DBT_ANALYTICS"  # target schema `dbt` + custom schema `analytics`


@pytest.fixture
def dbt_project(tmp_path) -> Path:
    pytest.importorskip(
        "dbt.adapters.snowflake", reason="dbt-snowflake (the `snowflake` extra) is not installed"
    )
    project = tmp_path / "dbt_tiny"
    shutil.copytree(FIXTURE, project)  # dbt writes target/ and logs/ next to the project
    return project


def _dbt(
    project: Path, fakesnow_server, database: str, *args: str, check: bool = True
) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        FAKESNOW_PORT=str(fakesnow_server.port),
        FAKESNOW_DATABASE=database,
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PARTIAL_PARSE="false",
        DBT_USE_COLORS="false",
    )
    cmd = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli()",
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
    ]
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=DBT_TIMEOUT_S, check=False
    )
    assert done.returncode == 0 or not check, (
        f"dbt {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}\n"
        f"fakesnow log:\n{fakesnow_server.log_tail()}"
    )
    return done


def _query(fakesnow_server, database: str, sql: str) -> list[tuple]:
    import snowflake.connector

    with snowflake.connector.connect(**fakesnow_server.connect_kwargs(database)) as conn:
        return conn.cursor().execute(sql).fetchall()


def _expected_totals(tenant: Tenant) -> set[tuple]:
    out = set()
    for co_id, parent in tenant.parents.items():
        lines = tenant.lines[co_id]
        out.add(
            (
                tenant.tenant_id,
                co_id,
                parent["total"],
                len(lines),
                sum((ln["cost"] for ln in lines), Decimal("0.00")),
            )
        )
    return out


def test_dbt_build_view_table_incremental_and_tests(
    fakesnow_server, fakesnow_database, dbt_project, tmp_path
):
    db = fakesnow_database
    tenant = Tenant("acme", seed=11)
    for co_id in range(1, 26):
        tenant.upsert(co_id)
    pipeline = dlt.pipeline(
        pipeline_name=f"sf_{db.lower()}",
        destination=dlt.destinations.snowflake(
            credentials=fakesnow_server.dlt_credentials(db), **DLT_DESTINATION_SETTINGS
        ),
        dataset_name="coconstruct_raw",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    assert not pipeline.run(change_orders_resource([tenant.batch()])).has_failed_jobs

    t0 = time.monotonic()
    out = _dbt(dbt_project, fakesnow_server, db, "build")
    first_s = time.monotonic() - t0
    assert "PASS=" in out.stdout and "ERROR=0" in out.stdout

    def check() -> None:
        totals = _query(
            fakesnow_server,
            db,
            f"select tenant_id, change_order_id, total, line_count, line_total from {DBT_SCHEMA}.CHANGE_ORDER_TOTALS",
        )
        assert set(totals) == _expected_totals(tenant)
        assert len(totals) == len(tenant.parents)
        view_sum = _query(
            fakesnow_server, db, f"select count(*), sum(total) from {DBT_SCHEMA}.STG_CHANGE_ORDERS"
        )
        assert view_sum == [
            (len(tenant.parents), sum((p["total"] for p in tenant.parent_rows()), Decimal("0.00")))
        ]
        fct = _query(
            fakesnow_server,
            db,
            f"select tenant_id, change_order_id, status, total from {DBT_SCHEMA}.FCT_CHANGE_ORDERS",
        )
        assert sorted(fct) == sorted(
            (p["tenant_id"], p["id"], p["status"], p["total"]) for p in tenant.parent_rows()
        )

    check()

    # edits and inserts, loaded by dlt; the incremental model picks them up (delete+insert)
    for co_id in (2, 9, 26, 27):
        tenant.upsert(co_id)
    assert not pipeline.run(change_orders_resource([tenant.batch()])).has_failed_jobs
    t0 = time.monotonic()
    _dbt(dbt_project, fakesnow_server, db, "build")
    second_s = time.monotonic() - t0
    check()
    print(f"dbt build on fakesnow: first {first_s:.1f}s, incremental {second_s:.1f}s")


def test_dbt_test_failure_is_reported(fakesnow_server, fakesnow_database, dbt_project, tmp_path):
    """A broken tie-out fails `dbt build` (the tests really run against the server)."""
    db = fakesnow_database
    tenant = Tenant("acme", seed=12)
    for co_id in range(1, 6):
        tenant.upsert(co_id)
    parent, child = tenant.batch()
    # corrupt one header total: it no longer equals the sum of its lines
    import pyarrow as pa

    totals = parent.column("total").to_pylist()
    totals[0] = totals[0] + Decimal("0.01")
    parent = parent.set_column(
        parent.schema.get_field_index("total"),
        "total",
        pa.array(totals, parent.schema.field("total").type),
    )
    pipeline = dlt.pipeline(
        pipeline_name=f"sf_{db.lower()}",
        destination=dlt.destinations.snowflake(
            credentials=fakesnow_server.dlt_credentials(db), **DLT_DESTINATION_SETTINGS
        ),
        dataset_name="coconstruct_raw",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run(change_orders_resource([(parent, child)]))
    out = _dbt(dbt_project, fakesnow_server, db, "build", check=False)
    assert out.returncode == 1, out.stdout[-3000:]
    assert "FAIL 1 assert_totals_tie_out" in out.stdout, out.stdout[-3000:]
    # dbt counts the failed data test in ERROR=; everything else passed
    assert "PASS=8 WARN=0 ERROR=1" in out.stdout, out.stdout[-3000:]
