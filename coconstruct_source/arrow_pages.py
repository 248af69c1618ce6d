"""A page of API records → one pyarrow table per warehouse table (root and children).

Conversion is column-wise and vectorized (money strings → decimal128 and ISO timestamps →
timestamp[us, UTC] through pyarrow casts). A record with a bad value (missing id,
non-numeric money, impossible date...) is rejected with its child rows; the rest of the
page converts. Rejects are returned, not raised: the resource logs them and loads them
into the quarantine table (quarantine.py). Schema drift (new fields, changed JSON types)
follows the configured `DriftPolicy` (drift.py).

Child tables get, besides their contract columns, the parent's `updated_at` and a
`deleted` flag. A deleted parent, or a live parent with no child rows, yields one child
*sentinel* row (`deleted = true`, parent key set, id = -parent id): with the child
table's merge key on the parent key, loading it removes every stored line of that parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coconstruct_source import drift
from coconstruct_source.contract import (
    CURSOR_COLUMN,
    DECIMAL_PRECISION,
    DELETED_COLUMN,
    TENANT_COLUMN,
    Column,
    TableSpec,
)
from coconstruct_source.enums import enum_columns

_ARROW_BASE: dict[str, pa.DataType] = {
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "bigint": pa.int64(),
    "bool": pa.bool_(),
    "text": pa.string(),
}


def arrow_type(column: Column) -> pa.DataType:
    if column.kind == "decimal":
        return pa.decimal128(DECIMAL_PRECISION, column.scale or 0)
    return _ARROW_BASE[column.kind]


def arrow_schema(table: TableSpec) -> pa.Schema:
    fields = [pa.field(TENANT_COLUMN, pa.string(), nullable=False)]
    keys = set(table.primary_key)
    fields += [pa.field(c.name, arrow_type(c), nullable=c.name not in keys) for c in table.columns]
    return pa.schema(fields)


_DEFAULT_POLICY = drift.DriftPolicy()


@dataclass(frozen=True)
class Reject:
    """A record left out of the load, and why."""

    table: str
    record_id: Any
    column: str
    value: Any
    reason: str
    record: Any = None  # the root record as the API sent it (for the quarantine table)

    def __str__(self) -> str:
        return (
            f"{self.table}: record id={self.record_id!r} rejected, column {self.column!r}"
            f" value {self.value!r}: {self.reason}"
        )


@dataclass
class ConvertedPage:
    tables: dict[str, pa.Table]
    rejects: list[Reject]


def _convert_array(values: list[Any], column: Column) -> pa.Array:
    kind = column.kind
    if kind in ("decimal", "timestamp", "date"):
        return pa.array(values, pa.string()).cast(arrow_type(column))
    return pa.array(values, arrow_type(column))


_WIRE_PY: dict[str, type | tuple[type, ...]] = {
    "decimal": str,
    "timestamp": str,
    "date": str,
    "text": str,
    "bigint": int,
    "bool": bool,
}
_EXPECTED = {
    "decimal": "a decimal string",
    "timestamp": "an ISO-8601 UTC timestamp string",
    "date": "a YYYY-MM-DD string",
    "text": "a string",
    "bigint": "an integer",
    "bool": "a boolean",
}


def _bad_positions(values: list[Any], column: Column) -> list[tuple[int, str]]:
    """Slow path, only after the vectorized cast failed: which values are bad, and why."""
    bad: list[tuple[int, str]] = []
    expected = _EXPECTED[column.kind]
    for i, v in enumerate(values):
        if v is not None and not isinstance(v, _WIRE_PY[column.kind]):
            bad.append((i, f"expected {expected}, got {type(v).__name__}"))
            continue
        try:
            _convert_array([v], column)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as e:
            bad.append((i, str(e).split("\n", 1)[0]))
    return bad


class _Rows:
    """Rows of one table as the API sent them (never copied), each tagged with the index of
    its root record; child rows also carry their `deleted` flag (sentinels are True)."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.rows: list[dict[str, Any]] = []
        self.owner: list[int] = []
        self.deleted: list[bool] = []


def _required_keys(spec: TableSpec) -> tuple[str, ...]:
    keys = tuple(spec.primary_key)
    if spec.parent_key is None and CURSOR_COLUMN in spec.column_names:
        return (*keys, CURSOR_COLUMN)
    return keys


