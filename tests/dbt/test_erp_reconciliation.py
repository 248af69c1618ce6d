"""The shipped ERP sample: reproducible from the sandbox, and erp_reconciliation reports
exactly its planted differences (and the unmapped documents), nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from coconstruct_elt.dbt_runner import project_dir
from coconstruct_sandbox.erp_sample import MANIFEST_FILE, TRANSACTIONS_FILE, write_sample
from tests.dbt.conftest import query

SEEDS = project_dir() / "seeds"
KINDS = {"amount_differs", "coconstruct_only", "erp_only", "unmapped"}


def _manifest() -> dict:
    return json.loads((SEEDS / MANIFEST_FILE).read_text(encoding="utf-8"))


def test_committed_sample_equals_a_fresh_generation(tmp_path: Path, tenant_store: Any) -> None:
    write_sample(tenant_store, 1, tmp_path, size="small")
    for name in (TRANSACTIONS_FILE, MANIFEST_FILE):
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), (
            f"{name} is stale: run python -m coconstruct_sandbox.erp_sample "
            "--size small --seed 1 --out dbt_models/seeds")


def test_manifest_plants_every_kind_of_difference() -> None:
    assert set(_manifest()["counts"]) == KINDS


def test_reconciliation_finds_every_planted_difference_and_no_other(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = query(warehouse, """
        select reconciliation_status, doc_type, project_id, cost_code_id, doc_number,
            cast(coconstruct_amount as varchar), cast(erp_amount as varchar)
        from analytics.erp_reconciliation
        where reconciliation_status <> 'matched'""")
    found = sorted(rows, key=str)
    planted = sorted(
        (tuple(d[k] for k in ("status", "doc_type", "project_id", "cost_code_id", "doc_number",
                              "coconstruct_amount", "erp_amount")) for d in _manifest()["differences"]),
        key=str)
    assert found == planted


def test_reconciliation_amount_difference_and_matches(warehouse: duckdb.DuckDBPyConnection) -> None:
    differs = query(warehouse, """
        select count(*) from analytics.erp_reconciliation
        where reconciliation_status = 'amount_differs'
            and amount_difference <> coconstruct_amount - erp_amount""")[0][0]
    assert differs == 0
    matched = query(warehouse, """
        select count(*), count(distinct doc_type) from analytics.erp_reconciliation
        where reconciliation_status = 'matched' and amount_difference = 0""")[0]
    counts = _manifest()["counts"]
    # every other ERP document matched: ERP rows less the one split over two rows, the
    # ERP-only rows and the differing ones
    expected = _manifest()["erp_rows"] - 1 - counts["erp_only"] - counts["amount_differs"]
    assert matched == (expected, 2)
