"""A golden raw warehouse: the sandbox's own export, typed per the contract, in DuckDB.

Independent of the connector: lets the dbt project be built and checked against exactly
what the sandbox says the warehouse should hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tests.dbt.raw_schema import RawTable, raw_tables


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _create(con: duckdb.DuckDBPyConnection, dataset: str, table: RawTable) -> None:
    cols = ", ".join(f'"{c}" {t}' for c, t in table.columns.items())
    con.execute(f'create or replace table "{dataset}"."{table.name}" ({cols})')


def _insert(con: duckdb.DuckDBPyConnection, dataset: str, table: RawTable,
            rows: list[dict], tenant_id: str) -> None:
    if not rows:
        return
    names = list(table.columns)
    data = {c: [_as_text(tenant_id if c == "tenant_id" else r.get(c)) for r in rows] for c in names}
    if "deleted" in data:
        data["deleted"] = ["false" if v is None else v for v in data["deleted"]]
    staged = pa.table({c: pa.array(v, pa.string()) for c, v in data.items()})  # noqa: F841
    casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in table.columns.items())
    con.execute(f'insert into "{dataset}"."{table.name}" select {casts} from staged')


def load_golden(path: Path, store: Any | None, *, dataset: str = "coconstruct_raw",
                tenant_id: str | None = None) -> dict[str, int]:
    """Create every raw table in `path` and fill it from `store.export` (empty when no store).

    Returns the row count per table.
    """
    tenant = tenant_id or (store.company["slug"] if store is not None else "demo")
    counts: dict[str, int] = {}
    with duckdb.connect(str(path)) as con:
        con.execute(f'create schema if not exists "{dataset}"')
        for table in raw_tables().values():
            _create(con, dataset, table)
            rows = store.export(table.name) if store is not None else []
            _insert(con, dataset, table, rows, tenant)
            counts[table.name] = len(rows)
    return counts