def _sentinel(child: TableSpec, parent_id: Any) -> dict[str, Any]:
    row: dict[str, Any] = {child.parent_key: parent_id}
    for key in child.primary_key:
        if key != child.parent_key:
            row[key] = -parent_id if isinstance(parent_id, int) else None
    return row


def _explode(records: Sequence[dict[str, Any]], spec: TableSpec) -> dict[str, _Rows]:
    root = _Rows(spec)
    root.rows = list(records)
    root.owner = list(range(len(records)))
    out: dict[str, _Rows] = {spec.name: root}
    for prop, child in spec.children:
        rows = out[child.name] = _Rows(child)
        for i, rec in enumerate(records):
            items = None if rec.get(DELETED_COLUMN) is True else rec.get(prop)
            if not items:
                rows.rows.append(_sentinel(child, rec.get("id")))
                rows.owner.append(i)
                rows.deleted.append(True)
                continue
            rows.rows.extend(items)
            rows.owner.extend([i] * len(items))
            rows.deleted.extend([False] * len(items))
    return out


def _child_value(rows: _Rows, records: Sequence[dict[str, Any]], pos: int, name: str) -> Any:
    """A child row's value, with the cursor and the flag that come from its parent."""
    if rows.spec.parent_key and name == CURSOR_COLUMN:
        return records[rows.owner[pos]].get(CURSOR_COLUMN)
    if rows.spec.parent_key and name == DELETED_COLUMN:
        return rows.deleted[pos]
    return rows.rows[pos].get(name)


def _find_rejects(
    rows: _Rows, reject_out: dict[int, Reject], records: Sequence[dict[str, Any]], enums: bool
) -> None:
    """Slow path, only after the fast one failed: each bad record, and why."""
    spec = rows.spec

    def reject(pos: int, column: str, value: Any, reason: str) -> None:
        owner = rows.owner[pos]
        if owner not in reject_out:
            record = records[owner]
            reject_out[owner] = Reject(spec.name, record.get("id"), column, value, reason, record)

    for key in _required_keys(spec):
        for pos, row in enumerate(rows.rows):
            if row.get(key) is None:
                reject(pos, key, None, "required value missing")
    for name, allowed in enum_columns().get(spec.name, {}).items() if enums else ():
        for pos, row in enumerate(rows.rows):
            value = row.get(name)
            if isinstance(value, str) and value not in allowed:
                reject(pos, name, value, f"unknown value (allowed: {', '.join(sorted(allowed))})")
    for column in spec.columns:
        values = [_child_value(rows, records, pos, column.name) for pos in range(len(rows.rows))]
        try:
            _convert_array(values, column)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            for pos, reason in _bad_positions(values, column):
                reject(pos, column.name, values[pos], reason)


def _wire_type(column: Column) -> pa.DataType:
    """How the API sends a column: decimals, timestamps and dates as strings."""
    return pa.string() if column.kind in ("decimal", "timestamp", "date") else arrow_type(column)


def _build(
    rows: _Rows,
    records: Sequence[dict[str, Any]],
    tenant_id: str,
    keep: list[int] | None,
    extras: Sequence[str] = (),
    enums: bool = False,
) -> pa.Table:
    """One arrow table: the API's dicts → a struct array in one C++ pass, then casts."""
    spec = rows.spec
    positions = range(len(rows.rows)) if keep is None else keep
    data = rows.rows if keep is None else [rows.rows[i] for i in keep]
    from_parent = {CURSOR_COLUMN, DELETED_COLUMN} if spec.parent_key else set()
    wire = [c for c in spec.columns if c.name not in from_parent]
    struct = pa.array(data, pa.struct([pa.field(c.name, _wire_type(c)) for c in wire]))
    arrays = dict(zip((c.name for c in wire), struct.flatten(), strict=True))
    if spec.parent_key:
        arrays[CURSOR_COLUMN] = pa.array(
            [records[rows.owner[i]].get(CURSOR_COLUMN) for i in positions], pa.string()
        )
        arrays[DELETED_COLUMN] = pa.array([rows.deleted[i] for i in positions], pa.bool_())
    out = [pa.array([tenant_id] * len(data), pa.string())]
    for column in spec.columns:
        array = arrays[column.name]
        if array.type != arrow_type(column):
            array = array.cast(arrow_type(column))
        out.append(array)
    for key in _required_keys(spec):
        if out[1 + spec.column_names.index(key)].null_count:
            raise ValueError(f"required value {key} missing")
    for name, allowed in _enum_sets(spec.name).items() if enums else ():
        values = out[1 + spec.column_names.index(name)].drop_null()
        if len(values) and not pc.all(pc.is_in(values, value_set=allowed)).as_py():
            raise ValueError(f"{name} outside its enumeration")
    schema = arrow_schema(spec)
    for name in extras:  # schema drift: fields the contract does not know yet
        array = drift.extra_array([row.get(name) for row in data])
        out.append(array)
        schema = schema.append(pa.field(name, array.type))
    return pa.Table.from_arrays(out, schema=schema)


