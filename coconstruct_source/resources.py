"""The dlt resources: one per contract entity, yielding one arrow table per page and table.

Resources do not talk HTTP themselves: they get a `PageFetcher` (path, updated_since) →
pages of records, built by `source.py` on top of the session/HTTP layer, so they can be
tested with fake page iterators.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns
from dlt.extract.resource import DltResource

from coconstruct_source.arrow_pages import Reject, child_deletions, convert_page
from coconstruct_source.contract import (
    CURSOR_COLUMN,
    DECIMAL_PRECISION,
    DELETED_COLUMN,
    TENANT_COLUMN,
    Column,
    ResourceSpec,
    TableSpec,
)
from coconstruct_source.errors import PermissionDenied

logger = logging.getLogger("coconstruct_source")

PageFetcher = Callable[[str, str | None], Iterator[list[dict[str, Any]]]]
"""(path, updated_since or None) → pages of records (one list per API page)."""

RejectHandler = Callable[[Reject], None]


def log_reject(reject: Reject) -> None:
    logger.warning("bad record skipped: %s", reject)


class RejectLog:
    """Bad records of a run, grouped by (table, column): the first few of each group are
    logged as warnings, the rest at debug level, and `summary()` gives one line per group
    (a whole column rejected usually means schema drift on the API side)."""

    def __init__(self, shown_per_group: int = 3) -> None:
        self.shown = shown_per_group
        self.groups: dict[tuple[str, str], list[Reject]] = {}

    def __call__(self, reject: Reject) -> None:
        group = self.groups.setdefault((reject.table, reject.column), [])
        group.append(reject)
        if len(group) <= self.shown:
            log_reject(reject)
        else:
            logger.debug("bad record skipped: %s", reject)

    @property
    def count(self) -> int:
        return sum(len(g) for g in self.groups.values())

    def summary(self) -> list[str]:
        return [
            f"{table}.{column}: {len(group)} record(s) skipped ({group[0].reason})"
            for (table, column), group in sorted(self.groups.items())
        ]


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
        hints["merge_key"] = [TENANT_COLUMN, table.parent_key]
    return dlt.mark.make_hints(**hints)


def format_cursor(value: Any) -> str | None:
    """The API's `updated_since` form: ISO-8601 UTC with microseconds and `Z`."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"unexpected cursor value {value!r}")


