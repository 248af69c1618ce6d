"""The warehouse tables, derived from the OpenAPI contract (the single source of truth).

Every entity schema carrying `x-resource` becomes a root table; every array property
carrying `x-child-table` becomes a child table joined on its `x-parent-key`. Column types
come from the property schemas: decimal strings with `x-scale` → decimal(18, scale),
`date-time` → timestamp (UTC), `date` → date, integer → bigint, boolean (and the `deleted`
const) → bool, anything else → text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

ColumnKind = Literal["decimal", "timestamp", "date", "bigint", "bool", "text"]

TENANT_COLUMN = "tenant_id"
CURSOR_COLUMN = "updated_at"
DELETED_COLUMN = "deleted"
DECIMAL_PRECISION = 18

# Columns the API sends that must never be stored (a signed, time-limited capability).
DROPPED_COLUMNS: frozenset[tuple[str, str]] = frozenset({("attachments", "url")})


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    nullable: bool = True
    scale: int | None = None  # decimals only


@dataclass(frozen=True)
class TableSpec:
    """One warehouse table. Columns exclude `tenant_id`, which every table gets first."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    parent_key: str | None = None
    # (array property on the parent record, child table)
    children: tuple[tuple[str, TableSpec], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def has_deleted(self) -> bool:
        return DELETED_COLUMN in self.column_names


@dataclass(frozen=True)
class ResourceSpec:
    """One dlt resource: a list endpoint (or GET /company) and the tables it fills."""

    name: str
    path: str
    paged: bool
    table: TableSpec
    all_tables: tuple[TableSpec, ...] = field(default=())

    def table_named(self, name: str) -> TableSpec:
        return next(t for t in self.all_tables if t.name == name)


@dataclass(frozen=True)
class Contract:
    resources: dict[str, ResourceSpec]

    @property
    def table_names(self) -> list[str]:
        return [t.name for r in self.resources.values() for t in r.all_tables]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        merged = {
            **doc["components"]["schemas"][name],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
        schema = merged
        seen += 1
        if seen > 20:
            raise ValueError(f"$ref cycle at {name}")
    return schema


def _non_null_variant(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    for key in ("oneOf", "anyOf"):
        if key in schema:
            for variant in schema[key]:
                resolved = _resolve(doc, variant)
                if resolved.get("type") != "null":
                    return resolved
    return schema


def _is_nullable(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    if isinstance(t, list) and "null" in t:
        return True
    return any(v.get("type") == "null" for k in ("oneOf", "anyOf") for v in schema.get(k, []))


def column_from_schema(
    doc: dict[str, Any], name: str, schema: dict[str, Any], required: bool
) -> Column:
    schema = _resolve(doc, schema)
    nullable = not required or _is_nullable(schema)
    schema = _non_null_variant(doc, schema)
    types = schema.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if "x-scale" in schema:
        return Column(name, "decimal", nullable, int(schema["x-scale"]))
    fmt = schema.get("format")
    if fmt == "date-time":
        return Column(name, "timestamp", nullable)
    if fmt == "date":
        return Column(name, "date", nullable)
    if "integer" in types:
        return Column(name, "bigint", nullable)
    if "boolean" in types or isinstance(schema.get("const"), bool):
        return Column(name, "bool", nullable)
    return Column(name, "text", nullable)


def _table(doc: dict[str, Any], name: str, schema: dict[str, Any]) -> TableSpec:
    schema = _resolve(doc, schema)
    required = set(schema.get("required", []))
    columns: list[Column] = []
    children: list[tuple[str, TableSpec]] = []
    parent_key = schema.get("x-parent-key")
    for prop, prop_schema in schema["properties"].items():
        resolved = _resolve(doc, prop_schema)
        if resolved.get("type") == "array":
            child_name = resolved.get("x-child-table")
            if child_name:
                children.append((prop, _table(doc, child_name, resolved["items"])))
            continue  # arrays without x-child-table are not part of the contract's tables
        if (name, prop) in DROPPED_COLUMNS:
            continue
        columns.append(column_from_schema(doc, prop, prop_schema, prop in required))
    if parent_key:
        # child rows carry the parent's cursor and a tombstone flag for parent deletions
        columns.append(Column(CURSOR_COLUMN, "timestamp", False))
        columns.append(Column(DELETED_COLUMN, "bool", False))
    primary_key = tuple(schema.get("x-primary-key", ["id"]))
    return TableSpec(name, tuple(columns), primary_key, parent_key, tuple(children))


def _list_path_for(doc: dict[str, Any], schema_name: str) -> str | None:
    """The tenant-wide list path whose page items are `schema_name` (no path parameters)."""
    ref = f"#/components/schemas/{schema_name}"
    for path, ops in doc["paths"].items():
        if "{" in path or "get" not in ops:
            continue
        content = ops["get"]["responses"].get("200", {}).get("content", {})
        body = content.get("application/json", {}).get("schema", {})
        if body.get("$ref") == ref:
            return path  # a single object (GET /company)
        page = _resolve(doc, body) if body else {}
        items = page.get("properties", {}).get("data", {}).get("items", {})
        if any(v.get("$ref") == ref for v in items.get("anyOf", [])):
            return path
    return None


def _flatten(table: TableSpec) -> tuple[TableSpec, ...]:
    out = [table]
    for _, child in table.children:
        out.extend(_flatten(child))
    return tuple(out)


def parse_contract(doc: dict[str, Any]) -> Contract:
    out: dict[str, ResourceSpec] = {}
    for schema_name, schema in doc["components"]["schemas"].items():
        resource = schema.get("x-resource")
        if not resource:
            continue
        path = _list_path_for(doc, schema_name)
        if path is None:
            raise ValueError(
                f"contract: no list path returns {schema_name} (x-resource {resource})"
            )
        table = _table(doc, resource, schema)
        ops = doc["paths"][path]["get"]
        paged = any(p.get("$ref", "").endswith("/cursor") for p in ops.get("parameters", []))
        out[resource] = ResourceSpec(resource, path, paged, table, _flatten(table))
    return Contract(out)


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document bundled with the package (`coconstruct_source/openapi.yaml`),
    parsed once per process (~80 ms); shared, so read it, never change it."""
    text = resources.files("coconstruct_source").joinpath("openapi.yaml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def load_contract() -> Contract:
    """The contract bundled with the package."""
    return parse_contract(openapi_document())