@cache
def _enum_sets(table: str) -> dict[str, pa.Array]:
    return {c: pa.array(sorted(v), pa.string()) for c, v in enum_columns().get(table, {}).items()}


def _warn_unknown_values(
    exploded: dict[str, _Rows], tables: dict[str, pa.Table], records: Sequence[dict[str, Any]]
) -> None:
    """Values outside their enumeration, loaded: one warning per table, column and value."""
    for name, rows in exploded.items():
        for column, allowed in _enum_sets(name).items():
            values = tables[name][column].drop_null()
            if not len(values) or pc.all(pc.is_in(values, value_set=allowed)).as_py():
                continue
            known = enum_columns()[name][column]
            for pos, row in enumerate(rows.rows):
                value = row.get(column)
                if isinstance(value, str) and value not in known:
                    owner = records[rows.owner[pos]].get("id")
                    drift.warn_unknown_value(name, column, value, owner)


def _new_columns(exploded: dict[str, _Rows], policy: drift.DriftPolicy) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, rows in exploded.items():
        found = drift.new_fields(rows.rows, drift.known_fields(rows.spec))
        out[name] = drift.check_new_fields(policy, rows.spec, rows.rows, found) if found else []
    return out


def _move_type_changes(
    exploded: dict[str, _Rows], records: Sequence[dict[str, Any]], policy: drift.DriftPolicy
) -> bool:
    """Slow path: values of another JSON type than the contract's go to variant columns
    (keys excepted: a record without a usable key is rejected). True if any moved."""
    moved = False
    if policy.type_changes == "discard_row":
        return moved
    for rows in exploded.values():
        spec = rows.spec
        fixed = {*_required_keys(spec), *(() if spec.parent_key is None else (DELETED_COLUMN,))}
        for column in spec.columns:
            if column.name in fixed:
                continue
            wire = _WIRE_PY[column.kind]
            for pos, row in enumerate(rows.rows):
                value = row.get(column.name)
                if value is None or isinstance(value, wire):
                    continue
                record_id = records[rows.owner[pos]].get("id")
                if drift.to_variant(
                    policy, spec.name, row, column.name, record_id, _EXPECTED[column.kind]
                ):
                    moved = True
    return moved


def convert_page(
    records: Sequence[dict[str, Any]],
    spec: TableSpec,
    tenant_id: str,
    policy: drift.DriftPolicy = _DEFAULT_POLICY,
) -> ConvertedPage:
    """Convert one page of `spec`'s records (live ones and tombstones) to arrow tables.

    New fields and changed types follow `policy` (drift.py); other bad records are returned
    as rejects, the rest of the page converts."""
    exploded = _explode(records, spec)
    extras = _new_columns(exploded, policy)
    enums = policy.unknown_values == "discard_row"
    try:
        tables = {
            name: _build(rows, records, tenant_id, None, extras[name], enums)
            for name, rows in exploded.items()
        }
        if not enums:
            _warn_unknown_values(exploded, tables, records)
        return ConvertedPage(tables, [])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        pass
    if _move_type_changes(exploded, records, policy):
        extras = _new_columns(exploded, policy)
    rejected: dict[int, Reject] = {}
    for rows in exploded.values():
        _find_rejects(rows, rejected, records, enums)
    tables = {}
    for name, rows in exploded.items():
        keep = [i for i, owner in enumerate(rows.owner) if owner not in rejected]
        tables[name] = _build(rows, records, tenant_id, keep, extras[name], enums)
    return ConvertedPage(tables, list(rejected.values()))


def child_deletions(
    child: TableSpec, keys: list[dict[str, Any]], cursors: list[str], tenant_id: str
) -> pa.Table:
    """Explicit deletions of child rows (keys and parent key only), each with the cursor of
    the parent version that dropped it."""
    rows = _Rows(child)
    rows.rows = keys
    rows.owner = list(range(len(keys)))
    rows.deleted = [True] * len(keys)
    return _build(rows, [{CURSOR_COLUMN: c} for c in cursors], tenant_id, None)
