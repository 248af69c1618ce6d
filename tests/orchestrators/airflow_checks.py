"""Run inside the Airflow overlay venv (see test_airflow.py), with AIRFLOW_HOME set to a
temporary folder: `dag.test()` of the DAG over three tenants, one with a wrong password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from coconstruct_elt.orchestration.airflow_dag import dag_from_tenants_file
from coconstruct_elt.run import RunOptions
from coconstruct_sandbox.server import SandboxServer
from tests.multi_tenant.helpers import configure_section, tenant_mismatches, write_tenants_file


def test_dag_loads_each_tenant_then_dbt_and_reports_the_failing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    with (
        SandboxServer(size="small", seed=1) as north,
        SandboxServer(size="small", seed=2) as south,
        SandboxServer(size="small", seed=3) as other,
    ):
        configure_section(monkeypatch, "north", north)
        configure_section(monkeypatch, "south", south)
        configure_section(monkeypatch, "broken", other, password="wrong-password-42")
        options = RunOptions(duckdb_path=str(tmp_path / "wh.duckdb"))
        tenants_file = write_tenants_file(
            tmp_path / "tenants.toml", {"north": "north", "broken": "broken", "south": "south"}
        )
        # Airflow 3 runs only DAGs it parsed from its dags folder: put one there
        monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", options.duckdb_path)
        dags = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
        dags.mkdir(parents=True, exist_ok=True)
        (dags / "coconstruct_dag.py").write_text(
            "from coconstruct_elt.orchestration.airflow_dag import dag_from_tenants_file\n"
            f"dag = dag_from_tenants_file({str(tenants_file)!r}, retries=0, schedule=None)\n"
        )
        dag = dag_from_tenants_file(tenants_file, retries=0, schedule=None)
        run = dag.test()

        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert states == {
            "coconstruct_north.coconstruct_north": "success",
            "coconstruct_broken.coconstruct_broken": "failed",
            "coconstruct_south.coconstruct_south": "success",
            "dbt_build": "success",
            "all_tenants_loaded": "upstream_failed",
        }, states
        assert run.state == "failed"  # the partial failure shows on the DAG run
        assert tenant_mismatches(north, options.duckdb_path, "north") == []
        assert tenant_mismatches(south, options.duckdb_path, "south") == []

    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        per_tenant = dict(
            con.execute(
                "select tenant_id, count(*) from analytics.dim_projects group by 1"
            ).fetchall()
        )
    assert per_tenant == {
        "north": len(north.store.export("projects")),
        "south": len(south.store.export("projects")),
    }
