"""run_dbt's failure reporting: a clear DbtFailed naming what failed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from coconstruct_elt.dbt_runner import DbtFailed, build_args, run_dbt


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DbtFailed, match=r"no DuckDB warehouse at .*nothing\.duckdb: run `coconstruct run`"):
        run_dbt(duckdb_path=tmp_path / "nothing.duckdb", echo=False)


def test_unknown_destination_is_refused() -> None:
    with pytest.raises(ValueError, match="destination must be one of"):
        run_dbt(destination="bigquery", echo=False)


def test_args_carry_dataset_vars_and_selection(tmp_path: Path) -> None:
    args = build_args("build", destination="duckdb", dataset="raw_b", select="fct_job_cost+",
                      vars={"as_of_date": "2025-06-30"}, work_dir=tmp_path)
    assert args[0] == "build"
    assert args[args.index("--vars") + 1] == '{"coconstruct_dataset": "raw_b", "as_of_date": "2025-06-30"}'
    assert args[args.index("--select") + 1] == "fct_job_cost+"


def test_failed_identity_is_named(golden_path: Path, warehouse: duckdb.DuckDBPyConnection,
                                  tmp_path: Path) -> None:
    broken = tmp_path / "coconstruct.duckdb"
    shutil.copy(golden_path, broken)
    with duckdb.connect(str(broken)) as con:
        change_order_id = con.execute(
            "select min(change_order_id) from analytics.fct_change_orders").fetchone()[0]
        con.execute("update analytics.fct_change_orders set total = total + 0.01 "
                    f"where change_order_id = {change_order_id}")
    with pytest.raises(DbtFailed) as failed:
        run_dbt("test", duckdb_path=broken, select="assert_change_order_totals_equal_lines",
                echo=False)
    assert failed.value.failures == [
        "test assert_change_order_totals_equal_lines: Got 1 result, configured to fail if != 0"]
    assert "assert_change_order_totals_equal_lines" in str(failed.value)
    log_file = str(failed.value).rsplit("the full log is ", 1)[1].rstrip(")")
    assert "assert_change_order_totals_equal_lines" in Path(log_file).read_text()
