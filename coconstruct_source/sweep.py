"""The full key sweep: hard deletes the incremental feed never announced (no tombstone).

Every `full_sweep_every` (`[sources.coconstruct]`, e.g. "7d"; off by default) or on
`coconstruct run --sweep`, each list endpoint is read in full without `updated_since` (live
records only) and its keys, and those of its lines, are compared with the warehouse's for
the tenant. Stored keys the API no longer lists are deleted: a parent as a tombstone row
(which also removes its lines); a line of a live parent by loading that parent again (its
lines replace the stored ones through the child table's merge key). The listing must
complete: any error fails the sweep before anything is deleted. Records with lines are held
in memory during their resource's sweep.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from coconstruct_source.arrow_pages import convert_page
from coconstruct_source.contract import CURSOR_COLUMN, DELETED_COLUMN, ResourceSpec, TableSpec
from coconstruct_source.errors import CoconstructError, PermissionDenied
from coconstruct_source.lag_window import format_cursor

StoredKeys = Callable[[TableSpec], set[tuple[Any, ...]]]
"""table → the keys (`key_columns`) the warehouse holds for this tenant."""
PageFetcher = Callable[[str, str | None], Iterator[list[dict[str, Any]]]]

STATE_KEY = "last_full_sweep"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_every(value: Any) -> timedelta | None:
    """"7d", "12h", "30m", "90s", "2w" or seconds; None/""/"off"/0 → never."""
    if value in (None, "", 0, "0") or str(value).lower() in ("off", "never", "false"):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(value).lower())
    if not match:
        raise CoconstructError(
            f"[sources.coconstruct] full_sweep_every = {value!r}: use e.g. \"7d\", \"12h\" or \"off\""
        )
    return timedelta(seconds=float(match[1]) * _UNITS[match[2] or "s"])


def sweep_due(last: str | None, every: timedelta | None, now: datetime) -> bool:
    if every is None:
        return False
    if last is None:
        return True
    return now - datetime.fromisoformat(last.replace("Z", "+00:00")) >= every


def key_columns(table: TableSpec) -> tuple[str, ...]:
    """The primary key, and the parent key of a line (to delete it through its parent)."""
    parent = (table.parent_key,) if table.parent_key else ()
    return tuple(dict.fromkeys((*table.primary_key, *parent)))


def _keys(table: TableSpec, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in key_columns(table))


def _listing(
    spec: ResourceSpec, fetch_pages: PageFetcher
) -> tuple[dict[str, set[tuple[Any, ...]]], dict[Any, dict[str, Any]]]:
    """Live keys per table, and the live records that have lines (by id)."""
    live: dict[str, set[tuple[Any, ...]]] = {t.name: set() for t in spec.all_tables}
    parents: dict[Any, dict[str, Any]] = {}
    for page in fetch_pages(spec.path, None):
        for record in page:
            if record.get(DELETED_COLUMN) is True:
                continue
            live[spec.table.name].add(_keys(spec.table, record))
            if spec.table.children:
                parents[record.get("id")] = record
            for prop, child in spec.table.children:
                for line in record.get(prop) or ():
                    live[child.name].add(_keys(child, line))
    return live, parents


def sweep_resource(
    spec: ResourceSpec,
    fetch_pages: PageFetcher,
    tenant_id: str,
    stored: StoredKeys,
    swept_at: datetime,
    hints: Callable[[TableSpec], Any],
) -> DltResource:
    """A resource of the same name as `spec`'s, yielding only the deletions the sweep found."""
    cursor = format_cursor(swept_at)

    def deletions() -> Iterator[Any]:
        try:
            live, parents = _listing(spec, fetch_pages)
        except PermissionDenied:
            return  # the incremental run already warned about this resource
        root = spec.table
        gone = sorted(stored(root) - live[root.name])
        # a parent gone: its tombstone (its sentinel lines remove all its lines)
        records = [{"id": k[0], CURSOR_COLUMN: cursor, DELETED_COLUMN: True} for k in gone]
        # a line gone from a live parent: the parent again, whose lines replace the stored ones
        strays = {
            row[key_columns(child).index(child.parent_key)]
            for _, child in root.children
            for row in stored(child) - live[child.name]
        }
        records += [parents[p] for p in sorted(strays & parents.keys())]
        dlt.current.source_state()[STATE_KEY] = cursor  # committed with the load package
        if not records:
            return
        tables = convert_page(records, root, tenant_id).tables
        for table in spec.all_tables:
            if tables[table.name].num_rows:
                yield dlt.mark.with_hints(tables[table.name], hints(table),
                                          create_table_variant=True)

    return dlt.resource(deletions, name=spec.name, write_disposition="merge")()


def warehouse_keys(pipeline: dlt.Pipeline, tenant_id: str) -> StoredKeys:
    """Stored keys of one tenant, read through the pipeline's destination client."""
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    def stored(table: TableSpec) -> set[tuple[Any, ...]]:
        cols = ", ".join(key_columns(table))
        try:
            with pipeline.sql_client() as client:
                name = client.make_qualified_table_name(table.name)
                rows = client.execute_sql(
                    f"select {cols} from {name} where tenant_id = %s", tenant_id
                )
        except DatabaseUndefinedRelation:
            return set()
        return {tuple(r) for r in rows or ()}

    return stored


def extract_sweep(
    pipeline: dlt.Pipeline,
    source: Any,
    tenant_id: str,
    fetch_pages: PageFetcher,
    *,
    forced: bool,
    every: Any,
    hints: Callable[[TableSpec], Any],
) -> bool:
    """Extract the sweep's deletions into `pipeline` when forced or due; True if it ran."""
    from dlt.common.schema import Schema
    from dlt.extract.source import DltSource

    from coconstruct_source.contract import load_contract

    now = datetime.now(UTC)
    last = pipeline.state.get("sources", {}).get(source.name, {}).get(STATE_KEY)
    if not forced and not sweep_due(last, parse_every(every), now):
        return False
    selected = set(source.selected_resources)
    stored = warehouse_keys(pipeline, tenant_id)
    resources = [
        sweep_resource(spec, fetch_pages, tenant_id, stored, now, hints)
        for spec in load_contract().resources.values()
        if spec.paged and spec.name in selected
    ]
    pipeline.extract(
        DltSource(Schema(source.name), source.name, resources), loader_file_format="parquet"
    )
    return True
