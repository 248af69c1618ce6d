"""Dagster definitions: every CoConstruct resource as a dlt asset (dagster-dlt), one partition
per tenant, and the bundled dbt project downstream as dbt assets (dagster-dbt).

    pip install 'coconstruct-elt[dagster]'
    COCONSTRUCT_TENANTS_FILE=tenants.toml dagster dev -m coconstruct_elt.orchestration.dagster_defs

Partitions are tenants, so each tenant is its own run with its own dlt pipeline and state
(`coconstruct_<tenant>`), and a failing tenant fails only its partition. The dbt assets are
not partitioned: they rebuild the marts over every tenant loaded so far. Without a tenants
file, one tenant is read from `sources.coconstruct` (partition `default`).
"""

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dlt
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSelection,
    AssetSpec,
    Definitions,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    StaticPartitionsDefinition,
    define_asset_job,
    definitions,
    schedule,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dbt.cli.main import dbtRunner
from dlt.common.schema import Schema
from dlt.extract.source import DltSource

from coconstruct_elt.dbt_runner import DbtFailed, build_args, project_dir, temporary_environ
from coconstruct_elt.orchestration.tenant_source import tenant_pipeline, tenant_source
from coconstruct_elt.orchestration.tenants_file import load_tenants
from coconstruct_elt.run import (
    RunOptions,
    TenantSpec,
    apply_performance_defaults,
    duckdb_path,
    make_destination,
)
from coconstruct_source.contract import load_contract
from coconstruct_source.source import SOURCE_NAME, build_resources

TENANTS_FILE_ENV = "COCONSTRUCT_TENANTS_FILE"
DEFAULT_LOAD_CRON = "17 * * * *"  # hourly
DEFAULT_DBT_CRON = "47 * * * *"  # half an hour later, over whatever loaded
DEFAULT_PARTITION = "default"


def resource_of_table() -> dict[str, str]:
    """Warehouse table -> the dlt resource that loads it (child tables -> their parent)."""
    return {t.name: r.name for r in load_contract().resources.values() for t in r.all_tables}


def shape_source() -> DltSource:
    """The source's resources over a fetcher never called: definitions load without a login."""

    def unused(path: str, updated_since: str | None) -> Iterator[list[dict[str, Any]]]:
        raise RuntimeError("the definition-time source does not fetch; build the tenant's source")

    return DltSource(
        Schema(SOURCE_NAME), SOURCE_NAME, build_resources(unused, lambda: "")
    )


class CoconstructDltTranslator(DagsterDltTranslator):
    """Asset key `coconstruct/<resource>`, no upstream deps (the API is not an asset)."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> Any:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(key=AssetKey([SOURCE_NAME, data.resource.name]), deps=[])


class CoconstructDbtTranslator(DagsterDbtTranslator):
    """dbt source tables are the warehouse tables `coconstruct/<table>`: a resource's own table
    is its dlt asset, a child table (change_order_lines...) the child spec below."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        props = dbt_resource_props
        if props["resource_type"] == "source" and props["source_name"] == SOURCE_NAME:
            return AssetKey([SOURCE_NAME, props["name"]])
        return super().get_asset_key(props)


def child_table_specs(partitions: StaticPartitionsDefinition) -> list[AssetSpec]:
    """Child tables as specs downstream of the resource that loads them (lineage to dbt)."""
    return [
        AssetSpec(
            key=AssetKey([SOURCE_NAME, table]),
            deps=[AssetKey([SOURCE_NAME, resource])],
            group_name="coconstruct_raw",
            partitions_def=partitions,
            description=f"child table of {resource}, loaded with it",
        )
        for table, resource in resource_of_table().items()
        if table != resource
    ]


def _report_children(context: AssetExecutionContext) -> None:
    """The children of the resources just loaded were loaded too: record it."""
    loaded = {key.path[-1] for key in context.selected_asset_keys}
    for table, resource in resource_of_table().items():
        if table != resource and resource in loaded:
            context.log_event(
                AssetMaterialization(
                    asset_key=AssetKey([SOURCE_NAME, table]), partition=context.partition_key
                )
            )


