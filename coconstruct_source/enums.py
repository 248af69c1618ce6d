"""The contract's enumerations (statuses, categories...): table → column → allowed values.

A value outside its enumeration is a bad record (quarantined), not a new category.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from coconstruct_source.contract import _non_null_variant, _resolve, openapi_document


def _walk(doc: dict[str, Any], table: str, schema: dict[str, Any],
          out: dict[str, dict[str, frozenset[str]]]) -> None:
    schema = _resolve(doc, schema)
    for prop, prop_schema in schema.get("properties", {}).items():
        resolved = _non_null_variant(doc, _resolve(doc, prop_schema))
        child = resolved.get("x-child-table")
        if resolved.get("type") == "array" and child:
            _walk(doc, child, resolved["items"], out)
        elif "enum" in resolved:
            values = frozenset(v for v in resolved["enum"] if isinstance(v, str))
            out.setdefault(table, {})[prop] = values


@cache
def enum_columns() -> dict[str, dict[str, frozenset[str]]]:
    doc = openapi_document()
    out: dict[str, dict[str, frozenset[str]]] = {}
    for schema in doc["components"]["schemas"].values():
        if schema.get("x-resource"):
            _walk(doc, schema["x-resource"], schema, out)
    return out
