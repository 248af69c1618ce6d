"""The test-only fakesnow shim: its statement rewrites (pure, no server needed), and the
stock fakesnow gaps it covers (a server with ``rewrite=False``), so a fakesnow upgrade that
closes a gap shows up here as a failing canary: then drop that part of the shim.
"""

from __future__ import annotations

import pytest

from tests.snowflake.fakesnow_server import fakesnow_server as start_fakesnow
from tests.snowflake.fakesnow_shim import rewrite_sql

# statements exactly as dlt 1.31 / dbt-snowflake 1.12 send them
DLT_PUT = (
    "PUT 'file:///tmp/p/load/normalized/17.5/started_jobs/orders.2c61.0.parquet' "
    '\'@"RAW_STAGING"."%ORDERS"/"17.5"\' OVERWRITE = TRUE, AUTO_COMPRESS = FALSE'
)
DLT_COPY = (
    'COPY INTO "RAW_STAGING"."ORDERS"\n'
    '        FROM \'@"RAW_STAGING"."%ORDERS"/"17.5"/orders.2c61.0.parquet\'\n'
    "        FILE_FORMAT = (TYPE = 'PARQUET', BINARY_AS_TEXT = FALSE, USE_LOGICAL_TYPE = TRUE)\n"
    "        MATCH_BY_COLUMN_NAME='CASE_INSENSITIVE'"
)
DBT_TMP_TABLE = (
    "create or replace temporary table DB.dbt_analytics.fct__dbt_tmp\nas (\n select 1 as a\n)"
)
DBT_TMP_VIEW = "create or replace temporary view DB.dbt_analytics.fct__dbt_tmp\n as (select 1 as a)"


def test_put_target_loses_its_string_quotes_only():
    assert rewrite_sql(DLT_PUT) == (
        "PUT 'file:///tmp/p/load/normalized/17.5/started_jobs/orders.2c61.0.parquet' "
        '@"RAW_STAGING"."%ORDERS"/"17.5" OVERWRITE = TRUE, AUTO_COMPRESS = FALSE'
    )


def test_copy_options_without_commas_and_unquoted_match_by():
    out = rewrite_sql(DLT_COPY)
    assert "FILE_FORMAT = (TYPE = 'PARQUET' BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)" in out
    assert "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE" in out
    # the FROM stage literal is left alone (fakesnow reads it)
    assert 'FROM \'@"RAW_STAGING"."%ORDERS"/"17.5"/orders.2c61.0.parquet\'' in out


def test_dbt_tmp_relations_are_not_temporary():
    assert rewrite_sql(DBT_TMP_TABLE).startswith(
        "create or replace table DB.dbt_analytics.fct__dbt_tmp\n"
    )
    assert rewrite_sql(DBT_TMP_VIEW).startswith(
        "create or replace view DB.dbt_analytics.fct__dbt_tmp\n"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "create or replace temporary table t as select 1",  # not a qualified dbt tmp relation
        'SELECT "MATCH_BY" FROM t',
        "PUT 'file:///a' @S.%T/x",  # already unquoted
        'insert into t values (\'@"A"."B"\')',
        "COPY INTO t FROM @s FILE_FORMAT = (TYPE = 'CSV' FIELD_DELIMITER = ',')",
    ],
)
def test_other_statements_unchanged(sql):
    assert rewrite_sql(sql) == sql


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_stock_fakesnow_still_has_the_gaps(fakesnow_venv_python):
    """Canary: stock fakesnow 0.12.1 (no rewrites, no patches) shows each gap the shim covers."""
    snowflake_connector = pytest.importorskip("snowflake.connector")
    with start_fakesnow(rewrite=False) as sf:
        conn = snowflake_connector.connect(**sf.connect_kwargs("CANARY"))
        cur = conn.cursor()
        cur.execute("create schema s")
        cur.execute("create table s.t (a number(18,2), ts timestamp_tz)")
        cur.execute(
            "insert into s.t values (1.10, null), (2.25, '2026-01-05 08:30:00'::timestamp_tz)"
        )

        # SUM over NUMBER(18,2) is computed in DOUBLE (Snowflake: exact NUMBER(38,2))
        (total,) = cur.execute("select sum(a) from s.t").fetchone()
        assert isinstance(total, float)
        # a NULL timestamp is sent as the epoch (it is stored as NULL)
        rows = cur.execute("select ts, ts is null from s.t order by a").fetchall()
        assert rows[0][1] is True and rows[0][0] is not None and rows[0][0].year == 1970
        # dlt's PUT target, a quoted string literal, is rejected
        with pytest.raises(
            snowflake_connector.errors.ProgrammingError, match="does not start with @"
        ):
            cur.execute(DLT_PUT.replace("RAW_STAGING", "S").replace("ORDERS", "T"))
        # dbt's qualified temporary relation
        with pytest.raises(snowflake_connector.errors.ProgrammingError, match="TEMPORARY"):
            cur.execute("create or replace temporary table CANARY.s.x__dbt_tmp as (select 1 as a)")
        conn.close()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_unhandled_fakesnow_error_fails_fast(fakesnow_server):
    """fakesnow's HTTP 500 (retried for minutes by the connector) is a quick, clear error."""
    import time

    import snowflake.connector

    with snowflake.connector.connect(**fakesnow_server.connect_kwargs("FAIL_FAST")) as conn:
        t0 = time.monotonic()
        with pytest.raises(
            snowflake.connector.errors.ProgrammingError, match="fakesnow \\(test shim\\)"
        ):
            conn.cursor().execute(
                "select 1 from table(generator(rowcount => 3)) match_recognize (order by 1)"
            )
        assert time.monotonic() - t0 < 20
        # the session is still usable afterwards
        assert conn.cursor().execute("select 1").fetchone() == (1,)
