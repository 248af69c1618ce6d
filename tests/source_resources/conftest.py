"""Fixtures: an in-memory tenant and a pipeline runner over it (no HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from dlt.common.schema import Schema
from dlt.extract.source import DltSource

from coconstruct_elt.run import RunOptions, TenantSpec, apply_performance_defaults, run_tenant
from coconstruct_elt.summary import TenantRun
from coconstruct_source.contract import load_contract
from coconstruct_source.source import SOURCE_NAME, build_resources
from tests.source_resources.fake_api import FakeTenant

TENANT = "acme-homes"


@pytest.fixture
def fake() -> FakeTenant:
    return FakeTenant(per_resource=25, seed=7, slug=TENANT)


@pytest.fixture
def options(tmp_path) -> RunOptions:
    apply_performance_defaults()
    return RunOptions(
        duckdb_path=str(tmp_path / "wh.duckdb"),
        pipelines_dir=str(tmp_path / "pipelines"),
        lag_seconds=5,
    )


@pytest.fixture
def run_fake(fake: FakeTenant, options: RunOptions) -> Callable[..., TenantRun]:
    def run(**changes: Any) -> TenantRun:
        opts = RunOptions(**{**options.__dict__, **changes})

        def factory(tenant, run_options, events):
            resources = build_resources(
                fake.fetch_pages,
                lambda: TENANT,
                lag_seconds=run_options.lag_seconds,
                on_reject=events.on_reject,
                on_denied=events.on_denied,
            )
            return TENANT, DltSource(Schema(SOURCE_NAME), SOURCE_NAME, resources)

        return run_tenant(TenantSpec(), opts, source_factory=factory)

    return run


def warehouse_state(db_path: str, dataset: str = "coconstruct_raw") -> dict[str, dict[str, Any]]:
    """Per table: row count and money sums, from the warehouse."""
    out: dict[str, dict[str, Any]] = {}
    with duckdb.connect(db_path, read_only=True) as con:
        for spec in load_contract().resources.values():
            for table in spec.all_tables:
                money = [c.name for c in table.columns if c.kind == "decimal"]
                exprs = ", ".join(["count(*)", *(f"coalesce(sum({m}), 0)" for m in money)])
                row = con.execute(f"select {exprs} from {dataset}.{table.name}").fetchone()
                out[table.name] = {
                    "count": row[0],
                    "sums": {m: Decimal(v) for m, v in zip(money, row[1:], strict=True)},
                }
    return out
