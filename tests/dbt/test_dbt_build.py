"""The bundled dbt project on the golden warehouse: build passes, staging ties out to the
sandbox's ground truth, marts equal independent Python computations to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import duckdb

from coconstruct_elt.dbt_runner import DbtOutcome
from tests.dbt import expected
from tests.dbt.conftest import query

STAGING_TABLES = ("projects", "cost_codes", "budget_lines", "change_orders", "change_order_lines",
                  "purchase_orders", "purchase_order_lines", "bills", "bill_lines", "invoices",
                  "invoice_lines", "payments", "timesheets", "selections", "selection_options",
                  "qb_mappings")
MARTS = ("dim_projects", "dim_clients", "dim_trade_partners", "dim_cost_codes", "fct_budget_lines",
         "fct_change_orders", "fct_change_order_lines", "fct_purchase_orders", "fct_bills",
         "fct_invoices", "fct_payments", "fct_labor", "fct_allowances", "fct_project_allowances",
         "fct_job_cost", "qb_sync_issues", "erp_reconciliation")


def test_build_runs_every_model_and_test(dbt_build: DbtOutcome) -> None:
    assert dbt_build.success, dbt_build.failures
    built = {r.name for r in dbt_build.results if r.resource_type == "model"}
    assert set(MARTS) <= built
    assert {f"stg_coconstruct__{t}" for t in STAGING_TABLES} <= built
    tests = [r for r in dbt_build.results if r.resource_type == "test"]
    assert len(tests) > 150
    assert {r.status for r in tests} == {"pass"}


def test_staging_counts_and_sums_equal_sandbox_state(warehouse: duckdb.DuckDBPyConnection,
                                                     tenant_store: Any) -> None:
    state = tenant_store.state()["tables"]
    for table in STAGING_TABLES:
        truth = state[table]
        model = f"analytics_staging.stg_coconstruct__{table}"
        assert query(warehouse, f"select count(*) from {model}")[0][0] == truth["count"], table
        for column, total in truth.get("sums", {}).items():
            got = query(warehouse, f"select coalesce(sum({column}), 0) from {model}")[0][0]
            assert got == Decimal(total), f"{table}.{column}: {got} != {total}"


def test_job_cost_equals_independent_computation(warehouse: duckdb.DuckDBPyConnection,
                                                 tenant_store: Any) -> None:
    cols = ", ".join(expected.JOB_COST_COLUMNS)
    rows = query(warehouse, f"select project_id, cost_code_id, {cols} from analytics.fct_job_cost")
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    want = expected.job_cost(tenant_store)
    assert len(got) == len(rows)
    assert set(got) == set(want)
    wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not wrong, f"{len(wrong)} job-cost rows differ, e.g. {next(iter(wrong.items()))}"
    # the identities hold on real data, not only on zeros
    assert sum(v[1] for v in want.values()) != 0 and sum(v[3] for v in want.values()) != 0


def test_allowances_equal_independent_computation(warehouse: duckdb.DuckDBPyConnection,
                                                  tenant_store: Any) -> None:
    cols = ", ".join(expected.ALLOWANCE_COLUMNS)
    rows = query(warehouse, f"select selection_id, {cols} from analytics.fct_allowances")
    got = {r[0]: tuple(r[1:]) for r in rows}
    want = expected.allowances(tenant_store)
    assert got == want
    kinds = {v[2] > 0 for v in want.values() if v[2] is not None}
    assert kinds == {True, False}, "the tenant should hold both overages and credits"

    cols = ", ".join(expected.PROJECT_ALLOWANCE_COLUMNS)
    rows = query(warehouse, f"select project_id, {cols} from analytics.fct_project_allowances")
    assert {r[0]: tuple(r[1:]) for r in rows} == expected.project_allowances(tenant_store)


def test_money_columns_stay_decimal(warehouse: duckdb.DuckDBPyConnection) -> None:
    floats = query(warehouse, """
        select table_schema || '.' || table_name || '.' || column_name
        from information_schema.columns
        where table_schema like 'analytics%' and data_type in ('DOUBLE', 'FLOAT', 'REAL')""")
    assert floats == []


def test_every_active_cost_code_is_mapped_or_an_issue(warehouse: duckdb.DuckDBPyConnection) -> None:
    unmapped = query(warehouse, """
        select count(*) from analytics.dim_cost_codes where is_active and not is_mapped_to_qb_item""")[0][0]
    listed = query(warehouse, """
        select count(*) from analytics.qb_sync_issues
        where issue_type = 'unmapped' and object_type = 'cost_code'""")[0][0]
    assert unmapped > 0 and listed == unmapped


def test_every_model_and_column_is_described(dbt_build: DbtOutcome,
                                             warehouse: duckdb.DuckDBPyConnection) -> None:
    assert dbt_build.target_path is not None
    manifest = json.loads((dbt_build.target_path / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n["package_name"] == "coconstruct"}
    assert len(models) >= 24 + len(MARTS)
    undescribed = [name for name, n in models.items() if not n["description"].strip()]
    assert undescribed == []
    for name, node in models.items():
        built = {r[0] for r in query(warehouse, f"""
            select column_name from information_schema.columns
            where table_schema = '{node["schema"]}' and table_name = '{name}'""")}
        described = {c for c, col in node["columns"].items() if col["description"].strip()}
        assert built and built <= described, f"{name}: undescribed {sorted(built - described)}"
