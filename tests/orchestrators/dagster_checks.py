"""Run inside the Dagster overlay venv (see test_dagster.py): the definitions materialize
two sandbox tenants as partitions, then the dbt assets over both."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    build_schedule_context,
    materialize,
)

from coconstruct_elt.orchestration.dagster_defs import build_definitions
from coconstruct_elt.orchestration.tenants_file import load_tenants
from coconstruct_elt.run import RunOptions
from coconstruct_sandbox.server import SandboxServer
from coconstruct_source.contract import load_contract
from tests.multi_tenant.helpers import configure_section, tenant_mismatches, write_tenants_file

SEEDS = {"north": 1, "south": 2}


def test_partitions_per_tenant_then_dbt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SandboxServer(size="small", seed=1) as north, SandboxServer(size="small", seed=2) as south:
        servers = {"north": north, "south": south}
        for name, server in servers.items():
            configure_section(monkeypatch, name, server)
        options = RunOptions(
            duckdb_path=str(tmp_path / "wh.duckdb"),
            pipelines_dir=str(tmp_path / "pipelines"),
            session_cache=False,
        )
        tenants = load_tenants(write_tenants_file(tmp_path / "tenants.toml", {t: t for t in SEEDS}))
        defs = build_definitions(tenants, options)
        assets = list(defs.assets or [])
        dbt_assets = [
            a
            for a in assets
            if isinstance(a, AssetsDefinition) and a.node_def.name == "coconstruct_dbt"
        ]
        raw_keys = {AssetKey(["coconstruct", r]) for r in load_contract().resources}
        children = {
            AssetKey(["coconstruct", t.name])
            for r in load_contract().resources.values()
            for t in r.all_tables
            if t.name != r.name
        }

        # the load schedule asks for one run per tenant partition
        load_schedule = defs.resolve_schedule_def("coconstruct_load_schedule")
        tick = build_schedule_context(
            scheduled_execution_time=datetime(2026, 1, 1, 5, 17, tzinfo=UTC),
            repository_def=defs.get_repository_def(),
        )
        requests = load_schedule.evaluate_tick(tick).run_requests or []
        assert sorted(r.partition_key for r in requests) == sorted(SEEDS)

        for tenant in SEEDS:
            result = materialize(
                assets,
                partition_key=tenant,
                resources=defs.resources,
                selection=AssetSelection.assets(*raw_keys),
            )
            assert result.success
            done = {e.asset_key for e in result.get_asset_materialization_events()}
            # one asset per resource, all materialized, and their child tables reported
            assert done == raw_keys | children
            assert tenant_mismatches(servers[tenant], options.duckdb_path, tenant) == []

        result = materialize(
            assets,
            resources=defs.resources,
            selection=AssetSelection.assets(*dbt_assets),
        )
        assert result.success
        built = {e.asset_key for e in result.get_asset_materialization_events()}
        assert AssetKey(["dim_projects"]) in built and AssetKey(["fct_job_cost"]) in built

    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        per_tenant = dict(
            con.execute(
                "select tenant_id, count(*) from analytics.dim_projects group by 1"
            ).fetchall()
        )
        pipelines = {
            r[0]
            for r in con.execute(
                "select distinct pipeline_name from coconstruct_raw._dlt_pipeline_state"
            ).fetchall()
        }
    assert per_tenant == {t: len(s.store.export("projects")) for t, s in servers.items()}
    assert pipelines == {"coconstruct_north", "coconstruct_south"}