def dbt_manifest(options: RunOptions) -> Path:
    """`dbt parse` of the bundled project (in-process, no warehouse needed): manifest.json."""
    work_dir = Path(tempfile.gettempdir()) / "coconstruct-dagster" / options.destination
    args = build_args(
        "parse",
        destination=options.destination,
        dataset=options.dataset,
        select=None,
        vars=None,
        work_dir=work_dir,
    )
    result = dbtRunner().invoke(args)
    if not result.success:
        raise DbtFailed([f"dbt parse failed: {result.exception or 'see the dbt log'}"])
    return work_dir / "target" / "manifest.json"


def _dbt_executable() -> str:
    """`dbt` next to this interpreter, else on PATH (dagster-dbt runs it as a subprocess)."""
    here = Path(sys.executable).parent / "dbt"
    return str(here) if here.exists() else (shutil.which("dbt") or "dbt")


def build_definitions(
    tenants: Sequence[TenantSpec],
    options: RunOptions | None = None,
    *,
    load_cron: str = DEFAULT_LOAD_CRON,
    dbt_cron: str = DEFAULT_DBT_CRON,
) -> Definitions:
    """Dagster definitions for these tenants (partition key = tenant name), with two
    schedules: one load run per tenant on `load_cron`, the dbt build on `dbt_cron`."""
    options = options or RunOptions()
    by_partition = {t.name or DEFAULT_PARTITION: t for t in tenants}
    partitions = StaticPartitionsDefinition(list(by_partition))

    @dlt_assets(
        dlt_source=shape_source(),
        dlt_pipeline=dlt.pipeline(
            pipeline_name="coconstruct_dagster",
            destination=make_destination(options),
            dataset_name=options.dataset,
            pipelines_dir=options.pipelines_dir,
        ),
        name="coconstruct_raw",
        group_name="coconstruct_raw",
        dagster_dlt_translator=CoconstructDltTranslator(),
        partitions_def=partitions,
    )
    def coconstruct_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        tenant = by_partition[context.partition_key]
        apply_performance_defaults()
        tenant_id, source, client = tenant_source(tenant, options)
        pipeline = tenant_pipeline(tenant_id, options)
        try:
            yield from dlt.run(
                context, dlt_source=source, dlt_pipeline=pipeline, loader_file_format="parquet"
            )
            _report_children(context)
        finally:
            client.close()

    dbt_env = (
        {"COCONSTRUCT_DUCKDB_PATH": str(Path(duckdb_path(options)).resolve())}
        if options.destination == "duckdb"
        else {}
    )

    @dbt_assets(
        manifest=dbt_manifest(options),
        dagster_dbt_translator=CoconstructDbtTranslator(),
        name="coconstruct_dbt",
    )
    def coconstruct_dbt(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        vars_arg = json.dumps({"coconstruct_dataset": options.dataset})
        with temporary_environ(dbt_env):
            invocation = dbt.cli(["build", "--vars", vars_arg], context=context)
        yield from invocation.stream()

    load_job = define_asset_job(
        "coconstruct_load",
        selection=AssetSelection.assets(coconstruct_raw),
        partitions_def=partitions,
    )
    dbt_job = define_asset_job(
        "coconstruct_dbt_build", selection=AssetSelection.assets(coconstruct_dbt)
    )

    @schedule(job=load_job, cron_schedule=load_cron, execution_timezone="UTC")
    def coconstruct_load_schedule(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        """One run per tenant: a failing tenant fails its own run only."""
        for key in partitions.get_partition_keys():
            yield RunRequest(partition_key=key, run_key=f"{key}:{context.scheduled_execution_time}")

    project = project_dir()
    return Definitions(
        jobs=[load_job, dbt_job],
        schedules=[
            coconstruct_load_schedule,
            ScheduleDefinition(job=dbt_job, cron_schedule=dbt_cron, execution_timezone="UTC"),
        ],
        assets=[coconstruct_raw, *child_table_specs(partitions), coconstruct_dbt],
        resources={
            "dlt": DagsterDltResource(),
            "dbt": DbtCliResource(
                project_dir=str(project),
                profiles_dir=str(project),
                target=options.destination,
                dbt_executable=_dbt_executable(),
            ),
        },
    )


@definitions
def defs() -> Definitions:
    """For `dagster dev -m ...` (loaded lazily, not at import): tenants from
    $COCONSTRUCT_TENANTS_FILE, else the one tenant configured in `sources.coconstruct`."""
    tenants_file = os.environ.get(TENANTS_FILE_ENV)
    return build_definitions(load_tenants(tenants_file) if tenants_file else [TenantSpec()])