def _parse_cursor(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class LagWindow:
    """The record versions (id → updated_at) already loaded inside the lag window.

    The lag makes every run re-list the last `lag_seconds` before the cursor, to catch late
    writes. Versions loaded before are dropped here, so a run with nothing changed loads
    nothing, while a late write (a version not seen yet) still loads. Kept in the resource
    state, committed atomically with the load package; only the tail of the listing (within
    the lag of the newest version) is remembered.
    """

    STATE_KEY = "lag_window"
    PRUNE_AT = 20_000

    def __init__(self, state: dict[str, Any], lag_seconds: float) -> None:
        self._state = state
        self._previous: dict[str, str] = dict(state.get(self.STATE_KEY) or {})
        self._current: dict[str, str] = {}
        self._lag = timedelta(seconds=lag_seconds)
        self._newest: str | None = None

    def fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        previous = self._previous
        out = records
        if previous:
            out = [r for r in records if previous.get(str(r.get("id"))) != r.get(CURSOR_COLUMN)]
        for r in records:
            updated_at = r.get(CURSOR_COLUMN)
            if isinstance(updated_at, str):
                self._current[str(r.get("id"))] = updated_at
                if self._newest is None or updated_at > self._newest:
                    self._newest = updated_at
        if len(self._current) > self.PRUNE_AT:
            self._prune()
        return out

    def _prune(self) -> None:
        if self._newest is None:
            return
        try:
            cutoff = format_cursor(_parse_cursor(self._newest) - self._lag)
        except ValueError:
            return
        self._current = {k: v for k, v in self._current.items() if v >= cutoff}

    def save(self) -> None:
        self._prune()
        self._state[self.STATE_KEY] = self._current


class RelistedParents:
    """Lines of a parent listed twice in one run (edited or deleted while the run was
    listing). The child merge key replaces lines already stored, not lines staged earlier
    in the same load, so the lines the newer version dropped are deleted explicitly.

    Remembers, per parent seen in the run, the child keys beyond the parent key (line ids,
    or client ids for project_clients): ids only, not rows."""

    def __init__(self, table: TableSpec) -> None:
        self.children = [
            (prop, child, tuple(k for k in child.primary_key if k != child.parent_key))
            for prop, child in table.children
        ]
        self.seen: dict[Any, tuple[tuple[Any, ...], ...]] = {}

    def dropped(
        self, records: list[dict[str, Any]]
    ) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
        """Per child table: (keys of the lines to delete, the cursor of the dropping version)."""
        out: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        for rec in records:
            parent_id = rec.get("id")
            if parent_id is None:
                continue
            gone = rec.get(DELETED_COLUMN) is True
            current = tuple(
                ()
                if gone or not rec.get(prop)
                else tuple(
                    tuple(i.get(k) for k in own) if len(own) > 1 else i.get(own[0])
                    for i in rec[prop]
                )
                for prop, _, own in self.children
            )
            previous = self.seen.get(parent_id)
            if any(current):
                self.seen[parent_id] = current
            elif previous is not None:
                del self.seen[parent_id]
            if previous is None:
                continue
            for (_, child, own), before, now in zip(self.children, previous, current, strict=True):
                for key in set(before) - set(now):
                    values = key if len(own) > 1 else (key,)
                    row = {**dict(zip(own, values, strict=True)), child.parent_key: parent_id}
                    keys, cursors = out.setdefault(child.name, ([], []))
                    keys.append(row)
                    cursors.append(rec.get(CURSOR_COLUMN))
        return out


def _yield_tables(
    spec: ResourceSpec,
    pages: Iterator[list[dict[str, Any]]],
    tenant_id: Callable[[], str],
    on_reject: RejectHandler,
    window: LagWindow | None = None,
) -> Iterator[Any]:
    hinted: set[str] = set()
    tenant = tenant_id()
    relisted = RelistedParents(spec.table) if spec.table.children else None
    for page_records in pages:
        records = window.fresh(page_records) if window else page_records
        if not records:
            continue
        page = convert_page(records, spec.table, tenant)
        for reject in page.rejects:
            on_reject(reject)
        tables = list(page.tables.items())
        if relisted:
            for name, (keys, cursors) in relisted.dropped(records).items():
                child = next(t for t in spec.all_tables if t.name == name)
                tables.append((name, child_deletions(child, keys, cursors, tenant)))
        for name, table in tables:
            if table.num_rows == 0:
                continue
            if name in hinted:
                yield dlt.mark.with_table_name(table, name)
            else:
                hinted.add(name)
                spec_table = next(t for t in spec.all_tables if t.name == name)
                yield dlt.mark.with_hints(table, table_hints(spec_table), create_table_variant=True)


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
    parallelized: bool = False,
) -> DltResource:
    """The dlt resource of one contract entity.

    Incremental on `updated_at` (lag `lag_seconds`): the lag-adjusted start value is sent as
    `updated_since`, so the server filters and also sends tombstones; the first run (no
    state) lists live records only. Merge on (tenant_id, id); `deleted` is the hard-delete
    column; child tables replace a parent's lines through their merge key.
    """
    common: dict[str, Any] = {
        "name": spec.name,
        "write_disposition": "merge",
        "parallelized": parallelized,
    }

    if not spec.paged:

        def single() -> Iterator[pa.Table]:
            # no updated_since on a single object: the window drops an unchanged version
            window = LagWindow(dlt.current.resource_state(), 0)
            try:
                yield from _yield_tables(
                    spec, fetch_pages(spec.path, None), tenant_id, on_reject, window
                )
            except PermissionDenied as e:
                _skip_denied(spec, e, on_denied)
                return
            window.save()

        return dlt.resource(single, **common)()

    # primary_key=(): no boundary de-duplication by dlt, the merge already dedups on keys
    updated_at = dlt.sources.incremental[datetime](CURSOR_COLUMN, lag=lag_seconds, primary_key=())

    def paged(cursor: dlt.sources.incremental[datetime] = updated_at) -> Iterator[pa.Table]:
        since = format_cursor(cursor.start_value)
        window = LagWindow(dlt.current.resource_state(), lag_seconds)
        try:
            yield from _yield_tables(
                spec, fetch_pages(spec.path, since), tenant_id, on_reject, window
            )
        except PermissionDenied as e:
            _skip_denied(spec, e, on_denied)
            return
        window.save()

    return dlt.resource(paged, **common)()
