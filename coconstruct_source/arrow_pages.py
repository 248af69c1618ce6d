"""A page of API records → one pyarrow table per warehouse table (root and children).

Conversion is column-wise and vectorized (money strings → decimal128 and ISO timestamps →
timestamp[us, UTC] through pyarrow casts). A record with a bad value (missing id,
non-numeric money, impossible date...) is rejected with its child rows; the rest of the
page converts. Rejects are returned, not raised, so a caller can log them now and route
them to a quarantine table later.

Child tables get, besides their contract columns, the parent's `updated_at` and a
`deleted` flag. A deleted parent, or a live parent with no child rows, yields one child
*sentinel* row (`deleted = true`, parent key set, id = -parent id): with the child
table's merge key on the parent key, loading it removes every stored line of that parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from coconstruct_source.contract import (
    CURSOR_COLUMN,
    DECIMAL_PRECISION,
    DELETED_COLUMN,
    TENANT_COLUMN,
    Column,
    TableSpec,
)

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


@dataclass(frozen=True)
class Reject:
    """A record left out of the load, and why."""

    table: str
    record_id: Any
    column: str
    value: Any
    reason: str

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


def _bad_positions(values: list[Any], column: Column) -> list[tuple[int, str]]:
    """Slow path, only after the vectorized cast failed: which values are bad, and why."""
    bad: list[tuple[int, str]] = []
    for i, v in enumerate(values):
        try:
            _convert_array([v], column)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as e:
            bad.append((i, str(e).split("\n", 1)[0]))
    return bad


class _Rows:
    """Row dicts of one table, each tagged with the index of its root record."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.rows: list[dict[str, Any]] = []
        self.owner: list[int] = []

    def add(self, row: dict[str, Any], owner: int) -> None:
        self.rows.append(row)
        self.owner.append(owner)


def _required_keys(spec: TableSpec) -> tuple[str, ...]:
    keys = tuple(spec.primary_key)
    return (
        (*keys, CURSOR_COLUMN)
        if spec.parent_key is None and CURSOR_COLUMN in spec.column_names
        else keys
    )


def _sentinel(child: TableSpec, parent_id: Any, updated_at: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        child.parent_key: parent_id,
        CURSOR_COLUMN: updated_at,
        DELETED_COLUMN: True,
    }
    for key in child.primary_key:
        if key != child.parent_key:
            row[key] = -parent_id if isinstance(parent_id, int) else None
    return row


def _explode(records: Sequence[dict[str, Any]], spec: TableSpec) -> dict[str, _Rows]:
    out: dict[str, _Rows] = {spec.name: _Rows(spec)}
    for _, child in spec.children:
        out[child.name] = _Rows(child)
    root = out[spec.name]
    for i, rec in enumerate(records):
        root.add(rec, i)
        if not spec.children:
            continue
        rid = rec.get("id")
        updated_at = rec.get(CURSOR_COLUMN)
        deleted = rec.get(DELETED_COLUMN) is True
        for prop, child in spec.children:
            rows = out[child.name]
            items = None if deleted else rec.get(prop)
            if not items:
                rows.add(_sentinel(child, rid, updated_at), i)
                continue
            for item in items:
                row = dict(item)
                row.setdefault(child.parent_key, rid)
                row[CURSOR_COLUMN] = updated_at
                row[DELETED_COLUMN] = False
                rows.add(row, i)
    return out


def _missing_required(rows: _Rows) -> list[tuple[int, str]]:
    keys = _required_keys(rows.spec)
    return [(pos, k) for pos, row in enumerate(rows.rows) for k in keys if row.get(k) is None]


def _find_rejects(
    rows: _Rows, reject_out: dict[int, Reject], records: Sequence[dict[str, Any]]
) -> None:
    spec = rows.spec
    for pos, name in _missing_required(rows):
        owner = rows.owner[pos]
        if owner not in reject_out:
            reject_out[owner] = Reject(
                spec.name, records[owner].get("id"), name, None, "required value missing"
            )
    for column in spec.columns:
        values = [row.get(column.name) for row in rows.rows]
        try:
            _convert_array(values, column)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            for pos, reason in _bad_positions(values, column):
                owner = rows.owner[pos]
                if owner not in reject_out:
                    reject_out[owner] = Reject(
                        spec.name, records[owner].get("id"), column.name, values[pos], reason
                    )


def _build(rows: _Rows, tenant_id: str, keep: Iterable[int] | None) -> pa.Table:
    spec = rows.spec
    data = rows.rows if keep is None else [rows.rows[i] for i in keep]
    arrays = [pa.array([tenant_id] * len(data), pa.string())]
    arrays += [_convert_array([r.get(c.name) for r in data], c) for c in spec.columns]
    return pa.Table.from_arrays(arrays, schema=arrow_schema(spec))


def convert_page(
    records: Sequence[dict[str, Any]], spec: TableSpec, tenant_id: str
) -> ConvertedPage:
    """Convert one page of `spec`'s records (live ones and tombstones) to arrow tables."""
    exploded = _explode(records, spec)
    try:
        tables = {}
        for name, rows in exploded.items():
            if _missing_required(rows):
                raise ValueError("required value missing")
            tables[name] = _build(rows, tenant_id, None)
        return ConvertedPage(tables, [])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        pass
    rejected: dict[int, Reject] = {}
    for rows in exploded.values():
        _find_rejects(rows, rejected, records)
    tables = {}
    for name, rows in exploded.items():
        keep = [i for i, owner in enumerate(rows.owner) if owner not in rejected]
        tables[name] = _build(rows, tenant_id, keep)
    return ConvertedPage(tables, list(rejected.values()))
