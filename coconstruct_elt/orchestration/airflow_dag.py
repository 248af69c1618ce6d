"""An Airflow DAG: one dlt task group per tenant (dlt's `PipelineTasksGroup`), then dbt.

    pip install 'coconstruct-elt[airflow]'

Put a two-line file in your dags folder (see examples/airflow/coconstruct_dag.py):

    from coconstruct_elt.orchestration.airflow_dag import dag_from_tenants_file
    dag = dag_from_tenants_file("/etc/coconstruct/tenants.toml")

Each tenant runs as its own task with its own pipeline `coconstruct_<tenant>`; its state is
restored from the warehouse at the start of the task, so workers need no local state. The
source is built inside the task (the login happens at run time, never at DAG parse time).
The dbt task runs once every tenant task is done and at least one succeeded, so one failing
tenant does not keep the others' marts stale; the `all_tenants_loaded` task still fails the
DAG run (and alerts) when any tenant failed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow.task.trigger_rule import TriggerRule
from dlt.common import pendulum
from dlt.extract.source import DltSource
from dlt.helpers.airflow_helper import PipelineTasksGroup

from coconstruct_elt.orchestration.tenant_source import tenant_pipeline, tenant_source
from coconstruct_elt.orchestration.tenants_file import load_tenants
from coconstruct_elt.run import (
    RunOptions,
    TenantSpec,
    apply_performance_defaults,
    duckdb_path,
    pipeline_name_for,
)

DEFAULT_SCHEDULE = "0 5 * * *"  # daily, 05:00 UTC
DEFAULT_TENANT = "default"


def _source_at_run_time(tenant: TenantSpec, options: RunOptions) -> DltSource:
    """Called by PipelineTasksGroup inside the task, right before the run."""
    apply_performance_defaults()
    _tenant_id, source, _client = tenant_source(tenant, options)
    return source


def _dbt_build(options: RunOptions) -> str:
    from coconstruct_elt.dbt_runner import run_dbt

    outcome = run_dbt(
        "build",
        destination=options.destination,
        duckdb_path=duckdb_path(options) if options.destination == "duckdb" else None,
        dataset=options.dataset,
        echo=True,
    )
    return outcome.summary()


def build_dag(
    tenants: Sequence[TenantSpec],
    options: RunOptions | None = None,
    *,
    dag_id: str = "coconstruct",
    schedule: str | None = DEFAULT_SCHEDULE,
    start_date: datetime | None = None,
    retries: int = 1,
    **dag_kwargs: Any,
) -> DAG:
    """The DAG: `<pipeline>` task groups (one per tenant, in parallel), then `dbt_build`."""
    options = options or RunOptions()
    default_args = {"retries": retries, "retry_delay": timedelta(minutes=5)}
    with DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date or pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,  # two runs of one tenant pipeline must never overlap
        default_args=default_args,
        tags=["coconstruct", "dlt", "dbt"],
        **dag_kwargs,
    ) as dag:
        loads = []
        for tenant in tenants:
            tenant_id = tenant.name or DEFAULT_TENANT
            # the group first: it points dlt's data dir at a fresh folder for the pipeline
            group = PipelineTasksGroup(
                pipeline_name_for(tenant_id),
                use_data_folder=False,
                wipe_local_data=True,
                log_progress_period=30.0,
            )
            pipeline = tenant_pipeline(tenant_id, options)
            loads += group.add_run(
                pipeline,
                partial(_source_at_run_time, tenant, options),
                decompose="none",
                loader_file_format="parquet",
            )
        dbt = PythonOperator(
            task_id="dbt_build",
            python_callable=partial(_dbt_build, options),
            trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS,
        )
        # Airflow rates a run by its leaf tasks: this one fails it when any tenant failed
        all_loaded = EmptyOperator(
            task_id="all_tenants_loaded", trigger_rule=TriggerRule.ALL_SUCCESS
        )
        for load in loads:
            load >> [dbt, all_loaded]
    return dag


def dag_from_tenants_file(path: str | os.PathLike[str], **kwargs: Any) -> DAG:
    """`build_dag` over the tenants of a tenants file (see coconstruct_elt/orchestration/tenants_file.py)."""
    return build_dag(load_tenants(path), **kwargs)
