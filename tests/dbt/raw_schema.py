"""The raw (dlt) warehouse tables and their column types, read from the API contract.

An independent reading of openapi.yaml (not the connector's) so the golden warehouse the
dbt tests build does not depend on the code it is checking.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTRACT = Path(__file__).resolve().parents[2] / "coconstruct_source" / "openapi.yaml"

_REF_TYPES = {
    "Money": "decimal(18,2)",
    "MoneyOrNull": "decimal(18,2)",
    "Quantity": "decimal(18,4)",
    "Rate": "decimal(18,4)",
    "RateOrNull": "decimal(18,4)",
    "Timestamp": "timestamp with time zone",
    "TimestampOrNull": "timestamp with time zone",
    "Date": "date",
    "DateOrNull": "date",
    "Id": "bigint",
    "IdOrNull": "bigint",
}
_NOT_STORED = {("attachments", "url")}


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: dict[str, str]  # column -> SQL type, in contract order
    primary_key: tuple[str, ...]
    parent_key: str | None = None


def _sql_type(prop: dict) -> str:
    if "$ref" in prop:
        return _REF_TYPES.get(prop["$ref"].rsplit("/", 1)[1], "text")
    if "oneOf" in prop:
        return "text"
    kinds = prop.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "boolean" in kinds or prop.get("const") is False:
        return "boolean"
    if "integer" in kinds:
        return "bigint"
    return "text"


def _table(name: str, schema: dict, parent_key: str | None) -> tuple[RawTable, list[RawTable]]:
    columns: dict[str, str] = {"tenant_id": "text"}
    children: list[RawTable] = []
    for col, prop in schema["properties"].items():
        if "x-child-table" in prop:
            child_schema_name = prop["items"]["$ref"].rsplit("/", 1)[1]
            children.append(_child(prop["x-child-table"], child_schema_name))
            continue
        if (name, col) in _NOT_STORED:
            continue
        columns[col] = _sql_type(prop)
    if parent_key is None and "deleted" not in columns:
        columns["deleted"] = "boolean"
    pk = ("tenant_id", *schema["x-primary-key"])
    return RawTable(name, columns, pk, parent_key), children


def _child(name: str, schema_name: str) -> RawTable:
    schema = _schemas()[schema_name]
    table, _ = _table(name, schema, schema["x-parent-key"])
    return table


@cache
def _schemas() -> dict:
    return yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]


@cache
def raw_tables() -> dict[str, RawTable]:
    """Every warehouse table of the contract: roots (x-resource) and their child tables."""
    tables: dict[str, RawTable] = {}
    for schema in _schemas().values():
        if "x-resource" not in schema:
            continue
        root, children = _table(schema["x-resource"], schema, None)
        tables[root.name] = root
        tables.update({c.name: c for c in children})
    return tables
