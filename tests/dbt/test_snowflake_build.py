"""The same dbt project on Snowflake's dialect: dbt-snowflake against the local fakesnow
server (tests/snowflake's harness), raw tables from the sandbox export. Skipped unless the
`snowflake` extra is installed and the fakesnow venv can be made."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from coconstruct_elt.dbt_runner import project_dir
from tests.dbt import expected
from tests.dbt.raw_schema import raw_tables

pytestmark = pytest.mark.slow

SNOWFLAKE_TYPES = {"decimal(18,2)": "NUMBER(18,2)", "decimal(18,4)": "NUMBER(18,4)",
                   "timestamp with time zone": "TIMESTAMP_TZ", "text": "VARCHAR",
                   "bigint": "NUMBER(38,0)", "boolean": "BOOLEAN", "date": "DATE"}
DATABASE = "COCONSTRUCT_DBT"
PROFILE = """coconstruct:
  target: snowflake
  outputs:
    snowflake:
      type: snowflake
      account: fakesnow
      user: fake
      password: snow
      role: SYSADMIN
      warehouse: COMPUTE_WH
      database: {database}
      schema: analytics
      host: 127.0.0.1
      port: {port}
      protocol: http
      threads: 4
      connect_retries: 0
      retry_on_database_errors: false
"""


@pytest.fixture(scope="module")
def fakesnow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("dbt.adapters.snowflake", reason="the `snowflake` extra is not installed")
    from tests.snowflake.fakesnow_server import (
        FakesnowUnavailable,
        ensure_fakesnow_venv,
        fakesnow_server,
    )

    try:
        ensure_fakesnow_venv()
    except FakesnowUnavailable as e:
        pytest.skip(f"fakesnow venv unavailable: {e}")
    with fakesnow_server(log_dir=tmp_path_factory.mktemp("fakesnow")) as server:
        yield server


def _load_raw(server: Any, store: Any) -> None:
    import snowflake.connector

    tenant = store.company["slug"]
    with snowflake.connector.connect(**server.connect_kwargs()) as conn:
        cur = conn.cursor()
        cur.execute(f"create database if not exists {DATABASE}")
        cur.execute(f"use database {DATABASE}")
        cur.execute("create schema if not exists coconstruct_raw")
        for table in raw_tables().values():
            names = list(table.columns)
            cols = ", ".join(f"{c} {SNOWFLAKE_TYPES[t]}" for c, t in table.columns.items())
            cur.execute(f"create or replace table coconstruct_raw.{table.name} ({cols})")
            rows = [tuple(tenant if c == "tenant_id" else (r.get(c) if c != "deleted" else False)
                          for c in names) for r in store.export(table.name)]
            if rows:
                marks = ", ".join(["%s"] * len(names))
                cur.executemany(f"insert into coconstruct_raw.{table.name} ({', '.join(names)}) "
                                f"values ({marks})", rows)


def test_project_builds_on_snowflake_and_ties_out(fakesnow: Any, tenant_store: Any,
                                                  tmp_path: Path) -> None:
    import snowflake.connector

    _load_raw(fakesnow, tenant_store)
    (tmp_path / "profiles.yml").write_text(PROFILE.format(database=DATABASE, port=fakesnow.port))
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_USE_COLORS="false")
    done = subprocess.run(
        [sys.executable, "-c", "from dbt.cli.main import cli; cli()", "build",
         "--project-dir", str(project_dir()), "--profiles-dir", str(tmp_path),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{fakesnow.log_tail()}"

    with snowflake.connector.connect(**fakesnow.connect_kwargs(DATABASE)) as conn:
        got = conn.cursor().execute(
            "select sum(revised_budget), sum(committed_cost), sum(actual_cost), sum(projected_cost),"
            " count(*) from analytics.fct_job_cost").fetchone()
    want = expected.job_cost(tenant_store).values()
    assert tuple(Decimal(str(v)) for v in got[:4]) == tuple(
        sum((row[i] for row in want), Decimal("0.00")) for i in (2, 3, 4, 5))
    assert got[4] == len(want)
