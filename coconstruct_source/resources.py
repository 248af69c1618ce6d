"""The dlt resources: one per contract entity, yielding one arrow table per page and table.

Resources do not talk HTTP themselves: they get a `PageFetcher` (path, updated_since) →
pages of records, built by `source.py` on top of the session/HTTP layer, so they can be
tested with fake page iterators.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns
from dlt.extract.resource import DltResource

from coconstruct_source.arrow_pages import child_deletions, convert_page
from coconstruct_source.contract import (
    CURSOR_COLUMN,
    DECIMAL_PRECISION,
    DELETED_COLUMN,
    TENANT_COLUMN,
    Column,
    ResourceSpec,
    TableSpec,
)
from coconstruct_source.drift import DriftPolicy
from coconstruct_source.errors import PermissionDenied
from coconstruct_source.lag_window import LagWindow, format_cursor
from coconstruct_source.quarantine import (
    QUARANTINE_TABLE,
    page_cursor,
    quarantine_hints,
    quarantine_table,
)
from coconstruct_source.rejects import RejectHandler, log_reject
from coconstruct_source.relisted_parents import RelistedParents

logger = logging.getLogger("coconstruct_source")

FIRST_RUN_SINCE = "1970-01-01T00:00:00.000000Z"

PageFetcher = Callable[[str, str | None], Iterator[list[dict[str, Any]]]]
"""(path, updated_since or None) → pages of records (one list per API page)."""

def column_hint(column: Column, primary_key: tuple[str, ...]) -> TColumnSchema:
    """dlt column schema for one contract column (only primary keys are NOT NULL:
    tombstones and child sentinels carry nothing but keys)."""
    hint: TColumnSchema = {"name": column.name, "nullable": column.name not in primary_key}
    if column.kind == "decimal":
        hint.update(data_type="decimal", precision=DECIMAL_PRECISION, scale=column.scale)
    elif column.kind == "timestamp":
        hint.update(data_type="timestamp", timezone=True, precision=6)
    else:
        hint["data_type"] = column.kind  # date, bigint, bool, text are dlt type names
    if column.name == DELETED_COLUMN:
        hint["hard_delete"] = True
    if column.name == CURSOR_COLUMN:
        hint["dedup_sort"] = "desc"
    return hint


def table_columns(table: TableSpec) -> TTableSchemaColumns:
    key = primary_key(table)
    columns: TTableSchemaColumns = {
        TENANT_COLUMN: {"name": TENANT_COLUMN, "data_type": "text", "nullable": False}
    }
    for column in table.columns:
        columns[column.name] = column_hint(column, key)
    return columns


def primary_key(table: TableSpec) -> tuple[str, ...]:
    return (TENANT_COLUMN, *table.primary_key)


def table_hints(table: TableSpec) -> Any:
    """Hints of one warehouse table. Applied per table (a dlt table variant) rather than on
    the resource, because resource-level columns would leak into the child tables."""
    hints: dict[str, Any] = {
        "table_name": table.name,
        "primary_key": list(primary_key(table)),
        "write_disposition": "merge",
        "columns": table_columns(table),
    }
    if table.parent_key:
        for name in (TENANT_COLUMN, table.parent_key):  # clears the merge_key of older schemas
            hints["columns"][name]["merge_key"] = False
        hints["write_disposition"] = {
            "disposition": "merge",
            "strategy": "delete-insert",
            "destination_scope": parent_scope(table.parent_key),
        }
    return dlt.mark.make_hints(**hints)


def parent_scope(parent_key: str) -> str:
    """The child rows a load replaces: every stored line of a parent it stages.

    Used instead of a `merge_key`: with both a primary and a merge key dlt deletes on
    `pk OR merge key` inside one correlated EXISTS, which DuckDB runs as a nested loop
    (~20 s per line table on `large` for a 1% change). A line never changes parent, so
    the parent alone selects every row the primary key would; the primary key still
    de-duplicates the staged rows (newest `updated_at` wins)."""
    on = " AND ".join(f"s.{c} = {{table}}.{c}" for c in (TENANT_COLUMN, parent_key))
    return f"EXISTS (SELECT 1 FROM {{staging_table}} AS s WHERE {on})"


def _yield_tables(
    spec: ResourceSpec,
    pages: Iterator[list[dict[str, Any]]],
    tenant_id: Callable[[], str],
    on_reject: RejectHandler,
    window: LagWindow | None = None,
    policy: DriftPolicy | None = None,
) -> Iterator[Any]:
    batches = _Batches(spec)
    policy = policy or DriftPolicy()
    tenant = tenant_id()
    relisted = RelistedParents(spec.table) if spec.table.children else None
    for page_records in pages:
        records = window.fresh(page_records) if window else page_records
        if not records:
            continue
        page = convert_page(records, spec.table, tenant, policy)
        for reject in page.rejects:
            on_reject(reject)
        tables = list(page.tables.items())
        if page.rejects:  # never dropped silently: they land in the quarantine table
            fallback = page_cursor(records)
            tables.append((QUARANTINE_TABLE, quarantine_table(page.rejects, tenant, fallback)))
        if relisted:
            for name, (keys, cursors) in relisted.dropped(records).items():
                child = spec.table_named(name)
                tables.append((name, child_deletions(child, keys, cursors, tenant)))
        for name, table in tables:
            yield from batches.add(name, table)
    yield from batches.flush()


BATCH_ROWS = 20_000
"""Rows of one table gathered from several pages before they go to dlt: dlt's cost per
item (computing the table schema: ~15% of a full extract at one item per page) is then
paid once per batch."""


class _Batches:
    """Arrow tables of one resource, per warehouse table, yielded in batches of
    `BATCH_ROWS` rows, the first of each table with its hints."""

    def __init__(self, spec: ResourceSpec) -> None:
        self.spec = spec
        self.parts: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}
        self.hinted: set[str] = set()

    def add(self, name: str, table: pa.Table) -> Iterator[Any]:
        if table.num_rows == 0:
            return
        self.parts.setdefault(name, []).append(table)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        if self.rows[name] >= BATCH_ROWS:
            yield self._take(name)

    def flush(self) -> Iterator[Any]:
        for name in list(self.parts):
            yield self._take(name)

    def _take(self, name: str) -> Any:
        parts = self.parts.pop(name)
        del self.rows[name]
        table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="permissive")
        if name in self.hinted:
            return dlt.mark.with_table_name(table, name)
        self.hinted.add(name)
        return dlt.mark.with_hints(table, _hints_of(self.spec, name), create_table_variant=True)


def _hints_of(spec: ResourceSpec, name: str) -> Any:
    if name == QUARANTINE_TABLE:
        return quarantine_hints()
    return table_hints(spec.table_named(name))


def _skip_denied(
    spec: ResourceSpec, error: Exception, on_denied: Callable[[str, Exception], None] | None
) -> None:
    logger.warning(
        "resource %r skipped: this account may not read %s (%s); the other resources load",
        spec.name,
        spec.path,
        error,
    )
    if on_denied:
        on_denied(spec.name, error)


def make_resource(
    spec: ResourceSpec,
    fetch_pages: PageFetcher,
    tenant_id: Callable[[], str],
    *,
    lag_seconds: int = 300,
    on_reject: RejectHandler = log_reject,
    on_denied: Callable[[str, Exception], None] | None = None,
) -> DltResource:
    """The dlt resource of one contract entity.

    Incremental on `updated_at` (lag `lag_seconds`): the lag-adjusted start value is sent as
    `updated_since`, so the server filters and also sends tombstones; the first run (no
    state) sends the epoch, so records deleted while it lists come as tombstones too. Merge on (tenant_id, id); `deleted` is the hard-delete
    column; child tables replace a parent's lines through their merge key. Bad records go
    to the quarantine table; new fields and changed types follow the configured
    `DriftPolicy` (drift.py), also given to dlt as the resource's schema contract.
    """
    policy = DriftPolicy.from_config()
    common: dict[str, Any] = {"name": spec.name, "write_disposition": "merge"}
    if policy.schema_contract():
        common["schema_contract"] = policy.schema_contract()

    if not spec.paged:

        def single() -> Iterator[pa.Table]:
            # no updated_since on a single object: the window drops an unchanged version
            window = LagWindow(dlt.current.resource_state(), 0)
            try:
                yield from _yield_tables(
                    spec, fetch_pages(spec.path, None), tenant_id, on_reject, window, policy
                )
            except PermissionDenied as e:
                _skip_denied(spec, e, on_denied)
                return
            window.save()

        return dlt.resource(single, **common)()

    # primary_key=(): no boundary de-duplication by dlt, the merge already dedups on keys
    updated_at = dlt.sources.incremental[datetime](CURSOR_COLUMN, lag=lag_seconds, primary_key=())

    def paged(cursor: dlt.sources.incremental[datetime] = updated_at) -> Iterator[pa.Table]:
        # always filtered, from the epoch on a first run, so deletions during it come as tombstones
        since = format_cursor(cursor.start_value) or FIRST_RUN_SINCE
        window = LagWindow(dlt.current.resource_state(), lag_seconds)
        try:
            yield from _yield_tables(
                spec, fetch_pages(spec.path, since), tenant_id, on_reject, window, policy
            )
        except PermissionDenied as e:
            _skip_denied(spec, e, on_denied)
            return
        window.save()

    return dlt.resource(paged, **common)()
